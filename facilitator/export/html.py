"""The record as one self-contained HTML file that prints cleanly to PDF.

Inline CSS and inline SVG charts, no script, no external request: it opens the same from
a USB stick, an e-mail attachment or a browser's "Save as PDF". Every piece of text is
escaped where it is written (`esc`); nothing else reaches the page.
"""

from html import escape
from typing import Any

from facilitator.export.report import OUTSIDE, heading_line
from facilitator.export.sections import write_breakouts, write_questions

STYLE = """
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f24;
  max-width: 54rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { font-size: 1.35rem; border-bottom: 2px solid #d0d7de;
  padding-bottom: .2rem; margin-top: 2rem; } h3 { font-size: 1.1rem; margin-top: 1.4rem; } h4 { font-size: 1rem; }
.made { color: #57606a; font-style: italic; } .meta { color: #57606a; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f3f6; } td { white-space: pre-wrap; }
dl dt { font-weight: 600; margin-top: .5rem; } dl dd { margin: 0 0 .3rem 0; white-space: pre-wrap; }
ul.notes li { margin-bottom: .4rem; white-space: pre-wrap; } .tag { color: #0a3069; font-size: .9em; }
svg { display: block; max-width: 100%; height: auto; margin: .5rem 0; } svg text { font: 11px sans-serif; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  section.sheet { break-before: page; }
  table, tr, figure, svg, dl { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
}
"""


def esc(text: Any) -> str:
    return escape(str(text), quote=True)


class Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def heading(self, level: int, text: Any) -> None:
        self.add(f"<h{level}>{esc(text)}</h{level}>")

    def paragraph(self, text: Any, css: str = "") -> None:
        if text:
            shown = f' class="{css}"' if css else ""
            self.add(f"<p{shown}>{esc(text)}</p>")

    def fields(self, pairs: list[list[str]]) -> None:
        if pairs:
            self.add(
                "<dl>" + "".join(f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>" for label, value in pairs) + "</dl>"
            )

    def table(self, shown: dict[str, Any]) -> None:
        if not shown["columns"]:
            return
        head = "".join(f"<th>{esc(c)}</th>" for c in shown["columns"])
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>\n" for row in shown["rows"])
        self.add(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>")

    def document(self, title: str) -> str:
        body = "\n".join(self.parts)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
        )


# -- charts: inline SVG, drawn from numbers the report already holds ----------


def bars_chart(bars: list[dict[str, Any]], equal: int | None = None, label: str = "") -> str:
    """Horizontal bars, 0-100 %; with `equal`, a dashed line at the equal share."""
    if not bars:
        return ""
    row, left, width = 26, 190, 330
    height = row * len(bars) + 24
    shapes = []
    for i, bar in enumerate(bars):
        y = 10 + i * row
        length = round(width * bar["percent"] / 100, 1)
        name = str(bar["label"])
        shown = name if len(name) <= 30 else name[:29] + "…"
        shapes.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{esc(shown)}</text>'
            f'<rect x="{left}" y="{y}" width="{length}" height="18" fill="#2f6fb3"/>'
            f'<text x="{left + length + 6}" y="{y + 14}">{bar["percent"]} %</text>'
        )
    if equal is not None:
        x = left + round(width * equal / 100, 1)
        shapes.append(
            f'<line x1="{x}" y1="4" x2="{x}" y2="{height - 14}" stroke="#bf3989" stroke-dasharray="4 3"/>'
            f'<text x="{x}" y="{height - 2}" text-anchor="middle" fill="#bf3989">equal share {equal} %</text>'
        )
    return (
        f'<svg viewBox="0 0 580 {height}" width="580" height="{height}" role="img" aria-label="{esc(label)}">'
        + "".join(shapes)
        + "</svg>"
    )


