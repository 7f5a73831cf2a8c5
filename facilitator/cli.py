"""The `facilitator` command: serve the app, set up a demo exchange and serve it, export an
exchange's record, or import one exported elsewhere (read-only)."""

import argparse
import asyncio
import json
import os
import socket
import sys
from datetime import UTC, datetime
from typing import Any

import redis
import segno
import uvicorn

from facilitator import __version__, db
from facilitator.config import ConfigurationError, Settings
from facilitator.db import make_engine
from facilitator.export.data import import_exchange, read_export
from facilitator.export.formats import RECORD, export
from facilitator.export.options import Options
from facilitator.features import RULES
from facilitator.logs import log_config
from facilitator.rooms.broker import channel_of
from facilitator.rooms.clock import SYSTEM_CLOCK, Clock
from facilitator.rooms.hub import DELETION, Outcome, create_room
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import Actor, CommandError, Context, Role
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.web import links
from facilitator.timers.model import agenda_of

DEMO = {
    "type": "room.create",
    "title": "Reducing discharge delays",
    "charter": {
        "focus": "Patients who are medically fit wait hours for transport, medicines and paperwork "
        "before they can go home.",
        "outcome": "15 % shorter average length of stay",
        "beneficiaries": "Nurse managers, discharge coordinators, ward pharmacists",
    },
    "confidentiality": "Cases, figures and names shared in this exchange stay in this exchange. "
    "Share no patient-identifiable information.",
    "organisations": [
        "St Mary's Hospital",
        "Northfield Community Hospital",
        "Riverside Medical Centre",
        "Eastgate Health Partners",
        "Hillcrest Rehabilitation Clinic",
    ],
}


DEMO_AGENDA = [
    {"kind": "discussion", "title": "Welcome, charter and ground rules", "minutes": 10},
    *(
        {
            "kind": "case",
            "organisation": organisation,
            "presenter": presenter,
            "presentation_minutes": 15,
            "qa_minutes": 5,
            "qa_prompt": "What would you try differently?",
        }
        for organisation, presenter in (
            ("St Mary's Hospital", "Dr Ana Silva"),
            ("Northfield Community Hospital", "Tom Okafor, discharge coordinator"),
            ("Riverside Medical Centre", "Priya Nair, ward pharmacist"),
        )
    ),
    {"kind": "break", "title": "Coffee", "minutes": 15},
    *(
        {
            "kind": "case",
            "organisation": organisation,
            "presenter": presenter,
            "presentation_minutes": 15,
            "qa_minutes": 5,
            "qa_prompt": "What would you try differently?",
        }
        for organisation, presenter in (
            ("Eastgate Health Partners", "Maria Costa, nurse manager"),
            ("Hillcrest Rehabilitation Clinic", "Jon Berg, therapy lead"),
        )
    ),
    {"kind": "breakout", "title": "Standardising the discharge checklist", "minutes": 25},
    {"kind": "poll", "title": "Which changes will we try first?", "minutes": 10},
    {"kind": "discussion", "title": "Action plans and commitments", "minutes": 20},
]


