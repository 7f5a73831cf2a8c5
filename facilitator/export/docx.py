"""The record as a Word document (.docx), for the people who will edit it.

Built with python-docx: real headings (Word's navigation pane lists them) and real tables,
the same sections as the Markdown transcript. Text goes in as text, never as markup.
"""

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentType
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from facilitator.export.markdown import group_fields
from facilitator.export.report import OUTSIDE, heading_line

# Characters XML 1.0 cannot hold (python-docx refuses them); our text fields drop them, but an
# old log might not have.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
BOLD, ITALIC = "<w:rPr><w:b/></w:rPr>", "<w:rPr><w:i/></w:rPr>"


def clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


def run(text: Any, look: str = "") -> str:
    """One run of text as WordprocessingML: line breaks as <w:br/>, tabs as <w:tab/>, as
    python-docx's `run.text` writes them; the text escaped, never read as markup."""
    parts = []
    for i, line in enumerate(clean(text).split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f"<w:r>{look}{''.join(parts)}</w:r>" if parts else ""


def paragraph(runs: str, style_id: str = "") -> str:
    style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    return f"<w:p>{style}{runs}</w:p>"


class Writer:
    """The document's body written as WordprocessingML text and parsed once at the end.

    python-docx builds a document one object call at a time (a run, a cell, a row), each
    searching the tree it is added to: a big record took about two seconds that way. The same
    paragraphs, styles and tables written as text take a tenth of it; python-docx still makes
    the package (its styles, properties and section) and saves it."""

    def __init__(self, title: str) -> None:
        self.doc: DocumentType = Document()
        self.doc.core_properties.title = clean(title)
        styles = self.doc.styles
        self.headings = {level: styles["Title" if level == 0 else f"Heading {level}"].style_id for level in range(5)}
        self.bullet = styles["List Bullet"].style_id
        self.grid = styles["Table Grid"].style_id
        section = self.doc.sections[0]
        width = section.page_width - section.left_margin - section.right_margin  # type: ignore[operator]
        self.width_twips = int(width) // 635  # EMU to twentieths of a point
        self.body: list[str] = []

    def heading(self, level: int, text: Any) -> None:
        self.body.append(paragraph(run(text), self.headings[level]))

    def paragraph(self, text: Any, italic: bool = False) -> None:
        if text:
            self.body.append(paragraph(run(text, ITALIC if italic else "")))

    def fields(self, pairs: list[list[str]]) -> None:
        for label, value in pairs:
            self.body.append(paragraph(run(label, BOLD) + run("\n" + str(value))))

    def bullets(self, lines: list[str]) -> None:
        self.body.extend(paragraph(run(line), self.bullet) for line in lines)

    def table(self, shown: dict[str, Any]) -> None:
        """A real Word table in the "Table Grid" style: the header row bold, one paragraph a cell."""
        columns = shown["columns"]
        if not columns:
            return
        width = self.width_twips // len(columns)
        cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>'

        def row(cells: list[Any], look: str = "") -> str:
            return "<w:tr>" + "".join(f"{cell}{paragraph(run(text, look))}</w:tc>" for text in cells) + "</w:tr>"

        self.body.append(
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.grid}"/><w:tblW w:type="auto" w:w="0"/>'
            '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
            'w:noVBand="1" w:val="04A0"/></w:tblPr>'
            "<w:tblGrid>"
            + f'<w:gridCol w:w="{width}"/>' * len(columns)
            + "</w:tblGrid>"
            + row(columns, BOLD)
            + "".join(row(cells) for cells in shown["rows"])
            + "</w:tbl>"
        )

    def data(self) -> bytes:
        body = self.doc.element.body
        parsed = parse_xml(f"<w:body {nsdecls('w')}>{''.join(self.body)}</w:body>")
        section = body.sectPr
        for element in list(parsed):
            if section is not None:
                section.addprevious(element)
            else:
                body.append(element)
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


def write_questions(out: Writer, questions: list[dict[str, Any]]) -> None:
    out.table(
        {
            "columns": ["Question", "Asked by", "Votes", "Status"],
            "rows": [[q["text"], q["by"], q["votes"], q["status"]] for q in questions],
        }
    )


def write_polls(out: Writer, polls: list[dict[str, Any]], level: int) -> None:
    for poll in polls:
        out.heading(level, poll["question"])
        average = f" · average {poll['average']}" if poll["average"] is not None else ""
        out.paragraph(f"{poll['kind_name']} · {poll['answered']} answered · {poll['status']}{average}", italic=True)
        out.table(poll["table"])


def write_breakouts(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    for group in groups:
        out.heading(level, group["name"])
        out.fields(group_fields(group))


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
