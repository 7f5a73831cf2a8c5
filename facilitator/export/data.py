"""The complete record as JSON, and the way back: importing it on another server.

Schema (`schema_version` 1):

    schema_version   1
    made_at          when the export was made, in ms since the epoch (UTC)
    snapshot         true when the exchange was still running
    options          {"deidentify": bool, "omit_flagged": bool, "staff": bool}
    room             {"code", "title", "created_at", "ended_at", "confidentiality", "organisations"}
    charter          {"focus", "outcome", "beneficiaries"}
    agenda           [{"id", "kind", "title", "organisation", "presenter", "planned_ms", "phases"}]
    participants     [{"id", "name", "organisation", "job_title", "removed"}]
    events           the full event log, in order: [{"seq", "type", "at", "data"}]
    derived          the folded log as every format prints it (`report.report`)

The events are the log with what no export may carry taken out: the fields features keep
private (`Feature.private`: the e-mail address of `contact.set`, "[redacted]"), the hashes of secret links,
the keyed hash of each command's sender, and the pseudonyms anonymous answers and questions
are filed under (each replaced by "anon-1", "anon-2"… so that folding still counts one
answer per person). The options apply to the events as to everything else.
"""

import json
import os
from typing import Any

from facilitator.export.options import Options, Pseudonyms, event_data, names_for, scrub
from facilitator.export.report import SCHEMA_VERSION, report
from facilitator.rooms.feature import Rules
from facilitator.rooms.hub import Outcome
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import CommandError, Event, RoomState
from facilitator.rooms.secrets import derive, hash_secret, new_room_code
from facilitator.timers.model import agenda_of

LINK_ROLES = ("facilitator", "scribe", "screen")


def record(
    rules: Rules,
    state: RoomState,
    log: list[Event],
    options: Options,
    made_at: int,
    derived: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON export's content; `derived` is the report, if it was already made. Each event
    is taken as it may leave the server (`Rules.shown`): a field a feature keeps private, such
    as the address given for follow-up reminders, is redacted."""
    names = names_for(state, options)
    pseudonyms = Pseudonyms()
    present = {
        "room": {
            "code": state.code,
            "title": state.title,
            "created_at": state.created_at,
            "ended_at": state.ended_at,
            "confidentiality": state.confidentiality,
            "organisations": list(state.organisations),
        },
        "charter": {
            "focus": state.charter.focus,
            "outcome": state.charter.outcome,
            "beneficiaries": state.charter.beneficiaries,
        },
        "agenda": [
            {
                "id": item.id,
                "kind": item.kind,
                "title": item.title,
                "organisation": item.organisation,
                "presenter": item.presenter,
                "planned_ms": item.planned_ms,
                "phases": [{"name": phase.name, "planned_ms": phase.planned_ms} for phase in item.phases],
            }
            for item in agenda_of(state).ordered()
        ],
        "participants": [
            {
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "job_title": "" if options.deidentify else p.job_title,
                "removed": p.removed,
            }
            for p in state.participants.values()
        ],
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "made_at": made_at,
        "snapshot": not state.ended,
        "options": {"deidentify": options.deidentify, "omit_flagged": options.omit_flagged, "staff": options.staff},
        **scrub(present, names),
        "events": [
            {
                "seq": e.seq,
                "type": e.type,
                "at": e.at,
                "data": event_data(rules.shown(e)["data"], options, names, pseudonyms),
            }
            for e in log
        ],
        "derived": derived if derived is not None else report(state, options, made_at),
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# -- import ------------------------------------------------------------------


class ImportRefused(CommandError):
    """A file that is not an export this server can read, said in one sentence."""


def read_export(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ImportRefused("This file is not JSON: export it again with --format json.") from None
    if not isinstance(data, dict) or "events" not in data or "derived" not in data:
        raise ImportRefused("This JSON is not a Facilitator export: it has no events or derived state.")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ImportRefused(
            f"This export has schema version {data.get('schema_version')!r}; "
            f"this server reads version {SCHEMA_VERSION}."
        )
    return data


def replay(rules: Rules, code: str, data: dict[str, Any]) -> tuple[list[Event], RoomState]:
    """The export's events as this room's log, folded through the same rules; the derived state
    they give must be the one the file says, or the file is refused."""
    try:
        events = [Event(code, int(e["seq"]), str(e["type"]), dict(e["data"]), int(e["at"])) for e in data["events"]]
        state = rules.fold(code, events)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ImportRefused(f"The events of this export cannot be replayed: {type(error).__name__}.") from None
    if not state.exists:
        raise ImportRefused("This export holds no exchange: its log does not start with one being created.")
    options = Options(**{key: bool(value) for key, value in data.get("options", {}).items()})
    if report(state, options, int(data["made_at"])) != data["derived"]:
        raise ImportRefused("Replaying this export's events does not give the record it holds: it was changed.")
    return events, state


async def import_exchange(rules: Rules, log: EventLog, data: dict[str, Any], now: int) -> tuple[str, Outcome]:
    """Recreate an exported exchange here, read-only, under a new code: its log replayed, then
    `room.imported` with fresh links for this server (their secrets are in the reply)."""
    events, state = replay(rules, "IMPORT", data)
    for _ in range(20):
        code = new_room_code()
        if await log.reserve(code, now):
            break
    else:
        raise CommandError("Could not find a free room code; please try again.", status=503)
    nonce = os.urandom(32)
    links = {role: derive(nonce, f"link:{role}") for role in LINK_ROLES}
    last = events[-1].at
    imported = {
        "source": str(data.get("room", {}).get("code", "")),
        "link_hashes": {role: hash_secret(secret) for role, secret in links.items()},
    }
    written = [Event(code, e.seq, e.type, e.data, e.at) for e in events]
    written.append(Event(code, len(written) + 1, "room.imported", imported, last))
    await log.restore(code, written)
    return code, Outcome(written, {"links": links})
