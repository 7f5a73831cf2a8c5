"""The record as one self-contained HTML file that prints cleanly to PDF.

Inline CSS and inline SVG charts, no script, no external request: it opens the same from
a USB stick, an e-mail attachment or a browser's "Save as PDF". Every piece of text is
escaped where it is written (`esc`); nothing else reaches the page.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import Any

from facilitator.export import sections
from facilitator.export.sections import Entry, group_rows, one_line

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
        self.title = ""

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def top(self, title: str, what: str, made: str) -> None:
        self.title = f"{title}: {what}"
        self.heading(1, title)
        self.paragraph(what.capitalize(), "meta")
        self.paragraph(made, "made")

    def heading(self, level: int, text: Any) -> None:
        self.add(f"<h{level}>{esc(text)}</h{level}>")

    def paragraph(self, text: Any, css: str = "") -> None:
        if text:
            shown = f' class="{css}"' if css else ""
            self.add(f"<p{shown}>{esc(text)}</p>")

    def remark(self, text: str) -> None:
        self.paragraph(text, "meta")

    def facts(self, lines: list[list[str]]) -> None:
        self.paragraph(one_line(lines), "meta")

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

    def notes(self, entries: list[Entry]) -> None:
        self.add('<ul class="notes">' + "".join(note_item(entry) for entry in entries) + "</ul>")

    def grouped(self, level: int, columns: list[str], groups: list[tuple[str, list[list[str]]]]) -> None:
        self.table({"columns": columns, "rows": group_rows(groups)})

    def tags(self, tags: list[str]) -> None:
        self.paragraph("Tags: " + " ".join(f"#{tag}" for tag in tags), "tag")

    @contextmanager
    def section(self, kind: str) -> Iterator[None]:
        self.add(f'<section class="{kind}">')
        yield
        self.add("</section>")

    def bars(self, bars: list[dict[str, Any]], label: str, equal: int | None = None) -> None:
        self.add(bars_chart(bars, equal, label))

    def matrix(self, points: list[dict[str, Any]]) -> None:
        self.add(matrix_chart(points))

    def times(self, items: list[dict[str, Any]]) -> None:
        self.add(time_chart(items))

    def document(self) -> str:
        body = "\n".join(self.parts)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{esc(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
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


def note_item(entry: Entry) -> str:
    tags = "".join(f' <span class="tag">#{esc(tag)}</span>' for tag in entry.tags)
    about = " · ".join(esc(part) for part in entry.about)
    return f'<li>{esc(entry.text)}{tags} <span class="meta">({about})</span></li>'


def report(doc: dict[str, Any]) -> str:
    out = Writer()
    sections.record(out, doc)
    return out.document()


def compendium(doc: dict[str, Any]) -> str:
    out = Writer()
    sections.compendium(out, doc)
    return out.document()
