"""Every export of the fixed session (tests/export/session.py), read back by its own reader:
Markdown and HTML against golden files, the HTML parsed, the Word file opened with python-docx,
every CSV read, the JSON imported again; escaping, de-identification and anonymity in all."""

import asyncio
import csv
import io
import json
import os
import re
import zipfile
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from facilitator.db import make_engine
from facilitator.export import data, markdown
from facilitator.export.formats import COMPENDIUM, RECORD, export
from facilitator.export.options import FLAGGED, Options
from facilitator.features import RULES
from facilitator.polls.model import polls_of
from facilitator.polls.questions.model import questions_of
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import CommandError
from facilitator.scribe.model import notebook_of
from tests.export.session import ADDRESS, ANONYMOUS_QUESTION, HOSTILE, MADE_AT, PEOPLE, WORKSHEET, exchange
from tests.pure import FACILITATOR, MIN, SCRIBE, SYSTEM, T0, person, refusal, room_with

DAY = 24 * 60 * MIN

GOLDEN = Path(__file__).parent / "golden"


def made(fmt: str, which: str = "record", ended: bool = True, **options) -> bytes:
    room = exchange(ended)
    return export(room.state, room.log, fmt, Options(**options), MADE_AT, which, rules=RULES).content


def everything(**options) -> dict[str, bytes]:
    """Every file of export.zip, the .docx files opened too (their XML parts, by name)."""
    return unzipped(made("zip", **options))


