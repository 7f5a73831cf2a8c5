"""The session record as one plain document: what every export format prints. Pure.

`report(state, options, made_at)` is a projection of the folded log, nothing else: the same
log, options and time always give the same report. It is plain JSON (dicts, lists, strings,
numbers), so the JSON export carries it as the derived state, and an import folds the log
again and must find the same report. Every table is `{"columns": [...], "rows": [[...]]}`,
ready to print, so the Markdown, HTML and Word writers share one shape.
"""

from datetime import UTC, datetime
from typing import Any

from facilitator.export.options import Options, names_for, organisation_order, rank, scrub, shown_text
from facilitator.followup.dates import describe, due_day, today
from facilitator.followup.model import MILESTONES, STATUSES, followup_of
from facilitator.polls import tally
from facilitator.polls.model import KINDS as POLL_KINDS
from facilitator.polls.model import Poll, polls_of
from facilitator.polls.questions.model import Question, questions_of
from facilitator.polls.questions.views import STATUS_NAMES, byline
from facilitator.record.timeline import entries
from facilitator.rooms.breakouts.model import breakouts_of
from facilitator.rooms.model import Actor, Role, RoomState
from facilitator.rooms.views import Scene, duration
from facilitator.scribe.model import NOTE_KINDS, PLAN_FIELDS, SUMMARY_FIELDS, notebook_of
from facilitator.scribe.views import organisations
from facilitator.timers.floor import accounting as acc
from facilitator.timers.floor.model import FACILITATOR, Turn, floor_of
from facilitator.timers.floor.views import speaker_name
from facilitator.timers.model import KINDS as ITEM_KINDS
from facilitator.timers.model import Item, agenda_of

SCHEMA_VERSION = 1
OUTSIDE = "Outside the agenda"  # the section of notes, questions and polls linked to no item
POLL_STATUS = {"open": "voting still open", "closed": "closed"}


def stamp(ms: int | None) -> str:
    """2023-11-14 22:13 UTC: a moment as every export prints it (an exchange has no time zone)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def clock_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H:%M")


def table(columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"columns": columns, "rows": [[str(cell) if cell is not None else "" for cell in row] for row in rows]}


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# -- polls -------------------------------------------------------------------


def poll_results(poll: Poll) -> dict[str, Any]:
    """A poll's results as a table and, where it has one, its chart: counts, never who answered."""
    shown = tally.results(poll)
    answered = len(poll.answers)
    found: dict[str, Any] = {"chart": "", "bars": [], "points": [], "average": None}
    if "bars" in shown:
        bars = shown["bars"]
        found["table"] = table(["Option", "Answers", "Share"], [[b.label, b.count, f"{b.percent} %"] for b in bars])
        found["bars"] = [{"label": b.label, "percent": b.percent, "count": b.count} for b in bars]
        found["chart"] = "bars"
        if "average" in shown:
            found["average"] = shown["average"]
    elif "words" in shown:
        found["table"] = table(["Word", "People"], [[w["word"], w["count"]] for w in shown["words"]])
    elif "texts" in shown:
        # Alphabetical, not in the order they came: the order of answers says nothing about anyone.
        found["table"] = table(["Answer"], [[text] for text in sorted(shown["texts"], key=str.casefold)])
    elif "ranking" in shown:
        ranking = shown["ranking"]
        found["table"] = table(
            ["Place", "Option", "Points"], [[i, r["label"], r["points"]] for i, r in enumerate(ranking, start=1)]
        )
        found["bars"] = [{"label": r["label"], "percent": r["percent"], "count": r["points"]} for r in ranking]
        found["chart"] = "bars"
    else:
        points = shown["points"]
        rows = []
        for point in points:
            placed = point["impact"] is not None
            where = tally.quadrant(point["impact"], point["effort"]) if placed else ""
            rows.append([point["number"], point["label"], point["impact"], point["effort"], where])
            if placed:
                found["points"].append(
                    {
                        "number": point["number"],
                        "label": point["label"],
                        "impact": point["impact"],
                        "effort": point["effort"],
                        "quadrant": where,
                    }
                )
        found["table"] = table(["#", "Option", "Impact (1-5)", "Effort (1-5)", "Quadrant"], rows)
        found["chart"] = "matrix" if found["points"] else ""
    return {"answered": answered, **found}


