"""The record and the compendium section by section: one walk over the report that every written
format (Markdown, HTML, Word) follows through its writer.

What is printed, in which order, under which heading and at which level, and what is left out
when empty, is decided here alone. A writer only says how each kind of block looks in its
format: how a heading, a table or a list of notes is written and escaped, whether a chart is
drawn. Headings are numbered as in Markdown and HTML (1 is the document's title).
"""

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NamedTuple, Protocol

from facilitator.export.report import OUTSIDE, heading_line

RECORD = "the session record"
COMPENDIUM = "best-practice compendium"


class Entry(NamedTuple):
    """One line of a list of notes: the note's text, its tags and what it is about (speaker and
    time, or kind and agenda item), which the formats print in brackets after it."""

    text: str
    tags: list[str]
    about: list[str]


class Writer(Protocol):
    def top(self, title: str, what: str, made: str) -> None:
        """The document's title, what it is (`RECORD` or `COMPENDIUM`) and when it was made."""

    def heading(self, level: int, text: str) -> None: ...

    def remark(self, text: str) -> None:
        """A sentence of ours about what follows (a poll's count, "No commitment yet.")."""

    def facts(self, lines: list[list[str]]) -> None:
        """What a heading is about, a line or two of parts such as its kind and presenter."""

    def fields(self, pairs: list[list[str]]) -> None:
        """Label and value pairs: a summary, a plan, a breakout group's worksheet."""

    def table(self, shown: dict[str, Any]) -> None:
        """A table of the report, `{"columns": [...], "rows": [[...]]}`; none without columns."""

    def notes(self, entries: list[Entry]) -> None: ...

    def grouped(self, level: int, columns: list[str], groups: list[tuple[str, list[list[str]]]]) -> None:
        """Lines under names (people by organisation): a table of the two `columns`, or the
        names as headings at `level` with their lines below."""

    def tags(self, tags: list[str]) -> None: ...

    def section(self, kind: str) -> AbstractContextManager[None]:
        """A part of the document: a `sheet` (an agenda item, the plans…) starts a new page in
        print, a `case` is one summary of the compendium."""

    def bars(self, bars: list[dict[str, Any]], label: str, equal: int | None = None) -> None:
        """Bars of 0-100 % (a poll's options, each organisation's share of voice against the
        `equal` share)."""

    def matrix(self, points: list[dict[str, Any]]) -> None:
        """Options placed by impact and effort."""

    def times(self, items: list[dict[str, Any]]) -> None:
        """Planned against actual time per agenda item."""


def present(*parts: str) -> list[str]:
    return [part for part in parts if part]


def one_line(lines: list[list[str]]) -> str:
    """Facts on one line, as HTML and Word print them: "Case · St Mary's — planned 20:00"."""
    return " — ".join(" · ".join(parts) for parts in lines)


def group_rows(groups: list[tuple[str, list[list[str]]]]) -> list[list[str]]:
    """Grouped lines as the rows of a table of two columns, each group's lines in one cell."""
    return [[name, "\n".join(" · ".join(parts) for parts in lines)] for name, lines in groups]


class Plain(ABC):
    """What the formats without charts or pages (Markdown, Word) share: a section is only its
    blocks, a chart is not drawn, and the equal share, which the chart of the share of voice
    marks with a line, is said in a sentence."""

    @abstractmethod
    def paragraph(self, text: str) -> None: ...

    def section(self, kind: str) -> AbstractContextManager[None]:
        return nullcontext()

    def bars(self, bars: list[dict[str, Any]], label: str, equal: int | None = None) -> None:
        if equal is not None:
            self.paragraph(f"Equal share: {equal} % per organisation.")

    def matrix(self, points: list[dict[str, Any]]) -> None:  # noqa: B027 - no chart: the table holds it
        pass

    def times(self, items: list[dict[str, Any]]) -> None:  # noqa: B027 - no chart: the table holds it
        pass


