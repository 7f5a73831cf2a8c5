"""What each surface shows of the notes, summaries and action plans."""

from collections import Counter

from facilitator.rooms.changes import EVERYONE, NOBODY, Viewers, participants
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene
from facilitator.scribe.model import NOTE_KINDS, Note, Notebook, NoteVersion, notebook_of
from facilitator.timers.floor.model import floor_of
from facilitator.timers.model import agenda_of

FEED_LENGTH = 40  # notes on a phone; the record page has them all
TICKER_LENGTH = 3
# Notes name their agenda item and speaker.
NOTES = frozenset({"scribe", "timers", "participants", "room"})


def tag_counts(notebook: Notebook) -> Counter:
    return Counter(tag for note in notebook.live_notes() for tag in note.latest.tags)


def complete(prefix: str, notebook: Notebook, limit: int = 8) -> list[str]:
    """Tags already used in the room that start with `prefix` (without its #), most used first."""
    wanted = prefix.lstrip("#").lower()
    counted = tag_counts(notebook)
    return sorted((tag for tag in counted if tag.startswith(wanted)), key=lambda tag: (-counted[tag], tag))[:limit]


def _speaker_name(scene: Scene, speaker_id: str | None) -> str:
    if speaker_id is None:
        return ""
    if speaker_id == "facilitator":
        return "the facilitator"
    person = scene.state.participants.get(speaker_id)
    return f"{person.name} · {person.organisation}" if person else ""


def version_view(scene: Scene, version: NoteVersion) -> dict:
    items = agenda_of(scene.state).items
    item = items.get(version.item_id or "")
    return {
        "text": version.text,
        "kind": version.kind,
        "kind_name": NOTE_KINDS[version.kind][0],
        "tags": version.tags,
        "item_id": version.item_id or "",
        "item_title": item.title if item else "",
        "speaker": _speaker_name(scene, version.speaker_id),
        "speaker_id": version.speaker_id or "",
        "source": version.source,
        "at": version.at,
        "by": version.by,
        "flagged": bool(version.flags),
    }


def note_view(scene: Scene, note: Note, history: bool = False) -> dict:
    shown = {"id": note.id, **version_view(scene, note.latest), "edited": note.edited, "created_at": note.created_at}
    if history:
        shown["history"] = [version_view(scene, version) for version in reversed(note.versions)]
    return shown


def _newest(scene: Scene, limit: int | None = None, history: bool = False) -> list[dict]:
    notes = sorted(notebook_of(scene.state).live_notes(), key=lambda note: note.created_at, reverse=True)
    return [note_view(scene, note, history) for note in notes[:limit]]


def notes_feed(scene: Scene) -> dict:
    """The notes as everyone in the room sees them, newest first."""
    return {"notes": scene.once("notes.feed", lambda: _newest(scene, FEED_LENGTH)), "code": scene.state.code}


def notes_scribe(scene: Scene) -> dict:
    """Every note with its controls and history, for the scribes."""
    return {"notes": _newest(scene, history=True), "kinds": NOTE_KINDS, "ended": scene.state.ended}


def note_links(scene: Scene) -> dict:
    """What a note will be linked to: the item and speaker of the moment unless chosen, and the
    tags already used, for completion."""
    state = scene.state
    agenda, floor = agenda_of(state), floor_of(state)
    current = agenda.current()
    speaker = floor.current.speaker if floor.current else None
    return {
        "items": [{"id": item.id, "title": item.title} for item in agenda.ordered()],
        "people": [{"id": p.id, "label": f"{p.name} · {p.organisation}"} for p in state.present()],
        "current_item": current.title if current else "",
        "current_speaker": _speaker_name(scene, speaker),
        "tags": complete("", notebook_of(state), limit=200),
        "ended": state.ended,
    }


def notes_ticker(scene: Scene) -> dict:
    notebook = notebook_of(scene.state)
    return {"shown": notebook.ticker, "notes": _newest(scene, TICKER_LENGTH) if notebook.ticker else []}


def ticker_control(scene: Scene) -> dict:
    return {"shown": notebook_of(scene.state).ticker, "ended": scene.state.ended}


