"""The pure rules of the scribe: notes with their versions, case summaries, action plans."""

from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Event, Role, RoomState
from facilitator.rooms.privacy import screened
from facilitator.rooms.secrets import derive
from facilitator.scribe import commands as c
from facilitator.scribe.model import ActionPlan, Note, NoteVersion, Revision, Summary, notebook_of
from facilitator.timers.floor.model import floor_of
from facilitator.timers.model import agenda_of

NO_LINK = "none"
MAX_NOTES = 5000
MAX_PLANS = 500


def _speaker_now(state: RoomState) -> str | None:
    current = floor_of(state).current
    return current.speaker if current is not None else None


def _links(state: RoomState, cmd: c.PostNote, kept: NoteVersion | None = None) -> dict:
    """The agenda item, speaker and source a note is about: as chosen, or the item and speaker
    of the moment and no source (for an edit, `kept`: the ones the note already has)."""
    if cmd.item_id == NO_LINK:
        item_id = None
    elif cmd.item_id:
        if cmd.item_id not in agenda_of(state).items:
            raise CommandError("That agenda item does not exist.", status=404)
        item_id = cmd.item_id
    else:
        item_id = kept.item_id if kept is not None else agenda_of(state).current_item_id
    if cmd.speaker_id == NO_LINK:
        speaker_id = None
    elif cmd.speaker_id:
        person = state.participants.get(cmd.speaker_id)
        if cmd.speaker_id != "facilitator" and (person is None or person.removed):
            raise CommandError("That person is not in the exchange.", status=404)
        speaker_id = cmd.speaker_id
    else:
        speaker_id = kept.speaker_id if kept is not None else _speaker_now(state)
    if cmd.source == NO_LINK:
        source = ""
    else:
        source = cmd.source or (kept.source if kept is not None else "")
    # A note with no source is logged as notes always were, without the key.
    return {"item_id": item_id, "speaker_id": speaker_id, **({"source": source} if source else {})}


def _version(state: RoomState, actor: Actor, cmd: c.PostNote, kept: NoteVersion | None = None) -> dict:
    text, flags = screened(cmd, cmd.text)
    tags = sorted(
        {tag.lower() for tag in c.TAG.findall(text)} | {tag.lstrip("#").lower() for tag in cmd.tags if tag.lstrip("#")}
    )
    return {
        "text": text,
        "kind": cmd.kind,
        "tags": tags,
        **_links(state, cmd, kept),
        "by": actor.role.value,
        "flags": flags,
    }


def post(state: RoomState, actor: Actor, cmd: c.PostNote, ctx: Context) -> Decision:
    if len(notebook_of(state).notes) >= MAX_NOTES:
        raise CommandError("This exchange has taken all the notes it can.", status=409)
    note_id = derive(ctx.nonce, "note")[:10]
    return Decision(
        [Draft("note.posted", {"note_id": note_id, **_version(state, actor, cmd)})], reply={"note_id": note_id}
    )


def _live_note(state: RoomState, note_id: str) -> Note:
    note = notebook_of(state).notes.get(note_id)
    if note is None or note.deleted_at is not None:
        raise CommandError("There is no such note; it may have been deleted.", status=404)
    return note


def edit(state: RoomState, actor: Actor, cmd: c.EditNote, ctx: Context) -> Decision:
    """A new version of the note. Two scribes editing at once both land, in log order:
    the later is the one shown, and the history keeps both."""
    note = _live_note(state, cmd.note_id)
    latest = note.latest
    version = _version(state, actor, cmd, kept=latest)
    unchanged = ("text", "kind", "tags", "item_id", "speaker_id", "source")
    if all(version.get(key, "") == getattr(latest, key) for key in unchanged):
        raise CommandError("Nothing to change.")
    return Decision([Draft("note.edited", {"note_id": note.id, **version})])


def delete(state: RoomState, actor: Actor, cmd: c.DeleteNote, ctx: Context) -> Decision:
    note = _live_note(state, cmd.note_id)
    return Decision([Draft("note.deleted", {"note_id": note.id})])


def ticker(state: RoomState, actor: Actor, cmd: c.ShowTicker, ctx: Context) -> Decision:
    if notebook_of(state).ticker == cmd.shown:
        raise CommandError(
            "The screen already shows the notes." if cmd.shown else "The notes are not on the screen.", status=409
        )
    return Decision([Draft("notes.ticker", {"shown": cmd.shown})])


def save_summary(state: RoomState, actor: Actor, cmd: c.SaveSummary, ctx: Context) -> Decision:
    item = agenda_of(state).items.get(cmd.item_id)
    if item is None:
        raise CommandError("That agenda item does not exist.", status=404)
    fields = cmd.model_dump(exclude={"id", "item_id"})
    summary = notebook_of(state).summaries.get(item.id)
    if summary is not None and summary.fields == fields:
        raise CommandError("Nothing to change.")
    return Decision([Draft("summary.saved", {"item_id": item.id, "fields": fields, "by": actor.role.value})])


