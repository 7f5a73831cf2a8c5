"""The record as a Word document (.docx), for the people who will edit it.

Built with python-docx: real headings (Word's navigation pane lists them) and real tables,
the same sections as the Markdown transcript. Text goes in as text, never as markup.
"""

import io
import re
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.table import _Cell

from facilitator.export.report import OUTSIDE, heading_line
from facilitator.export.sections import write_breakouts, write_questions

# Characters XML 1.0 cannot hold (python-docx refuses them); our text fields drop them, but an
# old log might not have.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


class Writer:
    def __init__(self, title: str) -> None:
        self.doc: DocumentType = Document()
        self.doc.core_properties.title = clean(title)
        # Style ids found once: given a style, python-docx searches every style for the default
        # one, for each paragraph; a paragraph given the id directly costs nothing.
        styles = self.doc.styles
        self.headings = {level: styles["Title" if level == 0 else f"Heading {level}"].style_id for level in range(5)}
        self.bullet = styles["List Bullet"].style_id
        self.grid = styles["Table Grid"]

    def styled(self, text: str, style_id: str) -> None:
        self.doc.add_paragraph(text)._p.style = style_id

    def heading(self, level: int, text: Any) -> None:
        self.styled(clean(text), self.headings[level])

    def paragraph(self, text: Any, italic: bool = False) -> None:
        if text:
            run = self.doc.add_paragraph().add_run(clean(text))
            run.italic = italic

    def fields(self, pairs: list[list[str]]) -> None:
        for label, value in pairs:
            paragraph = self.doc.add_paragraph()
            paragraph.add_run(clean(label)).bold = True
            paragraph.add_run("\n" + clean(value))

    def bullets(self, lines: list[str]) -> None:
        for line in lines:
            self.styled(clean(line), self.bullet)

    def table(self, shown: dict[str, Any]) -> None:
        if not shown["columns"]:
            return
        # All rows at once: python-docx builds a new table in one piece, where adding rows one by
        # one searches the table for each. Each new cell holds one empty paragraph, given its run.
        grid = self.doc.add_table(rows=1 + len(shown["rows"]), cols=len(shown["columns"]))
        grid.style = self.grid
        for index, (tr, cells) in enumerate(zip(grid._tbl.tr_lst, [shown["columns"], *shown["rows"]], strict=True)):
            for tc, text in zip(tr.tc_lst, cells, strict=True):
                _Cell(tc, grid).paragraphs[0].add_run(clean(text)).bold = index == 0 or None

    def data(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def note_line(note: dict[str, Any]) -> str:
    tags = " ".join(f"#{tag}" for tag in note["tags"])
    meta = " · ".join(part for part in (note["speaker"], note["time"]) if part)
    edited = " · edited" if note["edited"] else ""
    return f"{note['text']}{' ' + tags if tags else ''} ({meta}{edited})"


def write_notes(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    for group in groups:
        out.heading(level, group["kind_name"])
        out.bullets([note_line(note) for note in group["notes"]])


def write_polls(out: Writer, polls: list[dict[str, Any]], level: int) -> None:
    for poll in polls:
        out.heading(level, poll["question"])
        average = f" · average {poll['average']}" if poll["average"] is not None else ""
        out.paragraph(f"{poll['kind_name']} · {poll['answered']} answered · {poll['status']}{average}", italic=True)
        out.table(poll["table"])


def write_follow_up(out: Writer, follow_up: dict[str, Any]) -> None:
    """Milestone status per plan, then each check-in's answers per organisation."""
    if not follow_up["milestones"]["columns"] and not follow_up["checkins"]:
        return
    out.heading(1, "Follow-up")
    if follow_up["milestones"]["columns"]:
        out.heading(2, "Milestones")
        out.table(follow_up["milestones"])
    for checkin in follow_up["checkins"]:
        out.heading(2, checkin["name"])
        out.paragraph(checkin["summary"] + ".", italic=True)
        out.table(checkin["table"])


def write_item(out: Writer, item: dict[str, Any]) -> None:
    out.heading(1, item["title"])
    facts = " · ".join(part for part in (item["kind_name"], item["organisation"], item["presenter"]) if part)
    timing = f"planned {item['planned']}"
    if item["actual"]:
        timing += f", actual {item['actual']}"
    if item["overrun"]:
        timing += f", overrun {item['overrun']}"
    if item["status"] != "done":
        timing += f" ({item['status']})"
    out.paragraph(f"{facts} — {timing}", italic=True)
    if item["notes"]:
        out.heading(2, "Notes")
        write_notes(out, item["notes"], 3)
    if item["summary"]:
        out.heading(2, "Best-Practice Summary")
        out.fields(item["summary"])
    if item["questions"]:
        out.heading(2, "Questions")
        write_questions(out, item["questions"])
    if item["polls"]:
        out.heading(2, "Polls")
        write_polls(out, item["polls"], 3)
    if item["breakouts"]:
        out.heading(2, "Breakout groups")
        write_breakouts(out, item["breakouts"], 3)
    if item["voice"]["columns"]:
        out.heading(2, "Speaking time")
        out.table(item["voice"])


def record(doc: dict[str, Any]) -> bytes:
    out = Writer(f"{doc['title']}: the session record")
    out.heading(0, doc["title"])
    out.paragraph(heading_line(doc), italic=True)
    charter = doc["charter"]
    out.heading(1, "Charter")
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
    out.heading(1, "Participants")
    out.table(
        {
            "columns": ["Organisation", "People"],
            "rows": [
                [
                    group["organisation"],
                    "\n".join(p["name"] + (f" · {p['job_title']}" if p["job_title"] else "") for p in group["people"]),
                ]
                for group in doc["participants"]
            ],
        }
    )
    if doc["voice"]["bars"]:
        out.heading(1, "Share of voice")
        out.paragraph(f"Equal share: {doc['voice']['equal']} % per organisation.")
        out.table(doc["voice"]["table"])
    for item in doc["items"]:
        write_item(out, item)
    outside = doc["outside"]
    if outside["notes"] or outside["questions"] or outside["polls"] or outside["breakouts"]:
        out.heading(1, OUTSIDE)
        write_notes(out, outside["notes"], 2)
        if outside["questions"]:
            out.heading(2, "Questions")
            write_questions(out, outside["questions"])
        write_polls(out, outside["polls"], 2)
        if outside["breakouts"]:
            out.heading(2, "Breakout groups")
            write_breakouts(out, outside["breakouts"], 3)
    out.heading(1, "Action plans")
    for row in doc["plans"]:
        out.heading(2, row["organisation"])
        if not row["plans"]:
            out.paragraph("No commitment yet.", italic=True)
        for plan in row["plans"]:
            out.fields(plan)
    write_follow_up(out, doc["follow_up"])
    out.heading(1, "Compendium of notes by tag")
    for group in doc["compendium"]:
        out.heading(2, "#" + group["tag"])
        out.bullets([f"{n['text']} ({n['kind_name']}{' · ' + n['item'] if n['item'] else ''})" for n in group["notes"]])
    out.heading(1, "Time discipline")
    out.table(doc["discipline"])
    return out.data()


def compendium(doc: dict[str, Any]) -> bytes:
    out = Writer(f"{doc['title']}: best-practice compendium")
    out.heading(0, f"{doc['title']}: best-practice compendium")
    out.paragraph(heading_line(doc), italic=True)
    if not doc["cases"]:
        out.paragraph("No case summary has been written yet.", italic=True)
    for case in doc["cases"]:
        out.heading(1, case["title"])
        out.paragraph(" · ".join(part for part in (case["organisation"], case["presenter"]) if part), italic=True)
        if case["tags"]:
            out.paragraph("Tags: " + " ".join(f"#{tag}" for tag in case["tags"]))
        out.fields(case["fields"])
    return out.data()
