"""The record as a Markdown transcript: headings and tables any Markdown viewer renders.

Text from people is escaped, so a note holding `|`, `#`, `<script>` or a line break can
neither end a table cell nor start a heading, a list or raw HTML.
"""

import re
from typing import Any

from facilitator.export import sections
from facilitator.export.sections import Entry, Plain

# CommonMark lets any ASCII punctuation be escaped with a backslash; these are the ones that can
# start or end markup in the middle of a line.
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
# At the start of a line: a list (-, +, 1.), a quote (>), a heading (#) or a rule (---, ===).
_LINE_START = re.compile(r"^(\s*)(\d+(?=[.)])|)([-+=>#.)])")


def inline(text: Any) -> str:
    """One line of text as Markdown shows it: no markup, no raw HTML, one line."""
    escaped = _INLINE.sub(r"\\\1", str(text))
    return " ".join(_LINE_START.sub(r"\1\2\\\3", line) for line in escaped.splitlines()) if escaped else ""


def block(text: Any, indent: str = "") -> str:
    """Text that may hold line breaks, as hard breaks (two spaces) within one paragraph."""
    lines = [_LINE_START.sub(r"\1\2\\\3", _INLINE.sub(r"\\\1", line)) for line in str(text).splitlines()]
    return ("  \n" + indent).join(line for line in lines if line.strip()) or ""


def cell(text: Any) -> str:
    """A table cell: escaped, its line breaks as <br> (ours, the one tag we write)."""
    escaped = [_INLINE.sub(r"\\\1", line) for line in str(text).splitlines()]
    return "<br>".join(line for line in escaped if line.strip())


class Writer(Plain):
    """Markdown written block by block, with a blank line between blocks."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def top(self, title: str, what: str, made: str) -> None:
        self.heading(1, f"{title}: {what}")
        self.remark(made)

    def heading(self, level: int, text: Any) -> None:
        self.blocks.append("#" * level + " " + inline(text))

    def paragraph(self, text: str) -> None:
        """Text already written as Markdown (ours), or `block(...)` of people's."""
        if text:
            self.blocks.append(text)

    def remark(self, text: str) -> None:
        self.paragraph(f"_{inline(text)}_")

    def facts(self, lines: list[list[str]]) -> None:
        """Each line on its own (a hard break between them), its parts joined by a dot."""
        self.paragraph("  \n".join(" · ".join(inline(part) for part in parts) for parts in lines))

    def fields(self, pairs: list[list[str]]) -> None:
        """Label and value pairs: the label bold, the value below it."""
        for label, value in pairs:
            self.blocks.append(f"**{inline(label)}**  \n{block(value)}")

    def table(self, shown: dict[str, Any]) -> None:
        if not shown["columns"]:
            return
        lines = [
            "| " + " | ".join(cell(c) for c in shown["columns"]) + " |",
            "| " + " | ".join("---" for _ in shown["columns"]) + " |",
            *("| " + " | ".join(cell(c) for c in row) + " |" for row in shown["rows"]),
        ]
        self.blocks.append("\n".join(lines))

    def bullets(self, lines: list[str]) -> None:
        if lines:
            self.blocks.append("\n".join(f"- {line}" for line in lines))

    def notes(self, entries: list[Entry]) -> None:
        self.bullets([note_line(entry) for entry in entries])

    def grouped(self, level: int, columns: list[str], groups: list[tuple[str, list[list[str]]]]) -> None:
        """A heading per group and its lines as a list: easier read than a table's cell of lines."""
        for name, lines in groups:
            self.heading(level, name)
            self.bullets([" · ".join(inline(part) for part in parts) for parts in lines])

    def tags(self, tags: list[str]) -> None:
        self.paragraph("Tags: " + code_tags(tags))

    def text(self) -> str:
        return "\n\n".join(self.blocks) + "\n"


def code_tags(tags: list[str]) -> str:
    return " ".join(f"`#{tag}`" for tag in tags)


def note_line(entry: Entry) -> str:
    tags = f" {code_tags(entry.tags)}" if entry.tags else ""
    return f"{block(entry.text, '  ')}{tags} _({' · '.join(inline(part) for part in entry.about)})_"


def transcript(doc: dict[str, Any]) -> str:
    """The whole record, in the order of the session."""
    out = Writer()
    sections.record(out, doc)
    return out.text()


def compendium(doc: dict[str, Any]) -> str:
    """The Best-Practice Summaries alone: the joint best-practice compendium."""
    out = Writer()
    sections.compendium(out, doc)
    return out.text()