# Prepared for the agenda's poll item: ranking the changes on impact and effort, then a pulse check.
DEMO_POLLS: list[dict[str, Any]] = [
    {
        "type": "poll.create",
        "kind": "matrix",
        "question": "Where does each change sit on impact and effort?",
        "options": [
            "Discharge checklist started on admission",
            "Pharmacy to-take-out medicines the day before",
            "Daily 11:00 board round for expected discharges",
            "Transport booked by the ward clerk",
        ],
    },
    {"type": "poll.create", "kind": "words", "question": "In one word: what delays discharge most on your ward?"},
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="facilitator", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("serve", "run the web app"), ("demo", "create a sample exchange, print its links, then serve")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--host", default="127.0.0.1", help="use 0.0.0.0 to let phones on the network join")
        sub.add_argument("--port", type=int, default=8000)
        if name == "serve":
            sub.add_argument("--workers", type=int, default=1)
        else:
            sub.add_argument("--no-serve", action="store_true", help="only create the exchange")
    exporting = commands.add_parser("export", help="write an exchange's record to a file")
    exporting.add_argument("code", help="the exchange's code")
    exporting.add_argument("--format", choices=list(RECORD), default="md")
    exporting.add_argument("--output", help="the file to write (default: standard output)")
    exporting.add_argument("--deidentify", action="store_true", help='"Participant 1…", "Organisation A…"')
    exporting.add_argument("--omit-flagged", action="store_true", help="leave out text flagged as patient identifiers")
    importing = commands.add_parser("import", help="recreate an exported exchange here, read-only")
    importing.add_argument("file", help="a JSON export (facilitator export CODE --format json)")
    importing.add_argument("--base", default="http://127.0.0.1:8000", help="this server's address, for the links")
    rooms = commands.add_parser("rooms", help="list the stored exchanges, or delete one with its whole record")
    rooms_commands = rooms.add_subparsers(dest="rooms_command", required=True)
    rooms_commands.add_parser("list", help="every exchange: code, created, events, ended")
    delete = rooms_commands.add_parser("delete", help="delete an exchange and its whole event log")
    delete.add_argument("code")
    database = commands.add_parser("db", help="the database schema")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    database_commands.add_parser("upgrade", help="bring the schema to this release's (done at start by default)")
    database_commands.add_parser("revision", help="print the schema's revision and this release's")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "export":
        sys.exit(export_command(settings, args.code, args.format, args.output, args.deidentify, args.omit_flagged))
    if args.command == "import":
        sys.exit(import_command(settings, args.file, args.base))
    if args.command == "db":
        sys.exit(db_command(settings, args.db_command))
    if args.command == "rooms":
        sys.exit(rooms_command(settings, args))
    try:
        settings.signing_key  # noqa: B018 - made or read now, before any worker starts
    except ConfigurationError as error:
        sys.exit(str(error))
    if args.command == "demo":
        demo(settings, public_base(settings, args.host, args.port))
        if args.no_serve:
            return
    serve(settings, args.host, args.port, getattr(args, "workers", 1))


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    if workers > 1 and not settings.redis_url:
        sys.exit("Several workers need Redis to share rooms: set REDIS_URL, or run one worker.")
    uvicorn.run(
        "facilitator.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ws_per_message_deflate=False,
        ws_max_size=1024 * 1024,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        proxy_headers=True,
        log_config=log_config(settings.log_format),
    )


def demo(settings: Settings, base: str) -> None:
    log = event_log(settings)
    code, outcome = asyncio.run(create_demo(log))
    made = links(base, code, outcome.reply["links"])
    print(f"\n{DEMO['title']}  (room code {code})\n")
    for label, key in (
        ("Facilitator console", "console"),
        ("Scribe panel", "scribe"),
        ("Projector screen", "screen"),
        ("Participants join", "join"),
    ):
        print(f"  {label:<20} {made[key]}")
    print("\nScan to join:\n")
    segno.make(made["join"], error="m").terminal(compact=True)
    print()


async def create_demo(log: EventLog, clock: Clock = SYSTEM_CLOCK) -> tuple[str, Outcome]:
    code, outcome = await create_room(RULES, log, RULES.parse(DEMO), clock)
    agenda = RULES.parse({"type": "agenda.import", "items": DEMO_AGENDA})
    state = RULES.fold(code, await log.read(code))
    facilitator = Actor(Role.FACILITATOR)
    decision = RULES.decide(state, facilitator, agenda, Context(clock.now_ms(), os.urandom(32)))
    for event in await log.append(code, state.seq, decision.events, clock.now_ms()):
        RULES.apply(state, event)
    poll_item = next(item.id for item in agenda_of(state).ordered() if item.kind == "poll")
    for poll in DEMO_POLLS:
        decision = RULES.decide(
            state, facilitator, RULES.parse({**poll, "item_id": poll_item}), Context(clock.now_ms(), os.urandom(32))
        )
        for event in await log.append(code, state.seq, decision.events, clock.now_ms()):
            RULES.apply(state, event)
    return code, outcome


def event_log(settings: Settings) -> EventLog:
    """The database's log, its schema brought up to date first unless AUTO_MIGRATE is off."""
    return EventLog(make_engine(settings.database_url, migrate=settings.auto_migrate))


def export_command(
    settings: Settings, raw_code: str, fmt: str, output: str | None, deidentify: bool, omit_flagged: bool
) -> str | None:
    """Write the record; a sentence (the exit message) when it cannot be."""
    code = normalise_code(raw_code)
    log = event_log(settings)
    events = asyncio.run(log.read(code)) if code else []
    if not events:
        return f"There is no exchange with the code {raw_code!r} in this database."
    state = RULES.fold(code or "", events)
    made = export(state, events, fmt, Options(deidentify, omit_flagged), SYSTEM_CLOCK.now_ms(), rules=RULES)
    if output:
        with open(output, "wb") as file:
            file.write(made.content)
        print(f"Wrote {output} ({len(made.content):,} bytes).", file=sys.stderr)
    elif fmt in ("docx", "csv", "zip") and sys.stdout.isatty():
        return f"A .{made.name.rsplit('.', 1)[1]} file is not text: give --output FILE."
    else:
        sys.stdout.buffer.write(made.content)
    return None


def import_command(settings: Settings, path: str, base: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as file:
            data = read_export(file.read())
        log = event_log(settings)
        code, outcome = asyncio.run(import_exchange(RULES, log, data, SYSTEM_CLOCK.now_ms()))
    except OSError as error:
        return f"Cannot read {path}: {error.strerror}."
    except CommandError as error:
        return error.message
    made = links(base.rstrip("/"), code, outcome.reply["links"])
    print(f"Imported {data['room'].get('title', '')!r} as {code}: read-only, {len(outcome.events) - 1} events.")
    for label, key in (("Console", "console"), ("Scribe panel", "scribe"), ("Screen", "screen")):
        print(f"  {label:<14} {made[key]}")
    print(f"  {'Record':<14} {base.rstrip('/')}/r/{code}/record (after opening the console)")
    return None


def public_base(settings: Settings, host: str, port: int) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if host in ("0.0.0.0", "::"):
        host = lan_address()
    return f"http://{host}:{port}"


def lan_address() -> str:
    """This machine's address on the local network, as phones in the room would reach it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP connect sends nothing
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def db_command(settings: Settings, what: str) -> int:
    engine = db.engine_for(settings.database_url)
    try:
        if what == "upgrade":
            db.upgrade(engine)
            print(f"The database schema is at revision {db.revision_of(engine)}, this release's.")
        else:
            print(f"database: {db.revision_of(engine) or 'none'}; this release: {db.head_revision()}")
    finally:
        engine.dispose()
    return 0


def rooms_command(settings: Settings, args: argparse.Namespace) -> int:
    log = event_log(settings)
    if args.rooms_command == "list":
        stored = log.stored_rooms()
        print(f"{'code':<8} {'created (UTC)':<17} {'events':>7}  {'last change (UTC)':<17}  ended (UTC)")
        for room in stored:
            print(
                f"{room.code:<8} {_when(room.created_at):<17} {room.events:>7}  {_when(room.last_at):<17}  "
                f"{_when(room.ended_at) if room.ended_at else 'not ended'}"
            )
        print(f"{len(stored)} exchange{'s' if len(stored) != 1 else ''}.")
        return 0
    code = normalise_code(args.code)
    if code is None or not log.delete_now(code):
        print(f"There is no exchange with the code {args.code}.", file=sys.stderr)
        return 1
    if settings.redis_url:
        tell_other_nodes(settings.redis_url, code)
        print(f"Deleted the exchange {code} and its whole record; the running servers closed its pages.")
    else:
        print(
            f"Deleted the exchange {code} and its whole record. A server running now may still show it "
            "to pages open on it until it restarts; delete from the console to close them at once."
        )
    return 0


def tell_other_nodes(redis_url: str, code: str) -> None:
    """Publish the deletion, as the hub does, so every node drops the room and closes its pages."""
    client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
    try:
        client.publish(channel_of(f"room:{code}"), json.dumps(DELETION))
    except redis.RedisError as error:
        print(f"Redis could not be told ({error}); restart the servers to close the room's pages.", file=sys.stderr)
    finally:
        client.close()


def _when(at_ms: int | None) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if at_ms else "-"