def summaries(scene: Scene) -> dict:
    """Each case on the agenda, with whether its Best-Practice Summary is written yet."""
    notebook = notebook_of(scene.state)
    cases = [
        {
            "id": item.id,
            "title": item.title,
            "saved": item.id in notebook.summaries,
            "notes": sum(1 for note in notebook.live_notes() if note.latest.item_id == item.id),
        }
        for item in agenda_of(scene.state).ordered()
        if item.kind == "case"
    ]
    return {"cases": cases, "code": scene.state.code}


def organisations(scene: Scene) -> list[str]:
    """The peer group's organisations, or those present; and any that wrote an action plan."""
    state = scene.state
    planned = {plan.organisation for plan in notebook_of(state).live_plans()}
    if state.organisations:
        return state.organisations + sorted(planned - set(state.organisations), key=str.casefold)
    return sorted({p.organisation for p in state.present()} | planned, key=str.casefold)


def commitments(scene: Scene) -> dict:
    """Which organisations have committed to at least one change."""
    plans = notebook_of(scene.state).live_plans()
    rows = [
        {
            "organisation": name,
            "plans": [
                {"id": plan.id, "change": plan.fields["change"], "owner": plan.fields["owner"]}
                for plan in plans
                if plan.organisation == name
            ],
        }
        for name in organisations(scene)
    ]
    committed = sum(1 for row in rows if row["plans"])
    return {"rows": rows, "committed": committed, "total": len(rows), "code": scene.state.code}


def my_plans(scene: Scene, viewer: Actor) -> dict:
    person = scene.state.participants.get(viewer.participant_id or "")
    organisation = person.organisation if person else ""
    plans = [
        {"id": plan.id, "change": plan.fields["change"], "owner": plan.fields["owner"]}
        for plan in notebook_of(scene.state).live_plans()
        if plan.organisation == organisation
    ]
    return {"organisation": organisation, "plans": plans, "code": scene.state.code, "ended": scene.state.ended}


def _planners(state: RoomState, event: Event) -> Viewers:
    """A plan concerns the people of its organisation; a note concerns no one's plans."""
    if event.type.startswith("plan."):
        plan = notebook_of(state).plans.get(event.data["plan_id"])
        organisation = plan.organisation if plan else event.data.get("organisation")
        if organisation is None:
            return EVERYONE
        return participants(*(p.id for p in state.present() if p.organisation == organisation))
    if event.type.startswith("room."):
        return EVERYONE
    return NOBODY


def api_view(scene: Scene, viewer: Actor) -> dict:
    notebook = notebook_of(scene.state)
    view = {
        "notes": [{key: value for key, value in note.items() if key != "history"} for note in _newest(scene)],
        "tags": dict(tag_counts(notebook)),
        "summaries": {item_id: summary.fields for item_id, summary in notebook.summaries.items()},
        "plans": [{"id": plan.id, "organisation": plan.organisation, **plan.fields} for plan in notebook.live_plans()],
        "ticker": notebook.ticker,
    }
    if viewer.role in (Role.FACILITATOR, Role.SCRIBE):
        view["history"] = {note.id: [version_view(scene, v) for v in note.versions] for note in notebook.notes.values()}
    return view


FRAGMENTS = (
    Fragment("notes-feed", frozenset({"console", "phone"}), notes_feed, reads=NOTES),
    Fragment("notes-scribe", frozenset({"scribe"}), notes_scribe, reads=NOTES),
    Fragment("note-links", frozenset({"scribe"}), note_links, reads=NOTES | {"floor"}),
    Fragment("notes-ticker", frozenset({"screen"}), notes_ticker, reads=NOTES),
    Fragment("ticker-control", frozenset({"console"}), ticker_control, reads=frozenset({"scribe", "room"})),
    Fragment("summaries", frozenset({"scribe"}), summaries, reads=frozenset({"scribe", "timers"})),
    Fragment(
        "commitments",
        frozenset({"console", "scribe"}),
        commitments,
        reads=frozenset({"scribe", "participants", "room"}),
    ),
    Fragment(
        "my-plans",
        frozenset({"phone"}),
        my_plans,
        per_viewer=True,
        reads=frozenset({"scribe", "room"}),
        touches=_planners,
    ),
)