def matrix_chart(points: list[dict[str, Any]]) -> str:
    """Impact (up) against effort (right), on 1-5 scales, with the four quadrants named."""
    size, pad = 260, 30

    def at(value: float) -> float:
        return round(pad + size * (value - 1) / 4, 1)

    shapes = [
        f'<rect x="{pad}" y="{pad}" width="{size}" height="{size}" fill="none" stroke="#57606a"/>',
        f'<line x1="{pad + size / 2}" y1="{pad}" x2="{pad + size / 2}" y2="{pad + size}" stroke="#d0d7de"/>',
        f'<line x1="{pad}" y1="{pad + size / 2}" x2="{pad + size}" y2="{pad + size / 2}" stroke="#d0d7de"/>',
        f'<text x="{pad + 6}" y="{pad + 14}" fill="#57606a">Quick wins</text>',
        f'<text x="{pad + size - 6}" y="{pad + 14}" text-anchor="end" fill="#57606a">Major projects</text>',
        f'<text x="{pad + 6}" y="{pad + size - 6}" fill="#57606a">Fill-ins</text>',
        f'<text x="{pad + size - 6}" y="{pad + size - 6}" text-anchor="end" fill="#57606a">Thankless tasks</text>',
        f'<text x="{pad + size / 2}" y="{pad + size + 20}" text-anchor="middle">effort →</text>',
        f'<text x="12" y="{pad + size / 2}" transform="rotate(-90 12 {pad + size / 2})" text-anchor="middle">'
        "impact →</text>",
    ]
    for point in points:
        x, y = at(point["effort"]), pad + size - (at(point["impact"]) - pad)
        shapes.append(
            f'<circle cx="{x}" cy="{y}" r="9" fill="#2f6fb3"/>'
            f'<text x="{x}" y="{y + 4}" text-anchor="middle" fill="#fff">{point["number"]}</text>'
        )
    total = size + 2 * pad + 10
    return (
        f'<svg viewBox="0 0 {total} {total}" width="{total}" height="{total}" role="img" '
        'aria-label="Impact and effort matrix">' + "".join(shapes) + "</svg>"
    )


def time_chart(items: list[dict[str, Any]]) -> str:
    """Planned (grey) against actual (blue) minutes per agenda item that ran."""
    ran = [item for item in items if item["actual_ms"] is not None]
    if not ran:
        return ""
    longest = max(max(item["planned_ms"], item["actual_ms"]) for item in ran) or 1
    row, left, width = 34, 190, 330
    shapes = []
    for i, item in enumerate(ran):
        y = 10 + i * row
        planned = round(width * item["planned_ms"] / longest, 1)
        actual = round(width * item["actual_ms"] / longest, 1)
        title = str(item["title"])
        shown = title if len(title) <= 30 else title[:29] + "…"
        colour = "#cf222e" if item["overrun"] else "#2f6fb3"
        shapes.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{esc(shown)}</text>'
            f'<rect x="{left}" y="{y}" width="{planned}" height="11" fill="#afb8c1"/>'
            f'<rect x="{left}" y="{y + 13}" width="{actual}" height="11" fill="{colour}"/>'
            f'<text x="{left + max(planned, actual) + 6}" y="{y + 16}">{esc(item["planned"])} / {esc(item["actual"])}'
            "</text>"
        )
    height = row * len(ran) + 12
    return (
        f'<svg viewBox="0 0 600 {height}" width="600" height="{height}" role="img" '
        'aria-label="Planned against actual time">' + "".join(shapes) + "</svg>"
    )


# -- the document ------------------------------------------------------------


def note_item(note: dict[str, Any]) -> str:
    tags = "".join(f' <span class="tag">#{esc(tag)}</span>' for tag in note["tags"])
    meta = " · ".join(esc(part) for part in (note["speaker"], note["time"]) if part)
    edited = " · edited" if note["edited"] else ""
    return f'<li>{esc(note["text"])}{tags} <span class="meta">({meta}{edited})</span></li>'


