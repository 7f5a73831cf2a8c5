"""How the agenda and its clock answer commands: the `decide` half of the rules.

Time arrives with each command (`ctx.now_ms`); a running phase is a deadline.
Deadlines are fired by the scheduler as `timer.expire` commands from the
server itself, keyed by the phase run, so firing one twice changes nothing.
"""

from typing import Any

from facilitator.rooms.feature import Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, RoomState
from facilitator.rooms.secrets import derive
from facilitator.timers import commands as c
from facilitator.timers.model import KINDS, Agenda, Clock, Item, agenda_of

DAY_MS = 24 * 3600 * 1000
EARLY_FIRE_TOLERANCE_MS = 50
# A start is planned days ahead at most: a later one is a typo, not a plan.
SCHEDULE_AHEAD_DAYS = 7
DEFAULT_PRESENTATION_MINUTES, DEFAULT_QA_MINUTES = 15, 5


# -- the plan -------------------------------------------------------------


def plan(spec: c.ItemSpec, item_id: str) -> dict:
    """An item's plan as event data: phases in milliseconds, a title it can be called by."""
    if spec.kind == "case":
        presentation = (
            spec.presentation_minutes if spec.presentation_minutes is not None else DEFAULT_PRESENTATION_MINUTES
        )
        qa = spec.qa_minutes if spec.qa_minutes is not None else DEFAULT_QA_MINUTES
        phases = [("Presentation", presentation)] + ([("Questions", qa)] if qa > 0 else [])
        title = spec.title or spec.organisation
    else:
        assert spec.minutes is not None  # ItemSpec requires it of every kind but a case
        phases, title = [(KINDS[spec.kind], spec.minutes)], spec.title
    return {
        "id": item_id,
        "kind": spec.kind,
        "title": title,
        "organisation": spec.organisation,
        "presenter": spec.presenter,
        "presenter_id": spec.presenter_id,
        "qa_prompt": spec.qa_prompt,
        "phases": [{"name": name, "planned_ms": round(minutes * 60_000)} for name, minutes in phases],
    }


def _spec_of(item: Item) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "kind": item.kind,
        "title": item.title,
        "organisation": item.organisation,
        "presenter": item.presenter,
        "presenter_id": item.presenter_id,
        "qa_prompt": item.qa_prompt,
    }
    if item.kind == "case":
        spec["presentation_minutes"] = item.phases[0].planned_ms / 60_000
        spec["qa_minutes"] = item.phases[1].planned_ms / 60_000 if len(item.phases) > 1 else 0
    else:
        spec["minutes"] = item.phases[0].planned_ms / 60_000
    return spec


def _check_presenter(state: RoomState, spec: c.ItemSpec) -> None:
    if spec.presenter_id:
        person = state.participants.get(spec.presenter_id)
        if person is None or person.removed:
            raise CommandError("The presenter must be someone in the exchange.")


def _item(agenda: Agenda, item_id: str | None) -> Item:
    item = agenda.items.get(item_id or "")
    if item is None:
        raise CommandError("There is no such item on the agenda.", status=404)
    return item


def add(state: RoomState, actor: Actor, cmd: c.AddItem, ctx: Context) -> Decision:
    _check_presenter(state, cmd)
    item = plan(cmd, derive(ctx.nonce, "item")[:10])
    position = len(agenda_of(state).order) if cmd.position is None else cmd.position
    return Decision([Draft("agenda.item_added", {"item": item, "position": position})])