def unzipped(zipped: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            files[name] = content
            if name.endswith(".docx"):
                with zipfile.ZipFile(io.BytesIO(content)) as inner:
                    files |= {f"{name}/{part}": inner.read(part) for part in inner.namelist()}
    return files


@pytest.mark.parametrize(
    ("fmt", "which", "golden"),
    [
        ("md", "record", "record.md"),
        ("html", "record", "record.html"),
        ("md", "compendium", "compendium.md"),
        ("html", "compendium", "compendium.html"),
    ],
)
def test_markdown_and_html_match_the_golden_files(fmt, which, golden):
    """Set UPDATE_GOLDEN=1 to write them again, then read the diff before committing it."""
    text = made(fmt, which).decode()
    path = GOLDEN / golden
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_every_export_says_when_it_was_made_whether_it_was_a_snapshot_and_its_options():
    ended = made("md").decode()
    assert "Exported 2023-11-14 23:13 UTC, after the exchange ended (2023-11-14 22:38 UTC)" in ended
    assert "Options: none (names and all text as recorded)." in ended
    running = made("html", ended=False, deidentify=True, omit_flagged=True).decode()
    assert "a snapshot: the exchange was still running" in running
    assert (
        "participants and organisations de-identified; text flagged as a possible patient identifier left out"
        in running
    )
    document = docx.Document(io.BytesIO(made("docx", ended=False)))
    assert any("a snapshot" in p.text for p in document.paragraphs[:3])
    assert json.loads(made("json", ended=False))["snapshot"] is True


class Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action") and value:
                self.urls.append(value)
            if name.startswith("on"):
                self.handlers.append(name)

    def handle_data(self, text):
        self.text.append(text)


@pytest.mark.parametrize("which", ["record", "compendium"])
def test_the_html_has_no_script_and_asks_for_nothing_outside_itself(which):
    page = made("html", which).decode()
    parsed = Parsed()
    parsed.feed(page)
    assert "script" not in parsed.tags and parsed.handlers == [] and parsed.urls == []
    assert not re.search(r"url\(|@import|https?://", page)
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    if which == "record":
        # Share of voice, the single-choice poll, the matrix, planned against actual time.
        assert parsed.tags.count("svg") == 4
        assert "@media print" in page and "break-before: page" in page


def test_a_hostile_note_breaks_no_markdown_table_or_heading():
    text = made("md").decode()
    assert not any("not a heading" in line for line in text.splitlines() if line.startswith("#"))
    assert "\\<script\\>" in text and "<script>" not in text
    out = markdown.Writer()
    out.table({"columns": ["Text", "By"], "rows": [[HOSTILE, "Anonymous"]]})
    row = out.text().splitlines()[2]  # one line: the line break is a <br>
    assert len(re.split(r"(?<!\\)\|", row)) == 4  # | text | by |: two cells, not three
    assert row.startswith("| Cost \\| benefit<br># not a heading")  # a # inside a cell starts nothing
    assert row.endswith("| Anonymous |")


def test_the_word_document_has_real_headings_and_tables():
    document = docx.Document(io.BytesIO(made("docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert ("Title", "Reducing discharge delays") in headings
    for heading in ("Charter", "Participants", "St Mary's Hospital", "Action plans", "Time discipline"):
        assert ("Heading 1", heading) in headings
    assert ("Heading 2", "Best-Practice Summary") in headings
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    discipline = tables[-1]
    assert discipline[0] == ["Agenda item", "Planned", "Actual", "Overrun", "Status"]
    assert discipline[1] == ["St Mary's Hospital", "20:00", "12:00", "0:00", "done"]
    compendium = docx.Document(io.BytesIO(made("docx", "compendium")))
    assert [p.text for p in compendium.paragraphs if p.style.name == "Heading 1"] == ["St Mary's Hospital"]


def outlines(room, which: str) -> list[list[tuple[int, str]]]:
    """The headings of the Markdown, HTML and Word files as (level, text), without the title (each
    format words it its own way) and without the organisations Markdown lists the participants
    under (the others print them in a table)."""
    written = {
        fmt: export(room.state, room.log, fmt, Options(), MADE_AT, which, rules=RULES).content for fmt in COMPENDIUM
    }
    markdown = [
        (len(hashes), re.sub(r"\\(.)", r"\1", text))
        for hashes, text in re.findall(r"^(#+) (.*)$", written["md"].decode(), re.MULTILINE)
    ]
    if (2, "Participants") in markdown:
        below = markdown.index((2, "Participants")) + 1
        after = next(i for i, (level, _) in enumerate(markdown) if i >= below and level == 2)
        markdown = markdown[:below] + markdown[after:]
    html = [(int(level), unescape(text)) for level, text in re.findall(r"<h(\d)>(.*?)</h\d>", written["html"].decode())]
    word = [
        (1 if p.style.name == "Title" else 1 + int(p.style.name[-1]), p.text)
        for p in docx.Document(io.BytesIO(written["docx"])).paragraphs
        if p.style.name.startswith(("Title", "Heading"))
    ]
    return [markdown[1:], html[1:], word[1:]]


@pytest.mark.parametrize("which", ["record", "compendium"])
def test_markdown_html_and_word_print_the_same_sections_in_the_same_order(which):
    markdown, html, word = outlines(exchange(), which)
    assert markdown == html == word and html
    markdown, html, word = outlines(room_with(), which)
    assert markdown == html == word
    if which == "record":
        assert [text for _, text in html] == [
            "Charter",
            "Participants",
            "Action plans",
            "Compendium of notes by tag",
            "Time discipline",
        ]


def test_a_record_without_tagged_notes_says_so_in_every_format():
    room = room_with()
    for fmt in COMPENDIUM:
        content = export(room.state, room.log, fmt, Options(), MADE_AT, rules=RULES).content
        text = (
            "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
            if fmt == "docx"
            else content.decode()
        )
        assert "No tagged notes." in text, fmt


def test_every_csv_reads_back_and_counts_poll_answers_per_option():
    with zipfile.ZipFile(io.BytesIO(made("csv"))) as archive:
        read = {name: list(csv.reader(io.StringIO(archive.read(name).decode()))) for name in archive.namelist()}
    assert set(read) == {
        "participants.csv",
        "agenda.csv",
        "notes.csv",
        "questions.csv",
        "poll_results.csv",
        "speaking_time_people.csv",
        "speaking_time_organisations.csv",
        "action_plans.csv",
        "summaries.csv",
        "breakout_groups.csv",
        "follow_up_milestones.csv",
        "follow_up_checkins.csv",
    }
    polls = read["poll_results.csv"]
    assert ["St Mary's Hospital", "Would you try it?", "Single choice", "closed", "3", "Yes", "2", "67 %"] in polls
    assert ["What we take home", "One word for today?", "Word cloud", "closed", "2", "flow", "2"] in polls
    assert len(polls) == 1 + 3 + 3 + 3  # a header, then per poll its columns and one row per option or word
    people = read["speaking_time_people.csv"]
    assert people[0] == ["Person", "Organisation", "Speaking time", "Seconds"]
    assert ["Ben Okafor", "Northfield Trust", "1:30", "90"] in people
    assert read["breakout_groups.csv"] == [
        ["Agenda item", "Round", "Group", "Topic", "Members", "Worksheet", "Recommended idea"],
        [
            "What we take home",
            "1",
            "Group 1",
            "Weekend discharges",
            "Cleo Park (Northfield Trust); Ben Okafor (Northfield Trust); Ana Lopez (St Mary's Hospital)",
            f"Problem analysis:\n{WORKSHEET}\n\nIdeas:\nA weekend rota\nA discharge lounge",
            "A weekend discharge rota",
        ],
    ]
    assert read["follow_up_milestones.csv"][1] == [
        "St Mary's Hospital",
        "A pharmacist on two wards' rounds",
        "By 30 days",
        "First ward",
        "2023-12-14",
        "On track",
        "Ward 4 started",
        "2023-11-14 22:40 UTC",
    ]
    assert read["follow_up_checkins.csv"] == [
        ["Check-in", "Organisation", "Change", "Progress (1-5)", "What helped", "What got in the way", "Signed by"],
        [
            "30-day check-in",
            "St Mary's Hospital",
            "A pharmacist on two wards' rounds",
            "4",
            "The pharmacy team",
            "Weekend staffing",
            "",
        ],
    ]


def test_breakout_groups_and_the_follow_up_are_in_every_format():
    document = docx.Document(io.BytesIO(made("docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 2", "Breakout groups") in headings and ("Heading 3", "Round 1: Group 1") in headings
    assert ("Heading 1", "Follow-up") in headings and ("Heading 2", "30-day check-in") in headings
    assert any(WORKSHEET in p.text for p in document.paragraphs)
    assert any("On track" in cell.text for table in document.tables for cell in table._cells)
    page = made("html").decode()
    assert "<h4>Round 1: Group 1</h4>" in page and "<dt>Recommended idea</dt><dd>A weekend discharge rota</dd>" in page
    assert "<h2>Follow-up</h2>" in page and "<td>Weekend staffing</td>" in page
    (take_home,) = [item for item in json.loads(made("json"))["derived"]["items"] if item["breakouts"]]
    group = take_home["breakouts"][0]
    assert group["topic"] == "Weekend discharges" and group["sections"][0] == ["Problem analysis", WORKSHEET]
    assert group["recommended"] == "A weekend discharge rota"


def test_a_round_only_set_up_is_not_in_the_record():
    room = exchange(ended=False)
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 1, "topics": ["Never opened"]}, T0 + 26 * 60_000)
    assert "Never opened" not in export(room.state, room.log, "md", Options(), MADE_AT, rules=RULES).content.decode()


def test_the_address_given_for_reminders_is_in_no_file():
    for options in ({}, {"deidentify": True}):
        for path, content in everything(**options).items():
            assert ADDRESS not in content.decode("utf-8", "replace"), path
    contact = next(e for e in json.loads(made("json"))["events"] if e["type"] == "contact.set")
    assert contact["data"]["email"] == "[redacted]"


def test_a_formula_in_a_cell_is_shown_not_run():
    room = exchange(ended=False)
    room.do(SCRIBE, {"type": "note.post", "text": '=HYPERLINK("http://x")', "item_id": "none"}, T0 + 27 * 60_000)
    content = export(room.state, room.log, "csv", Options(), MADE_AT, rules=RULES).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        notes = list(csv.reader(io.StringIO(archive.read("notes.csv").decode())))
    assert ['\'=HYPERLINK("http://x")'] == [row[5] for row in notes if "HYPERLINK" in row[5]]


def test_de_identification_leaves_no_name_or_organisation_in_any_file():
    names = [name for pair in PEOPLE for name in pair] + ["St Mary", "Northfield", "Lopez", "Okafor"]
    for path, content in everything(deidentify=True).items():
        text = content.decode("utf-8", "replace")
        for name in names:
            assert name.lower() not in text.lower(), f"{name} in {path}"
    text = made("md", deidentify=True).decode()
    assert "Participant 2: Organisation B tried this in 2022" in text  # inside a note, consistently
    assert "| Participant 2 · Organisation B | 1 | open |" in text
    # The breakout worksheet names a person and an organisation: both replaced, in the report
    # and in the event log.
    assert "Participant 2 says weekend discharges stall at Organisation B" in text
    exported = json.loads(made("json", deidentify=True))
    written = [e["data"]["text"] for e in exported["events"] if e["type"] == "breakouts.written"]
    assert "Participant 2 says weekend discharges stall at Organisation B" in written


def test_flagged_text_is_left_out_when_asked():
    files = everything(omit_flagged=True)
    for path, content in files.items():
        text = content.decode("utf-8", "replace")
        assert "07700 900123" not in text and "1234567" not in text, path
    assert FLAGGED in made("html", omit_flagged=True).decode()
    assert "left out: possible patient identifier" in made("md", omit_flagged=True).decode()
    assert "07700 900123" in made("md").decode()


def test_flagged_worksheets_ideas_milestone_notes_and_pulse_answers_are_left_out_when_asked(tmp_path):
    room = exchange(ended=False)
    ana = person(room.people["Ana Lopez"])
    sure = {"confirm_identifiers": True}
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 1}, T0 + 26 * MIN)
    room.do(FACILITATOR, {"type": "breakouts.open"}, T0 + 27 * MIN)
    room.do(ana, {"type": "breakouts.write", "section": 0, "text": "Bed 4: ring 07700 900111", **sure}, T0 + 28 * MIN)
    room.do(ana, {"type": "breakouts.recommend", "idea": "Ring 07700 900222 first", **sure}, T0 + 28 * MIN)
    room.do(FACILITATOR, {"type": "breakouts.close"}, T0 + 29 * MIN)
    room.do(FACILITATOR, {"type": "room.end"}, T0 + 30 * MIN)
    (plan,) = notebook_of(room.state).plans
    update = {"type": "milestone.update", "plan_id": plan, "milestone": "30", "status": "at_risk"}
    room.do(ana, update | {"note": "Ring 07700 900333", **sure}, T0 + 31 * MIN)
    room.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0 + 32 * MIN)
    (deadline,) = RULES.deadlines(room.state)
    room.do(SYSTEM, deadline.command, deadline.at_ms)
    answer = {"type": "pulse.answer", "checkin_id": deadline.command["checkin_id"], "plan_id": plan, "progress": 2}
    room.do(ana, answer | {"hindered": "Ring 07700 900444", **sure}, deadline.at_ms + MIN)
    numbers = ("900111", "900222", "900333", "900444")
    shown = export(room.state, room.log, "md", Options(), MADE_AT, rules=RULES).content.decode()
    assert all(number in shown for number in numbers)
    options = Options(omit_flagged=True)
    for path, content in unzipped(export(room.state, room.log, "zip", options, MADE_AT, rules=RULES).content).items():
        text = content.decode("utf-8", "replace")
        assert not any(number in text for number in numbers), path
    # The log as exported still folds to the record it carries.
    exported = data.read_export(export(room.state, room.log, "json", options, MADE_AT, rules=RULES).content.decode())
    log = EventLog(make_engine(f"sqlite:///{tmp_path}/flagged.db"))
    code, _ = asyncio.run(data.import_exchange(RULES, log, exported, T0 + 90 * DAY))
    assert code


def test_no_anonymous_author_can_be_found_in_any_format():
    room = exchange()
    hashes = {q.author for q in questions_of(room.state).questions.values()}
    hashes |= {v for q in questions_of(room.state).questions.values() for v in q.votes}
    hashes |= {voter for poll in polls_of(room.state).polls.values() for voter in poll.answers}
    assert hashes
    for path, content in everything().items():
        text = content.decode("utf-8", "replace")
        assert not any(h in text for h in hashes), path
        rows = re.split(r"</tr>|</w:tr>|\n", text)  # a line, an HTML row, a Word table's row
        for row in rows:  # none names Cleo beside her question
            if ANONYMOUS_QUESTION in row:
                assert "Cleo" not in row and "Park" not in row, path
    exported = json.loads(made("json"))
    asked = [e for e in exported["events"] if e["type"] == "question.asked"]
    assert all(e["data"]["author"].startswith("anon-") for e in asked)
    assert all("command_key" not in e for e in exported["events"])


def test_secret_link_hashes_are_not_exported():
    room = exchange()
    for path, content in everything().items():
        text = content.decode("utf-8", "replace")
        assert not any(h in text for h in room.state.link_hashes.values()), path


def test_the_json_imports_to_the_same_derived_state(tmp_path):
    for options in ({}, {"deidentify": True, "omit_flagged": True}):
        exported = data.read_export(made("json", **options).decode())
        assert exported["schema_version"] == 1 and len(exported["events"]) == len(exchange().log)
        log = EventLog(make_engine(f"sqlite:///{tmp_path}/import-{len(options)}.db"))
        code, outcome = asyncio.run(data.import_exchange(RULES, log, exported, T0 + 90 * 60_000))
        state = RULES.fold(code, asyncio.run(log.read(code)))
        assert state.imported_from == "ABCDEF" and code != "ABCDEF"
        again = export(state, asyncio.run(log.read(code)), "json", Options(**options), MADE_AT, rules=RULES).content
        assert json.loads(again)["derived"] == exported["derived"]
        assert set(outcome.reply["links"]) == {"facilitator", "scribe", "screen"}
        said = refusal(state, FACILITATOR, {"type": "timer.start", "item_id": exchange().items[0]})
        assert "imported from another server" in said.message
        assert RULES.deadlines(state) == []


def test_an_export_that_was_changed_or_is_not_one_is_refused_with_a_sentence():
    exported = json.loads(made("json"))
    note = next(e for e in exported["events"] if e["type"] == "note.posted")
    note["data"]["text"] = "Something else"
    with pytest.raises(CommandError, match="does not give the record it holds"):
        data.replay(RULES, "X", exported)
    with pytest.raises(CommandError, match="not JSON"):
        data.read_export("<html>")
    with pytest.raises(CommandError, match="schema version 7"):
        data.read_export(json.dumps({"schema_version": 7, "events": [], "derived": {}}))


def test_every_format_is_made():
    for fmt in RECORD:
        assert made(fmt)
    for fmt in COMPENDIUM:
        assert made(fmt, "compendium")