def _polls(state: RoomState, options: Options) -> list[Poll]:
    return [
        poll
        for poll in polls_of(state).polls.values()
        if poll.status != "draft" and (options.staff or poll.results_shown)
    ]


def poll_view(poll: Poll) -> dict[str, Any]:
    return {
        "question": poll.question,
        "kind": poll.kind,
        "kind_name": POLL_KINDS[poll.kind],
        "status": POLL_STATUS.get(poll.status, poll.status),
        **poll_results(poll),
    }


# -- questions, notes, turns -----------------------------------------------


def _questions(state: RoomState) -> list[Question]:
    """Questions the room saw, answered first, then by votes: not those withdrawn or never approved."""
    kept = [q for q in questions_of(state).questions.values() if q.status not in ("withdrawn", "pending")]
    return sorted(kept, key=lambda q: (q.status != "answered", -len(q.votes), q.asked_at, q.id))


def question_view(question: Question, options: Options) -> dict[str, Any]:
    return {
        "text": shown_text(question.text, question.flags, options),
        "by": byline(question),  # "Anonymous" unless they chose to be named: never a hash
        "votes": len(question.votes),
        "status": STATUS_NAMES[question.status],
    }


def _notes(state: RoomState, options: Options) -> list[dict[str, Any]]:
    """Every note as it reads now, oldest first: the record's own timeline, notes only."""
    scene = Scene(state, frozenset())
    found = []
    for entry in entries(scene, Actor(Role.FACILITATOR)):
        if entry.what != "note":
            continue
        note = entry.data
        original = notebook_of(state).notes[note["id"]].latest
        found.append(
            {
                "item_id": entry.item_id or "",
                "kind": note["kind"],
                "kind_name": note["kind_name"],
                "text": shown_text(note["text"], original.flags, options),
                "tags": list(note["tags"]),
                "speaker": note["speaker"],
                "time": clock_time(note["created_at"]),
                "edited": note["edited"],
            }
        )
    return found


