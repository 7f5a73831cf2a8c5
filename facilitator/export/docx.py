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

from facilitator.export import sections
from facilitator.export.sections import RECORD, Entry, Plain, group_rows, one_line

# Characters XML 1.0 cannot hold (python-docx refuses them); our text fields drop them, but an
# old log might not have.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: Any) -> str:
    return _NOT_XML.sub("", str(text))


class Writer(Plain):
    def __init__(self) -> None:
        self.doc: DocumentType = Document()
        # Style ids found once: given a style, python-docx searches every style for the default
        # one, for each paragraph; a paragraph given the id directly costs nothing. Word's Title
        # is the first heading, its Heading 1 the second.
        styles = self.doc.styles
        self.headings = {
            level: styles["Title" if level == 1 else f"Heading {level - 1}"].style_id for level in range(1, 6)
        }
        self.bullet = styles["List Bullet"].style_id
        self.grid = styles["Table Grid"]

    def styled(self, text: str, style_id: str) -> None:
        self.doc.add_paragraph(text)._p.style = style_id

    def top(self, title: str, what: str, made: str) -> None:
        self.doc.core_properties.title = clean(f"{title}: {what}")
        # The record's Title is the exchange's own name; the compendium's says what it is.
        self.heading(1, title if what == RECORD else f"{title}: {what}")
        self.remark(made)

    def heading(self, level: int, text: Any) -> None:
        self.styled(clean(text), self.headings[level])

    def paragraph(self, text: Any, italic: bool = False) -> None:
        if text:
            run = self.doc.add_paragraph().add_run(clean(text))
            run.italic = italic

    def remark(self, text: str) -> None:
        self.paragraph(text, italic=True)

    def facts(self, lines: list[list[str]]) -> None:
        self.remark(one_line(lines))

    def fields(self, pairs: list[list[str]]) -> None:
        for label, value in pairs:
            paragraph = self.doc.add_paragraph()
            paragraph.add_run(clean(label)).bold = True
            paragraph.add_run("\n" + clean(value))

    def bullets(self, lines: list[str]) -> None:
        for line in lines:
            self.styled(clean(line), self.bullet)

    def notes(self, entries: list[Entry]) -> None:
        self.bullets([note_line(entry) for entry in entries])

    def grouped(self, level: int, columns: list[str], groups: list[tuple[str, list[list[str]]]]) -> None:
        self.table({"columns": columns, "rows": group_rows(groups)})

    def tags(self, tags: list[str]) -> None:
        self.paragraph("Tags: " + " ".join(f"#{tag}" for tag in tags))

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


def note_line(entry: Entry) -> str:
    tags = " " + " ".join(f"#{tag}" for tag in entry.tags) if entry.tags else ""
    return f"{entry.text}{tags} ({' · '.join(entry.about)})"


def record(doc: dict[str, Any]) -> bytes:
    out = Writer()
    sections.record(out, doc)
    return out.data()


def compendium(doc: dict[str, Any]) -> bytes:
    out = Writer()
    sections.compendium(out, doc)
    return out.data()