def update(state: RoomState, actor: Actor, cmd: c.UpdateItem, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    item = _item(agenda, cmd.item_id)
    changes = cmd.changes("item_id")
    try:
        spec = c.ItemSpec.model_validate(_spec_of(item) | changes)
    except ValueError as error:
        raise CommandError(f"That change would leave the item invalid: {error}") from None
    _check_presenter(state, spec)
    planned = plan(spec, item.id)
    if agenda.clock and agenda.clock.item_id == item.id and agenda.clock.phase >= len(planned["phases"]):
        raise CommandError(
            f"{item.title} is in its {item.phases[agenda.clock.phase].name} phase; move on before removing it.",
            status=409,
        )
    return Decision([Draft("agenda.item_updated", {"item": planned})])


def remove(state: RoomState, actor: Actor, cmd: c.RemoveItem, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    item = _item(agenda, cmd.item_id)
    if agenda.clock and agenda.clock.item_id == item.id:
        raise CommandError("Finish the current item before removing it.", status=409)
    if item.started_at is not None:
        raise CommandError(f"{item.title} has already run; it stays in the record.", status=409)
    return Decision([Draft("agenda.item_removed", {"item_id": item.id})])


def move(state: RoomState, actor: Actor, cmd: c.MoveItem, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    item = _item(agenda, cmd.item_id)
    position = min(cmd.position, len(agenda.order) - 1)
    if agenda.order.index(item.id) == position:
        raise CommandError("The item is already there.", status=409)
    return Decision([Draft("agenda.item_moved", {"item_id": item.id, "position": position})])


def import_agenda(state: RoomState, actor: Actor, cmd: c.ImportAgenda, ctx: Context) -> Decision:
    for spec in cmd.items:
        _check_presenter(state, spec)
    items = [plan(spec, derive(ctx.nonce, f"item:{i}")[:10]) for i, spec in enumerate(cmd.items)]
    return Decision([Draft("agenda.imported", {"items": items, "replace": cmd.replace})])


# -- the clock ------------------------------------------------------------


def _running_clock(agenda: Agenda, cmd: c.TimerCommand) -> Clock:
    if agenda.clock is None:
        raise CommandError("No item is running.", status=409)
    if cmd.item_id and cmd.item_id != agenda.clock.item_id:
        item = agenda.items.get(cmd.item_id)
        name = item.title if item else "That item"
        raise CommandError(f"{name} is not the current item.", status=409)
    return agenda.clock


def _phase_start(item: Item, phase: int, run: int, now: int) -> Draft:
    planned = item.phases[phase].planned_ms
    return Draft(
        "timer.phase_started",
        {"item_id": item.id, "phase": phase, "run": run, "planned_ms": planned, "deadline": now + planned},
    )


def _begin(agenda: Agenda, item: Item, phase: int, now: int) -> list[Draft]:
    """Leave whatever runs now and start `item` at `phase`."""
    if item.done:
        raise CommandError(f"{item.title} has already run.", status=409)
    if phase >= len(item.phases):
        raise CommandError(f"{item.title} has no phase {phase + 1}.")
    drafts = []
    if agenda.clock is not None:
        if agenda.clock.item_id == item.id:
            raise CommandError(f"{item.title} is already running.", status=409)
        drafts.append(Draft("timer.item_finished", {"item_id": agenda.clock.item_id}))
    return drafts + [_phase_start(item, phase, agenda.runs + 1, now)]


def start(state: RoomState, actor: Actor, cmd: c.StartTimer, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    current = agenda.current_item_id
    item = _item(agenda, cmd.item_id) if cmd.item_id else agenda.next_item(current) or agenda.next_item()
    if item is None:
        raise CommandError("Every item on the agenda has run." if agenda.order else "The agenda is empty.", 409)
    drafts = _begin(agenda, item, cmd.phase, ctx.now_ms)
    if agenda.scheduled_item is not None:
        drafts.insert(0, Draft("timer.unscheduled", {}))
    return Decision(drafts)


def schedule(state: RoomState, actor: Actor, cmd: c.ScheduleStart, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    current = agenda.current_item_id
    item = _item(agenda, cmd.item_id) if cmd.item_id else agenda.next_item(current) or agenda.next_item()
    if item is None or item.done:
        raise CommandError("There is no item left to schedule.", status=409)
    if item.id == current:
        raise CommandError(f"{item.title} is already running.", status=409)
    at = cmd.at_ms if cmd.at is None else next_time_of_day(cmd.at, cmd.utc_offset_minutes, ctx.now_ms)
    assert at is not None  # ScheduleStart holds one of the two
    if at <= ctx.now_ms:
        raise CommandError("That time has already passed.")
    if at > ctx.now_ms + SCHEDULE_AHEAD_DAYS * DAY_MS:
        raise CommandError(f"A start can be scheduled at most {SCHEDULE_AHEAD_DAYS} days ahead.")
    return Decision([Draft("timer.scheduled", {"item_id": item.id, "at": at})])


def next_time_of_day(hh_mm: str, utc_offset_minutes: int, now: int) -> int:
    """The next moment the facilitator's wall clock reads `hh_mm` (today, else tomorrow)."""
    hours, minutes = (int(part) for part in hh_mm.split(":"))
    offset = utc_offset_minutes * 60_000
    midnight_local = (now + offset) // DAY_MS * DAY_MS
    at = midnight_local + (hours * 60 + minutes) * 60_000 - offset
    return at if at > now else at + DAY_MS


def unschedule(state: RoomState, actor: Actor, cmd: c.CancelSchedule, ctx: Context) -> Decision:
    if agenda_of(state).scheduled_item is None:
        raise CommandError("No start is scheduled.", status=409)
    return Decision([Draft("timer.unscheduled", {})])


def begin(state: RoomState, actor: Actor, cmd: c.BeginScheduled, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    if (agenda.scheduled_item, agenda.scheduled_at) != (cmd.item_id, cmd.at):
        raise CommandError("That scheduled start was cancelled or replaced.", status=409)
    if ctx.now_ms < cmd.at - EARLY_FIRE_TOLERANCE_MS:
        raise CommandError("It is not time for that item yet.", status=409)
    return Decision([Draft("timer.unscheduled", {})] + _begin(agenda, _item(agenda, cmd.item_id), 0, ctx.now_ms))


def pause(state: RoomState, actor: Actor, cmd: c.PauseTimer, ctx: Context) -> Decision:
    clock = _running_clock(agenda_of(state), cmd)
    if not clock.running:
        raise CommandError("The timer is already paused.", status=409)
    return Decision([Draft("timer.paused", {"run": clock.run, "remaining": clock.left(ctx.now_ms)})])


def resume(state: RoomState, actor: Actor, cmd: c.ResumeTimer, ctx: Context) -> Decision:
    clock = _running_clock(agenda_of(state), cmd)
    if clock.running:
        raise CommandError("The timer is already running.", status=409)
    return Decision([Draft("timer.resumed", {"run": clock.run, "deadline": ctx.now_ms + clock.left(ctx.now_ms)})])


def adjust(state: RoomState, actor: Actor, cmd: c.AdjustTimer, ctx: Context) -> Decision:
    clock = _running_clock(agenda_of(state), cmd)
    if cmd.seconds == 0:
        raise CommandError("Add or take off at least one second.")
    delta = cmd.seconds * 1000
    if clock.planned_ms + delta < 0:
        raise CommandError("The phase cannot be shorter than nothing.")
    return Decision([Draft("timer.adjusted", {"run": clock.run, "delta_ms": delta})])


def restart(state: RoomState, actor: Actor, cmd: c.RestartPhase, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    clock = _running_clock(agenda, cmd)
    return Decision([_phase_start(agenda.items[clock.item_id], clock.phase, agenda.runs + 1, ctx.now_ms)])


def _advance(agenda: Agenda, now: int, into_next_item: bool) -> list[Draft]:
    """Leave the current phase for the next one, or the item (and maybe start the next)."""
    clock = agenda.current_clock()
    item = agenda.items[clock.item_id]
    if clock.phase + 1 < len(item.phases):
        return [_phase_start(item, clock.phase + 1, agenda.runs + 1, now)]
    drafts = [Draft("timer.item_finished", {"item_id": item.id})]
    following = agenda.next_item(item.id)
    if into_next_item and following is not None:
        if agenda.scheduled_item == following.id:
            drafts.append(Draft("timer.unscheduled", {}))  # reached early: its start is moot
        drafts.append(_phase_start(following, 0, agenda.runs + 1, now))
    return drafts


def next_phase(state: RoomState, actor: Actor, cmd: c.NextPhase, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    _running_clock(agenda, cmd)
    return Decision(_advance(agenda, ctx.now_ms, into_next_item=True))


def finish(state: RoomState, actor: Actor, cmd: c.FinishItem, ctx: Context) -> Decision:
    clock = _running_clock(agenda_of(state), cmd)
    return Decision([Draft("timer.item_finished", {"item_id": clock.item_id})])


def expire(state: RoomState, actor: Actor, cmd: c.ExpirePhase, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    clock = agenda.clock
    if clock is None or clock.run != cmd.run or clock.deadline != cmd.deadline or clock.expired:
        raise CommandError("That deadline no longer applies.", status=409)
    if ctx.now_ms < cmd.deadline - EARLY_FIRE_TOLERANCE_MS:
        raise CommandError("That deadline has not passed yet.", status=409)
    drafts = [
        Draft(
            "timer.phase_ended",
            {"item_id": clock.item_id, "phase": clock.phase, "run": clock.run, "deadline": cmd.deadline},
        )
    ]
    item = agenda.items[clock.item_id]
    last_phase = clock.phase + 1 >= len(item.phases)
    if agenda.settings.auto_advance_phase and not last_phase:
        drafts += _advance(agenda, ctx.now_ms, into_next_item=False)
    elif last_phase and agenda.settings.auto_advance_item and agenda.next_item(item.id) is not None:
        drafts += _advance(agenda, ctx.now_ms, into_next_item=True)
    return Decision(drafts)


def configure(state: RoomState, actor: Actor, cmd: c.ConfigureTimers, ctx: Context) -> Decision:
    return Decision([Draft("timer.configured", cmd.changes())])


def show_message(state: RoomState, actor: Actor, cmd: c.ShowMessage, ctx: Context) -> Decision:
    if cmd.target == "presenter":
        item = agenda_of(state).current()
        if item is None or not item.presenter_id:
            raise CommandError("The current item has no presenter on the roster to send to.", status=409)
    return Decision(
        [Draft("message.shown", {"text": cmd.text, "tone": cmd.tone, "flash": cmd.flash, "target": cmd.target})]
    )


def clear_message(state: RoomState, actor: Actor, cmd: c.ClearMessage, ctx: Context) -> Decision:
    agenda = agenda_of(state)
    shown = agenda.screen_message if cmd.target == "screen" else agenda.presenter_message
    if shown is None:
        raise CommandError("There is no message to clear.", status=409)
    return Decision([Draft("message.cleared", {"target": cmd.target})])


DECIDERS: dict[type[Command], Decider] = {
    c.AddItem: add,
    c.UpdateItem: update,
    c.RemoveItem: remove,
    c.MoveItem: move,
    c.ImportAgenda: import_agenda,
    c.StartTimer: start,
    c.ScheduleStart: schedule,
    c.CancelSchedule: unschedule,
    c.BeginScheduled: begin,
    c.PauseTimer: pause,
    c.ResumeTimer: resume,
    c.AdjustTimer: adjust,
    c.RestartPhase: restart,
    c.NextPhase: next_phase,
    c.FinishItem: finish,
    c.ExpirePhase: expire,
    c.ConfigureTimers: configure,
    c.ShowMessage: show_message,
    c.ClearMessage: clear_message,
}