def write_notes(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    """Notes by kind, each with its tags, speaker and time."""
    for group in groups:
        out.heading(level, group["kind_name"])
        out.notes(
            [
                Entry(
                    note["text"],
                    note["tags"],
                    present(note["speaker"], note["time"], "edited" if note["edited"] else ""),
                )
                for note in group["notes"]
            ]
        )


def write_questions(out: Writer, questions: list[dict[str, Any]], level: int) -> None:
    if questions:
        out.heading(level, "Questions")
        out.table(
            {
                "columns": ["Question", "Asked by", "Votes", "Status"],
                "rows": [[q["text"], q["by"], q["votes"], q["status"]] for q in questions],
            }
        )


def write_polls(out: Writer, polls: list[dict[str, Any]], level: int) -> None:
    """Each poll's question, its count, its chart where it has one and its table of results."""
    for poll in polls:
        out.heading(level, poll["question"])
        average = f" · average {poll['average']}" if poll["average"] is not None else ""
        out.remark(f"{poll['kind_name']} · {poll['answered']} answered · {poll['status']}{average}")
        if poll["chart"] == "bars":
            out.bars(poll["bars"], poll["question"])
        elif poll["chart"] == "matrix":
            out.matrix(poll["points"])
        out.table(poll["table"])


def group_fields(group: dict[str, Any]) -> list[list[str]]:
    """A breakout group as label and value pairs: topic, members, worksheet, recommended idea."""
    pairs = [["Topic", group["topic"]], ["Members", ", ".join(group["members"])], *group["sections"]]
    return [[label, value] for label, value in [*pairs, ["Recommended idea", group["recommended"]]] if value]


def write_breakouts(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    if groups:
        out.heading(level, "Breakout groups")
        for group in groups:
            out.heading(level + 1, group["name"])
            out.fields(group_fields(group))


def timing(item: dict[str, Any]) -> str:
    """planned 20:00, actual 22:00, overrun +2:00 (running)"""
    said = f"planned {item['planned']}"
    if item["actual"]:
        said += f", actual {item['actual']}"
    if item["overrun"]:
        said += f", overrun {item['overrun']}"
    if item["status"] != "done":
        said += f" ({item['status']})"
    return said


def write_item(out: Writer, item: dict[str, Any]) -> None:
    """An agenda item: what and who, its timing, then what was said, written and asked under it."""
    with out.section("sheet item"):
        out.heading(2, item["title"])
        out.facts([present(item["kind_name"], item["organisation"], item["presenter"]), [timing(item)]])
        if item["notes"]:
            out.heading(3, "Notes")
            write_notes(out, item["notes"], 4)
        if item["summary"]:
            out.heading(3, "Best-Practice Summary")
            out.fields(item["summary"])
        write_questions(out, item["questions"], 3)
        if item["polls"]:
            out.heading(3, "Polls")
            write_polls(out, item["polls"], 4)
        write_breakouts(out, item["breakouts"], 3)
        if item["voice"]["columns"]:
            out.heading(3, "Speaking time")
            out.table(item["voice"])


def write_outside(out: Writer, outside: dict[str, Any]) -> None:
    """Notes, questions, polls and breakout groups linked to no agenda item."""
    if not (outside["notes"] or outside["questions"] or outside["polls"] or outside["breakouts"]):
        return
    with out.section("sheet"):
        out.heading(2, OUTSIDE)
        write_notes(out, outside["notes"], 3)
        write_questions(out, outside["questions"], 3)
        write_polls(out, outside["polls"], 3)
        write_breakouts(out, outside["breakouts"], 3)


def write_follow_up(out: Writer, follow_up: dict[str, Any]) -> None:
    """Milestone status per plan, then each check-in's answers per organisation."""
    if not follow_up["milestones"]["columns"] and not follow_up["checkins"]:
        return
    with out.section("sheet"):
        out.heading(2, "Follow-up")
        if follow_up["milestones"]["columns"]:
            out.heading(3, "Milestones")
            out.table(follow_up["milestones"])
        for checkin in follow_up["checkins"]:
            out.heading(3, checkin["name"])
            out.facts([[checkin["summary"] + "."]])
            out.table(checkin["table"])


def record(out: Writer, doc: dict[str, Any]) -> None:
    """The whole record, in the order of the session."""
    out.top(doc["title"], RECORD, heading_line(doc))
    charter = doc["charter"]
    out.heading(2, "Charter")
    out.fields(
        [
            [label, value]
            for label, value in (
                ("Focus", charter["focus"]),
                ("Outcome we aim for", charter["outcome"]),
                ("Who benefits", charter["beneficiaries"]),
            )
            if value
        ]
    )
    out.heading(2, "Participants")
    out.grouped(
        3,
        ["Organisation", "People"],
        [
            (group["organisation"], [present(p["name"], p["job_title"]) for p in group["people"]])
            for group in doc["participants"]
        ],
    )
    if doc["voice"]["bars"]:
        out.heading(2, "Share of voice")
        out.bars(doc["voice"]["bars"], "Share of voice by organisation", doc["voice"]["equal"])
        out.table(doc["voice"]["table"])
    for item in doc["items"]:
        write_item(out, item)
    write_outside(out, doc["outside"])
    with out.section("sheet"):
        out.heading(2, "Action plans")
        for row in doc["plans"]:
            out.heading(3, row["organisation"])
            if not row["plans"]:
                out.remark("No commitment yet.")
            for plan in row["plans"]:
                out.fields(plan)
    write_follow_up(out, doc["follow_up"])
    with out.section("sheet"):
        out.heading(2, "Compendium of notes by tag")
        if not doc["compendium"]:
            out.remark("No tagged notes.")
        for group in doc["compendium"]:
            out.heading(3, "#" + group["tag"])
            out.notes([Entry(n["text"], [], present(n["kind_name"], n["item"])) for n in group["notes"]])
    with out.section("sheet"):
        out.heading(2, "Time discipline")
        out.times(doc["items"])
        out.table(doc["discipline"])


def compendium(out: Writer, doc: dict[str, Any]) -> None:
    """The Best-Practice Summaries alone: the joint best-practice compendium."""
    out.top(doc["title"], COMPENDIUM, heading_line(doc))
    if not doc["cases"]:
        out.remark("No case summary has been written yet.")
    for case in doc["cases"]:
        with out.section("case"):
            out.heading(2, case["title"])
            out.facts([present(case["organisation"], case["presenter"])])
            if case["tags"]:
                out.tags(case["tags"])
            out.fields(case["fields"])
