"""The record as a Markdown transcript: headings and tables any Markdown viewer renders.

Text from people is escaped, so a note holding `|`, `#`, `<script>` or a line break can
neither end a table cell nor start a heading, a list or raw HTML.
"""

import re
from typing import Any

from facilitator.export.report import OUTSIDE, heading_line
from facilitator.export.sections import write_breakouts, write_questions

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


class Writer:
    """Markdown written block by block, with a blank line between blocks."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def heading(self, level: int, text: Any) -> None:
        self.blocks.append("#" * level + " " + inline(text))

    def paragraph(self, text: str) -> None:
        """Text already written as Markdown (ours), or `block(...)` of people's."""
        if text:
            self.blocks.append(text)

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

    def text(self) -> str:
        return "\n\n".join(self.blocks) + "\n"


def note_line(note: dict[str, Any]) -> str:
    tags = " ".join(f"`#{tag}`" for tag in note["tags"])
    meta = " · ".join(inline(part) for part in (note["speaker"], note["time"]) if part)
    edited = " · edited" if note["edited"] else ""
    return f"{block(note['text'], '  ')}{' ' + tags if tags else ''} _({meta}{edited})_"


def write_notes(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    for group in groups:
        out.heading(level, group["kind_name"])
        out.bullets([note_line(note) for note in group["notes"]])


def write_polls(out: Writer, polls: list[dict[str, Any]], level: int) -> None:
    for poll in polls:
        out.heading(level, poll["question"])
        average = f" · average {poll['average']}" if poll["average"] is not None else ""
        out.paragraph(f"_{inline(poll['kind_name'])} · {poll['answered']} answered · {poll['status']}{average}_")
        out.table(poll["table"])


def write_follow_up(out: Writer, follow_up: dict[str, Any], level: int) -> None:
    """Milestone status per plan, then each check-in's answers per organisation."""
    if not follow_up["milestones"]["columns"] and not follow_up["checkins"]:
        return
    out.heading(level, "Follow-up")
    if follow_up["milestones"]["columns"]:
        out.heading(level + 1, "Milestones")
        out.table(follow_up["milestones"])
    for checkin in follow_up["checkins"]:
        out.heading(level + 1, checkin["name"])
        out.paragraph(inline(checkin["summary"]) + ".")
        out.table(checkin["table"])


def write_item(out: Writer, item: dict[str, Any]) -> None:
    out.heading(2, item["title"])
    facts = [item["kind_name"]]
    facts += [part for part in (item["organisation"], item["presenter"]) if part]
    timing = f"planned {item['planned']}"
    if item["actual"]:
        timing += f", actual {item['actual']}"
    if item["overrun"]:
        timing += f", overrun {item['overrun']}"
    if item["status"] != "done":
        timing += f" ({item['status']})"
    out.paragraph(" · ".join(inline(fact) for fact in facts) + "  \n" + inline(timing))
    if item["notes"]:
        out.heading(3, "Notes")
        write_notes(out, item["notes"], 4)
    if item["summary"]:
        out.heading(3, "Best-Practice Summary")
        out.fields(item["summary"])
    if item["questions"]:
        out.heading(3, "Questions")
        write_questions(out, item["questions"])
    if item["polls"]:
        out.heading(3, "Polls")
        write_polls(out, item["polls"], 4)
    if item["breakouts"]:
        out.heading(3, "Breakout groups")
        write_breakouts(out, item["breakouts"], 4)
    if item["voice"]["columns"]:
        out.heading(3, "Speaking time")
        out.table(item["voice"])


def write_top(out: Writer, doc: dict[str, Any], what: str) -> None:
    out.heading(1, f"{doc['title']}: {what}")
    out.paragraph(f"_{inline(heading_line(doc))}_")


def transcript(doc: dict[str, Any]) -> str:
    """The whole record, in the order of the session."""
    out = Writer()
    write_top(out, doc, "the session record")
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
    for group in doc["participants"]:
        out.heading(3, group["organisation"])
        out.bullets(
            [inline(p["name"]) + (f" · {inline(p['job_title'])}" if p["job_title"] else "") for p in group["people"]]
        )
    if doc["voice"]["bars"]:
        out.heading(2, "Share of voice")
        out.paragraph(f"Equal share: {doc['voice']['equal']} % per organisation.")
        out.table(doc["voice"]["table"])
    for item in doc["items"]:
        write_item(out, item)
    outside = doc["outside"]
    if outside["notes"] or outside["questions"] or outside["polls"] or outside["breakouts"]:
        out.heading(2, OUTSIDE)
        write_notes(out, outside["notes"], 3)
        if outside["questions"]:
            out.heading(3, "Questions")
            write_questions(out, outside["questions"])
        write_polls(out, outside["polls"], 3)
        if outside["breakouts"]:
            out.heading(3, "Breakout groups")
            write_breakouts(out, outside["breakouts"], 4)
    out.heading(2, "Action plans")
    for row in doc["plans"]:
        out.heading(3, row["organisation"])
        if not row["plans"]:
            out.paragraph("_No commitment yet._")
        for plan in row["plans"]:
            out.fields(plan)
    write_follow_up(out, doc["follow_up"], 2)
    out.heading(2, "Compendium of notes by tag")
    if not doc["compendium"]:
        out.paragraph("_No tagged notes._")
    for group in doc["compendium"]:
        out.heading(3, "#" + group["tag"])
        out.bullets(
            [
                f"{block(n['text'], '  ')} _({inline(n['kind_name'])}{' · ' + inline(n['item']) if n['item'] else ''})_"
                for n in group["notes"]
            ]
        )
    out.heading(2, "Time discipline")
    out.table(doc["discipline"])
    return out.text()


def compendium(doc: dict[str, Any]) -> str:
    """The Best-Practice Summaries alone: the joint best-practice compendium."""
    out = Writer()
    write_top(out, doc, "best-practice compendium")
    if not doc["cases"]:
        out.paragraph("_No case summary has been written yet._")
    for case in doc["cases"]:
        out.heading(2, case["title"])
        facts = [part for part in (case["organisation"], case["presenter"]) if part]
        if facts:
            out.paragraph(" · ".join(inline(fact) for fact in facts))
        if case["tags"]:
            out.paragraph("Tags: " + " ".join(f"`#{tag}`" for tag in case["tags"]))
        out.fields(case["fields"])
    return out.text()