def notes_by_kind(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Notes grouped by kind, in the scribe's order of kinds (insights, best practices, …)."""
    return [
        {"kind_name": label, "notes": [note for note in notes if note["kind"] == kind]}
        for kind, (label, _) in NOTE_KINDS.items()
        if any(note["kind"] == kind for note in notes)
    ]


def voice_table(state: RoomState, turns: list[Turn], now: int) -> dict[str, Any]:
    """Speaking time per organisation over these turns, and the facilitator's apart."""
    spoken = acc.totals([t for t in turns if t.speaker != FACILITATOR], lambda t: t.organisation, now)
    total = sum(spoken.values())
    order = rank(organisation_order(state))
    rows = [
        [name, duration(spoken[name]), f"{_percent(spoken[name], total)} %"]
        for name in sorted(spoken, key=lambda name: order.get(name.casefold(), len(order)))
    ]
    facilitator = sum(t.length(now) for t in turns if t.speaker == FACILITATOR)
    if facilitator:
        rows.append(["The facilitator", duration(facilitator), ""])
    return table(["Organisation", "Speaking time", "Share"], rows) if rows else table([], [])


def _member(state: RoomState, participant_id: str) -> str:
    person = state.participants.get(participant_id)
    if person is None:
        return ""
    return f"{person.name} ({person.organisation})" if person.organisation else person.name


def breakout_groups(state: RoomState, item_id: str | None, options: Options) -> list[dict[str, Any]]:
    """The groups of the breakout rounds run under an item (rounds only set up and never opened
    are previews, not part of the record): each with its round, name, topic, members (name and
    organisation), its worksheet's sections as they read last and the idea it recommended."""
    found = []
    for round_ in breakouts_of(state).rounds.values():
        if round_.opened_at is None or round_.item_id != item_id:
            continue
        for group in round_.groups:
            found.append(
                {
                    "round": round_.number,
                    "name": f"Round {round_.number}: {group.name}",
                    "group": group.name,
                    "topic": group.topic,
                    "members": [name for pid in group.members if (name := _member(state, pid))],
                    "sections": [
                        [section.title, shown_text(section.latest.text, section.latest.flags, options)]
                        for section in group.sections
                        if section.latest is not None and section.latest.text
                    ],
                    "recommended": shown_text(group.recommended, group.recommended_flags, options),
                }
            )
    return found


def _outside_breakouts(state: RoomState, options: Options) -> list[dict[str, Any]]:
    known = set(agenda_of(state).items)
    items = {round_.item_id for round_ in breakouts_of(state).rounds.values() if round_.item_id not in known}
    return [group for item_id in sorted(items, key=str) for group in breakout_groups(state, item_id, options)]


# -- the items ---------------------------------------------------------------


def item_status(item: Item) -> str:
    if item.done:
        return "done"
    return "running" if item.started_at is not None else "not reached"


def _item(
    state: RoomState,
    item: Item,
    notes: list[dict],
    polls: list[Poll],
    questions: list[Question],
    options: Options,
    now: int,
) -> dict[str, Any]:
    notebook = notebook_of(state)
    summary = notebook.summaries.get(item.id)
    turns = [t for t in acc.all_turns(floor_of(state)) if t.item_id == item.id]
    mine = [note for note in notes if note["item_id"] == item.id]
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "kind_name": ITEM_KINDS[item.kind],
        "organisation": item.organisation,
        "presenter": item.presenter,
        "status": item_status(item),
        "started": stamp(item.started_at),
        "planned": duration(item.planned_ms),
        "actual": duration(item.actual_ms) if item.actual_ms is not None else "",
        "overrun": duration(item.overrun_ms, signed=True) if item.overrun_ms else "",
        "planned_ms": item.planned_ms,
        "actual_ms": item.actual_ms,
        "notes": notes_by_kind(mine),
        "summary": [[SUMMARY_FIELDS[key], value] for key, value in summary.fields.items() if value] if summary else [],
        "questions": [question_view(q, options) for q in questions if q.item_id == item.id],
        "polls": [poll_view(p) for p in polls if p.item_id == item.id],
        "breakouts": breakout_groups(state, item.id, options),
        "voice": voice_table(state, turns, now),
    }


def _outside(state: RoomState, notes: list[dict], polls: list[Poll], questions: list[Question], options: Options):
    """Notes, polls and questions linked to no agenda item (or to one since removed)."""
    known = set(agenda_of(state).items)
    return {
        "notes": notes_by_kind([n for n in notes if n["item_id"] not in known]),
        "questions": [question_view(q, options) for q in questions if (q.item_id or "") not in known],
        "polls": [poll_view(p) for p in polls if (p.item_id or "") not in known],
        "breakouts": _outside_breakouts(state, options),
    }


def discipline(state: RoomState) -> dict[str, Any]:
    """The time-discipline table: planned against actual per item, and the totals."""
    items = agenda_of(state).ordered()
    rows = [
        [
            item.title,
            duration(item.planned_ms),
            duration(item.actual_ms) if item.actual_ms is not None else "",
            duration(item.overrun_ms, signed=True) if item.overrun_ms else ("0:00" if item.done else ""),
            item_status(item),
        ]
        for item in items
    ]
    done = [item for item in items if item.done]
    overrun = sum(item.overrun_ms or 0 for item in done)
    rows.append(
        [
            "Total",
            duration(sum(item.planned_ms for item in items)),
            duration(sum(item.actual_ms or 0 for item in done)),
            duration(overrun, signed=True) if overrun else "0:00",
            f"{sum(1 for item in done if not item.overrun_ms)} of {len(done)} on time",
        ]
    )
    return table(["Agenda item", "Planned", "Actual", "Overrun", "Status"], rows)


