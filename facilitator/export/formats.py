"""Every export, by the name its route and the command line use: one function from the folded
log to a file. `export(state, log, fmt, options, made_at, rules=...)` is pure: no clock, no I/O."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from facilitator.export import compendium, data, docx, html, markdown, tables
from facilitator.export.options import Options
from facilitator.export.report import report
from facilitator.rooms.feature import Rules
from facilitator.rooms.model import Event, RoomState


@dataclass(frozen=True)
class File:
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Source:
    """What an export is made from: the folded log, the log itself (for the JSON) and the rules
    that say which fields of an event may leave the server."""

    rules: Rules
    state: RoomState
    log: list[Event]
    options: Options
    made_at: int


@dataclass(frozen=True)
class Format:
    extension: str
    media_type: str
    # From the report (and, for the data, its source) to the file's bytes.
    write: Callable[[dict[str, Any], Source], bytes]


def _text(write: Callable[[dict[str, Any]], str]) -> Callable[..., bytes]:
    return lambda doc, *_: write(doc).encode()


def _json(doc: dict[str, Any], source: Source) -> bytes:
    made = data.record(source.rules, source.state, source.log, source.options, source.made_at, derived=doc)
    return data.dumps(made).encode()


def _everything(doc: dict[str, Any], source: Source) -> bytes:
    files: dict[str, str | bytes] = {
        f"record.{name}": fmt.write(doc, source) for name, fmt in RECORD.items() if name != "zip"
    }
    del files["record.csv"]  # the tables go in one by one, not as a zip inside the zip
    files |= {f"tables/{name}": text for name, text in tables.tables(doc).items()}
    files |= {f"compendium.{name}": fmt.write(doc, source) for name, fmt in COMPENDIUM.items()}
    return tables.zipped(files)


RECORD: dict[str, Format] = {
    "md": Format("md", "text/markdown; charset=utf-8", _text(markdown.transcript)),
    "html": Format("html", "text/html; charset=utf-8", _text(html.report)),
    "docx": Format(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda doc, *_: docx.record(doc),
    ),
    "json": Format("json", "application/json", _json),
    "csv": Format("zip", "application/zip", lambda doc, *_: tables.csv_zip(doc)),
    "zip": Format("zip", "application/zip", _everything),
}
COMPENDIUM: dict[str, Format] = {
    "md": Format("md", "text/markdown; charset=utf-8", _text(compendium.as_markdown)),
    "html": Format("html", "text/html; charset=utf-8", _text(compendium.as_html)),
    "docx": Format(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda doc, *_: compendium.as_docx(doc),
    ),
}


def export(
    state: RoomState,
    log: list[Event],
    fmt: str,
    options: Options,
    made_at: int,
    which: str = "record",
    *,
    rules: Rules,
) -> File:
    """One export of the room whose folded log is `state` (and `log`, its events), by `rules`."""
    chosen = (RECORD if which == "record" else COMPENDIUM)[fmt]
    doc = report(state, options, made_at)
    content = chosen.write(doc, Source(rules, state, log, options, made_at))
    suffix = "-tables" if fmt == "csv" else ""
    return File(f"{which}-{state.code}{suffix}.{chosen.extension}", chosen.media_type, content)