def _organisation_for(state: RoomState, actor: Actor, asked: str) -> str:
    if actor.role is Role.PARTICIPANT:
        own = state.person_of(actor).organisation
        if asked and asked != own:
            raise CommandError("You can write only your own organisation's action plan.", status=403)
        return own
    if not asked:
        raise CommandError("Say which organisation the action plan is for.")
    known = {p.organisation for p in state.present()} | set(state.organisations)
    if asked not in known:
        raise CommandError(f"{asked} is not an organisation in this exchange.", status=404)
    return asked


def save_plan(state: RoomState, actor: Actor, cmd: c.SavePlan, ctx: Context) -> Decision:
    notebook = notebook_of(state)
    fields = cmd.model_dump(exclude={"id", "plan_id", "organisation"})
    if cmd.plan_id:
        plan = notebook.plans.get(cmd.plan_id)
        if plan is None or plan.deleted_at is not None:
            raise CommandError("There is no such action plan; it may have been deleted.", status=404)
        _organisation_for(state, actor, plan.organisation)  # a participant edits only their own organisation's
        if plan.fields == fields:
            raise CommandError("Nothing to change.")
        return Decision(
            [
                Draft(
                    "plan.saved",
                    {"plan_id": plan.id, "organisation": plan.organisation, "fields": fields, "by": actor.role.value},
                )
            ]
        )
    if len(notebook.plans) >= MAX_PLANS:
        raise CommandError("This exchange has taken all the action plans it can.", status=409)
    organisation = _organisation_for(state, actor, cmd.organisation)
    plan_id = derive(ctx.nonce, "plan")[:10]
    return Decision(
        [
            Draft(
                "plan.saved",
                {"plan_id": plan_id, "organisation": organisation, "fields": fields, "by": actor.role.value},
            )
        ],
        reply={"plan_id": plan_id},
    )


def delete_plan(state: RoomState, actor: Actor, cmd: c.DeletePlan, ctx: Context) -> Decision:
    plan = notebook_of(state).plans.get(cmd.plan_id)
    if plan is None or plan.deleted_at is not None:
        raise CommandError("There is no such action plan; it may have been deleted.", status=404)
    _organisation_for(state, actor, plan.organisation)
    return Decision([Draft("plan.deleted", {"plan_id": plan.id})])


def _note_version(event: Event) -> NoteVersion:
    data = event.data
    return NoteVersion(
        text=data["text"],
        kind=data["kind"],
        tags=data["tags"],
        item_id=data["item_id"],
        speaker_id=data["speaker_id"],
        at=event.at,
        by=data["by"],
        flags=data["flags"],
        source=data.get("source", ""),  # notes posted before notes had a source have none
    )


def on_posted(state: RoomState, event: Event) -> None:
    notebook_of(state).notes[event.data["note_id"]] = Note(event.data["note_id"], [_note_version(event)])


def on_edited(state: RoomState, event: Event) -> None:
    notebook_of(state).notes[event.data["note_id"]].versions.append(_note_version(event))


def on_deleted(state: RoomState, event: Event) -> None:
    notebook_of(state).notes[event.data["note_id"]].deleted_at = event.at


def on_ticker(state: RoomState, event: Event) -> None:
    notebook_of(state).ticker = event.data["shown"]


def on_summary_saved(state: RoomState, event: Event) -> None:
    summaries = notebook_of(state).summaries
    summary = summaries.setdefault(event.data["item_id"], Summary(event.data["item_id"]))
    summary.revisions.append(Revision(event.data["fields"], event.at, event.data["by"]))


def on_plan_saved(state: RoomState, event: Event) -> None:
    plans = notebook_of(state).plans
    plan = plans.setdefault(event.data["plan_id"], ActionPlan(event.data["plan_id"], event.data["organisation"]))
    plan.revisions.append(Revision(event.data["fields"], event.at, event.data["by"]))


def on_plan_deleted(state: RoomState, event: Event) -> None:
    notebook_of(state).plans[event.data["plan_id"]].deleted_at = event.at


DECIDERS: dict[type[Command], Decider] = {
    c.PostNote: post,
    c.EditNote: edit,
    c.DeleteNote: delete,
    c.ShowTicker: ticker,
    c.SaveSummary: save_summary,
    c.SavePlan: save_plan,
    c.DeletePlan: delete_plan,
}
APPLIERS: dict[str, Applier] = {
    "note.posted": on_posted,
    "note.edited": on_edited,
    "note.deleted": on_deleted,
    "notes.ticker": on_ticker,
    "summary.saved": on_summary_saved,
    "plan.saved": on_plan_saved,
    "plan.deleted": on_plan_deleted,
}