def share_of_voice(state: RoomState, now: int) -> dict[str, Any]:
    """Each organisation's share of the floor against the equal share, for the whole exchange."""
    floor = floor_of(state)
    spoken = acc.by_organisation(floor, now)
    order = rank(organisation_order(state))
    names = sorted(acc.organisations_in_room(state, floor), key=lambda name: order.get(name.casefold(), len(order)))
    total = sum(spoken.values())
    equal = round(100 / len(names)) if names else 0
    bars = [
        {"label": name, "percent": _percent(spoken.get(name, 0), total), "time": duration(spoken.get(name, 0))}
        for name in names
    ]
    return {
        "equal": equal,
        "bars": bars if total else [],
        "table": table(
            ["Organisation", "Speaking time", "Share", "Equal share"],
            [[b["label"], b["time"], f"{b['percent']} %", f"{equal} %"] for b in bars],
        )
        if total
        else table([], []),
    }


def people_voice(state: RoomState, now: int) -> dict[str, Any]:
    """Speaking time per person, for the tables (CSV); the facilitator is a person here too."""
    spoken = acc.by_person(floor_of(state), now)
    scene = Scene(state, frozenset())
    joined = {pid: i for i, pid in enumerate(state.participants)}
    rows = []
    for speaker in sorted(spoken, key=lambda speaker: joined.get(speaker, -1)):  # the facilitator first
        name, organisation = speaker_name(scene, speaker)
        rows.append([name, organisation, duration(spoken[speaker]), round(spoken[speaker] / 1000)])
    return table(["Person", "Organisation", "Speaking time", "Seconds"], rows)