def write_notes(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    for group in groups:
        out.heading(level, group["kind_name"])
        out.add('<ul class="notes">' + "".join(note_item(note) for note in group["notes"]) + "</ul>")


def write_polls(out: Writer, polls: list[dict[str, Any]], level: int) -> None:
    for poll in polls:
        out.heading(level, poll["question"])
        average = f" · average {poll['average']}" if poll["average"] is not None else ""
        out.paragraph(f"{poll['kind_name']} · {poll['answered']} answered · {poll['status']}{average}", "meta")
        if poll["chart"] == "bars":
            out.add(bars_chart(poll["bars"], label=poll["question"]))
        elif poll["chart"] == "matrix":
            out.add(matrix_chart(poll["points"]))
        out.table(poll["table"])


def write_follow_up(out: Writer, follow_up: dict[str, Any]) -> None:
    """Milestone status per plan, then each check-in's answers per organisation."""
    if not follow_up["milestones"]["columns"] and not follow_up["checkins"]:
        return
    out.add('<section class="sheet">')
    out.heading(2, "Follow-up")
    if follow_up["milestones"]["columns"]:
        out.heading(3, "Milestones")
        out.table(follow_up["milestones"])
    for checkin in follow_up["checkins"]:
        out.heading(3, checkin["name"])
        out.paragraph(checkin["summary"] + ".", "meta")
        out.table(checkin["table"])
    out.add("</section>")


def write_item(out: Writer, item: dict[str, Any]) -> None:
    out.add('<section class="sheet item">')
    out.heading(2, item["title"])
    facts = " · ".join(part for part in (item["kind_name"], item["organisation"], item["presenter"]) if part)
    timing = f"planned {item['planned']}"
    if item["actual"]:
        timing += f", actual {item['actual']}"
    if item["overrun"]:
        timing += f", overrun {item['overrun']}"
    if item["status"] != "done":
        timing += f" ({item['status']})"
    out.paragraph(f"{facts} — {timing}", "meta")
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
    out.add("</section>")


def write_top(out: Writer, doc: dict[str, Any], what: str) -> None:
    out.heading(1, doc["title"])
    out.paragraph(what.capitalize(), "meta")
    out.paragraph(heading_line(doc), "made")


def report(doc: dict[str, Any]) -> str:
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
        out.heading(2, "Share of voice")
        out.add(bars_chart(doc["voice"]["bars"], doc["voice"]["equal"], "Share of voice by organisation"))
        out.table(doc["voice"]["table"])
    for item in doc["items"]:
        write_item(out, item)
    outside = doc["outside"]
    if outside["notes"] or outside["questions"] or outside["polls"] or outside["breakouts"]:
        out.add('<section class="sheet">')
        out.heading(2, OUTSIDE)
        write_notes(out, outside["notes"], 3)
        if outside["questions"]:
            out.heading(3, "Questions")
            write_questions(out, outside["questions"])
        write_polls(out, outside["polls"], 3)
        if outside["breakouts"]:
            out.heading(3, "Breakout groups")
            write_breakouts(out, outside["breakouts"], 4)
        out.add("</section>")
    out.add('<section class="sheet">')
    out.heading(2, "Action plans")
    for row in doc["plans"]:
        out.heading(3, row["organisation"])
        if not row["plans"]:
            out.paragraph("No commitment yet.", "meta")
        for plan in row["plans"]:
            out.fields(plan)
    out.add("</section>")
    write_follow_up(out, doc["follow_up"])
    out.add('<section class="sheet">')
    out.heading(2, "Compendium of notes by tag")
    if not doc["compendium"]:
        out.paragraph("No tagged notes.", "meta")
    for group in doc["compendium"]:
        out.heading(3, "#" + group["tag"])
        out.add(
            '<ul class="notes">'
            + "".join(
                f'<li>{esc(n["text"])} <span class="meta">({esc(n["kind_name"])}'
                f"{' · ' + esc(n['item']) if n['item'] else ''})</span></li>"
                for n in group["notes"]
            )
            + "</ul>"
        )
    out.add("</section>")
    out.add('<section class="sheet">')
    out.heading(2, "Time discipline")
    out.add(time_chart(doc["items"]))
    out.table(doc["discipline"])
    out.add("</section>")
    return out.document(f"{doc['title']}: the session record")


def compendium(doc: dict[str, Any]) -> str:
    out = Writer()
    write_top(out, doc, "best-practice compendium")
    if not doc["cases"]:
        out.paragraph("No case summary has been written yet.", "meta")
    for case in doc["cases"]:
        out.add('<section class="case">')
        out.heading(2, case["title"])
        out.paragraph(" · ".join(part for part in (case["organisation"], case["presenter"]) if part), "meta")
        if case["tags"]:
            out.paragraph("Tags: " + " ".join(f"#{tag}" for tag in case["tags"]), "tag")
        out.fields(case["fields"])
        out.add("</section>")
    return out.document(f"{doc['title']}: best-practice compendium")