def compendium(state: RoomState, notes: list[dict]) -> list[dict[str, Any]]:
    """Notes grouped by tag, most used tag first; untagged notes are not in the compendium."""
    tags: dict[str, list[dict]] = {}
    for note in notes:
        for tag in note["tags"]:
            tags.setdefault(tag, []).append(note)
    titles = {item.id: item.title for item in agenda_of(state).ordered()}
    return [
        {
            "tag": tag,
            "notes": [
                {"text": n["text"], "kind_name": n["kind_name"], "item": titles.get(n["item_id"], "")} for n in found
            ],
        }
        for tag, found in sorted(tags.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    ]


def cases(state: RoomState, notes: list[dict]) -> list[dict[str, Any]]:
    """The Best-Practice Summaries alone, in agenda order, each with the tags of its item's notes."""
    notebook = notebook_of(state)
    found = []
    for item in agenda_of(state).ordered():
        summary = notebook.summaries.get(item.id)
        if summary is None or not any(summary.fields.values()):
            continue
        tags = sorted({tag for note in notes if note["item_id"] == item.id for tag in note["tags"]})
        found.append(
            {
                "title": item.title,
                "organisation": item.organisation,
                "presenter": item.presenter,
                "tags": tags,
                "fields": [[SUMMARY_FIELDS[key], value] for key, value in summary.fields.items() if value],
            }
        )
    return found


def plans(state: RoomState) -> list[dict[str, Any]]:
    notebook = notebook_of(state)
    order = rank(organisation_order(state))
    scene = Scene(state, frozenset())
    named = sorted(organisations(scene), key=lambda name: order.get(name.casefold(), len(order)))
    return [
        {
            "organisation": name,
            "plans": [
                [[PLAN_FIELDS[key], value] for key, value in plan.fields.items() if value]
                for plan in notebook.live_plans()
                if plan.organisation == name
            ],
        }
        for name in named
    ]


def follow_up(state: RoomState, options: Options, now: int) -> dict[str, Any]:
    """After the exchange: each plan's milestones with their status as last updated (overdue as of
    the export), and each check-in that opened with what every organisation answered."""
    followup = followup_of(state)
    order = rank(organisation_order(state))
    live = sorted(notebook_of(state).live_plans(), key=lambda plan: order.get(plan.organisation.casefold(), len(order)))
    rows = []
    for plan in live:
        for key, (field, after) in MILESTONES.items():
            milestone = followup.milestone(plan.id, key)
            if not plan.fields.get(field) and not milestone.updates:
                continue
            latest = milestone.updates[-1] if milestone.updates else None
            overdue = milestone.status not in ("done", "dropped") and today(state, now) > due_day(state, after)
            rows.append(
                [
                    plan.organisation,
                    plan.fields.get("change", ""),
                    PLAN_FIELDS[field],
                    plan.fields.get(field, ""),
                    due_day(state, after).isoformat(),
                    STATUSES[milestone.status] + (" (overdue)" if overdue else ""),
                    shown_text(latest.note, latest.flags, options) if latest else "",
                    stamp(milestone.updated_at),
                ]
            )
    checkins = []
    for checkin in followup.live_checkins():
        if checkin.opened_at is None:
            continue
        answers = [(plan, pulse) for plan in live if (pulse := followup.pulse(checkin.id, plan.id)) is not None]
        reported = len({plan.organisation for plan, _ in answers})
        expected = len({plan.organisation for plan in live})
        name = describe(checkin.after)
        checkins.append(
            {
                "name": f"{name} check-in",
                "summary": f"{reported} of {expected} organisations reported at the {name} check-in",
                "table": table(
                    ["Organisation", "Change", "Progress (1-5)", "What helped", "What got in the way", "Signed by"],
                    [
                        [
                            plan.organisation,
                            plan.fields.get("change", ""),
                            pulse.progress,
                            shown_text(pulse.helped, pulse.flags, options) if pulse.helped else "",
                            shown_text(pulse.hindered, pulse.flags, options) if pulse.hindered else "",
                            _member(state, pulse.signed_by) if pulse.signed_by else "",
                        ]
                        for plan, pulse in answers
                    ],
                ),
            }
        )
    return {
        "milestones": table(["Organisation", "Change", "When", "Milestone", "Due", "Status", "Note", "Updated"], rows)
        if rows
        else table([], []),
        "checkins": checkins,
    }


def participants(state: RoomState, options: Options) -> list[dict[str, Any]]:
    """Everyone who took part, by organisation (the peer group's order, then alphabetical)."""
    present = state.present()  # in joining order
    order = rank(organisation_order(state))
    groups = sorted(
        {p.organisation for p in present}, key=lambda o: (order.get(o.casefold(), len(order)), o.casefold())
    )
    return [
        {
            "organisation": group,
            "people": [
                {"name": p.name, "job_title": "" if options.deidentify else p.job_title}
                for p in present
                if p.organisation == group
            ],
        }
        for group in groups
    ]


def report(state: RoomState, options: Options, made_at: int) -> dict[str, Any]:
    """The whole record, options applied: the one thing every format prints."""
    notes = _notes(state, options)
    polls = _polls(state, options)
    questions = _questions(state)
    agenda = agenda_of(state)
    made = {
        "title": state.title,
        "charter": {
            "focus": state.charter.focus,
            "outcome": state.charter.outcome,
            "beneficiaries": state.charter.beneficiaries,
        },
        "made_at": stamp(made_at),
        "started": stamp(state.created_at),
        "ended": stamp(state.ended_at),
        "snapshot": not state.ended,
        "options": options.described(),
        "participants": participants(state, options),
        "items": [_item(state, item, notes, polls, questions, options, made_at) for item in agenda.ordered()],
        "outside": _outside(state, notes, polls, questions, options),
        "voice": share_of_voice(state, made_at),
        "people_voice": people_voice(state, made_at),
        "plans": plans(state),
        "follow_up": follow_up(state, options, made_at),
        "compendium": compendium(state, notes),
        "cases": cases(state, notes),
        "discipline": discipline(state),
        "notes_table": table(
            ["Agenda item", "Time (UTC)", "Kind", "Tags", "Speaker", "Text", "Edited"],
            [
                [
                    next((i.title for i in agenda.ordered() if i.id == n["item_id"]), ""),
                    n["time"],
                    n["kind_name"],
                    " ".join(f"#{t}" for t in n["tags"]),
                    n["speaker"],
                    n["text"],
                    "yes" if n["edited"] else "",
                ]
                for n in notes
            ],
        ),
    }
    return scrub(made, names_for(state, options))


def heading_line(doc: dict[str, Any]) -> str:
    """The sentence at the top of every export: when it was made, whether the exchange was still
    running, and which options were applied."""
    when = f"Exported {doc['made_at']}"
    status = (
        "a snapshot: the exchange was still running"
        if doc["snapshot"]
        else f"after the exchange ended ({doc['ended']})"
    )
    return f"{when}, {status}. Options: {doc['options']}."
