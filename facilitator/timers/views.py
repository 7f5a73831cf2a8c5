"""What each surface shows of the agenda and the clock: computed here, printed by templates.

Clock fragments carry the deadline (or the remaining time when paused) as
data attributes; static/clock.js counts down locally, so a running clock
costs no traffic at all.
"""

from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Role
from facilitator.rooms.views import Scene, duration, people_choices
from facilitator.timers.model import KINDS, Agenda, Item, agenda_of
from facilitator.timers.run_of_show import Moment, run_of_show

# What the agenda's fragments read (see rooms/changes.py): the agenda, and the room for "ended".
AGENDA = frozenset({"timers", "room"})


def clock(scene: Scene) -> dict:
    """Everything a countdown needs, for the screen, the console and the phones alike."""
    agenda = agenda_of(scene.state)
    running = agenda.clock
    settings = agenda.settings
    base = {
        "active": False,
        "amber_ms": settings.amber_seconds * 1000,
        "red_ms": settings.red_seconds * 1000,
        "message": _message(agenda.screen_message),
        "next": _title(agenda.next_item()),
        "scheduled": _scheduled(agenda),
        "ended": scene.state.ended,
    }
    if running is None:
        return base
    item = agenda.items[running.item_id]
    phase = item.phases[running.phase]
    return base | {
        "active": True,
        "item_id": item.id,
        "title": item.title,
        "kind": KINDS[item.kind],
        "organisation": item.organisation,
        "presenter": item.presenter,
        "phase": phase.name,
        "phase_number": running.phase + 1,
        "phase_count": len(item.phases),
        "deadline": running.deadline,
        "remaining": running.remaining,
        "paused": not running.running,
        "expired": running.expired,
        "planned": duration(running.planned_ms),
        "shown": duration(running.remaining) if running.remaining is not None else duration(running.planned_ms),
        "prompt": item.qa_prompt if phase.name == "Questions" else "",
        "next": _title(agenda.next_item(item.id)),
    }


def _title(item: Item | None) -> str:
    return item.title if item else ""


def _message(message) -> dict | None:
    return None if message is None else {"text": message.text, "tone": message.tone, "flash": message.flash}


def _scheduled(agenda: Agenda) -> dict | None:
    if agenda.scheduled_item is None:
        return None
    return {"title": agenda.items[agenda.scheduled_item].title, "at": agenda.scheduled_at}


def moment(at: Moment) -> dict[str, int | str]:
    """A projected time as the console's script reads it (static/cockpit.js): max(fixed, now + after_now)."""
    return {"fixed": at.fixed, "after_now": "" if at.after_now is None else at.after_now}


def run_of_show_view(scene: Scene) -> dict:
    """The console's run of show: the projected end against the planned one, and the next item."""
    agenda = agenda_of(scene.state)
    show = scene.once("timers.run-of-show", lambda: run_of_show(agenda))
    following = agenda.next_item(agenda.current_item_id) or agenda.next_item()
    next_item = None
    if following is not None:
        next_item = {
            "title": following.title,
            "kind": KINDS[following.kind],
            "planned": duration(following.planned_ms),
            "start": moment(show.slot(following.id).start),
        }
    return {
        "items": bool(show.slots),
        "end": moment(show.end),
        "planned_end": show.planned_end,
        "over": all(slot.status == "done" for slot in show.slots),
        "next": next_item,
    }


def agenda_phone(scene: Scene) -> dict:
    """The agenda on a phone: titles and lengths, the current item marked; nothing that changes
    while an item runs, so a pause or a minute added sends phones nothing."""
    agenda = agenda_of(scene.state)
    current = agenda.current_item_id
    rows = [
        (item.title, duration(item.planned_ms), "now" if item.id == current else "done" if item.done else "")
        for item in agenda.ordered()
    ]
    position = agenda.order.index(current) + 1 if current in agenda.order else 0
    return {"rows": rows, "position": position}


def agenda_rows(scene: Scene) -> dict:
    agenda = agenda_of(scene.state)
    current = agenda.current_item_id
    show = scene.once("timers.run-of-show", lambda: run_of_show(agenda))
    rows = []
    for position, item in enumerate(agenda.ordered()):
        status = (
            "current"
            if item.id == current
            else "done"
            if item.done
            else "scheduled"
            if item.id == agenda.scheduled_item
            else "planned"
        )
        rows.append(
            {
                "id": item.id,
                "position": position,
                "last": position == len(agenda.order) - 1,
                "kind": KINDS[item.kind],
                "kind_key": item.kind,
                "title": item.title,
                "organisation": item.organisation,
                "presenter": item.presenter,
                "phases": " + ".join(f"{p.name} {duration(p.planned_ms)}" for p in item.phases),
                "planned": duration(item.planned_ms),
                "actual": duration(item.actual_ms),
                "overrun": duration(item.overrun_ms, signed=True) if item.overrun_ms else "",
                "started_at": item.started_at,
                "status": status,
                "projected": moment(show.slot(item.id).start) if status in ("planned", "scheduled") else None,
                "qa_prompt": item.qa_prompt,
                "edit": _edit_fields(item),
            }
        )
    return {"rows": rows, "ended": scene.state.ended}


def agenda_add(scene: Scene) -> dict:
    """The add-item form: its own fragment, so the agenda changing never resets what is being typed."""
    return {
        "people": people_choices(scene),
        "organisations": scene.state.organisations,
        "kinds": KINDS,
        "first": not agenda_of(scene.state).order,
        "ended": scene.state.ended,
    }


def agenda_schedule(scene: Scene) -> dict:
    waiting = [
        {"id": item.id, "title": item.title} for item in agenda_of(scene.state).ordered() if item.started_at is None
    ]
    return {"waiting": waiting, "ended": scene.state.ended}


def _edit_fields(item: Item) -> dict[str, str | float]:
    fields: dict[str, str | float] = {
        "title": item.title,
        "organisation": item.organisation,
        "presenter": item.presenter,
        "qa_prompt": item.qa_prompt,
    }
    if item.kind == "case":
        fields["presentation_minutes"] = _minutes(item.phases[0].planned_ms)
        fields["qa_minutes"] = _minutes(item.phases[1].planned_ms) if len(item.phases) > 1 else 0
    else:
        fields["minutes"] = _minutes(item.phases[0].planned_ms)
    return fields


def _minutes(ms: int) -> float | int:
    minutes = ms / 60_000
    return int(minutes) if minutes == int(minutes) else round(minutes, 2)


def discipline(scene: Scene) -> dict:
    """The running time-discipline summary: how honest the slots have been so far."""
    items = agenda_of(scene.state).ordered()
    done = [item for item in items if item.done]
    overrun = sum(item.overrun_ms or 0 for item in done)
    return {
        "done": len(done),
        "total": len(items),
        "on_time": sum(1 for item in done if not item.overrun_ms),
        "overrun": duration(overrun, signed=True) if overrun else "0:00",
        "planned": duration(sum(item.planned_ms for item in items)),
        "actual": duration(sum(item.actual_ms or 0 for item in done)),
    }


def timer_settings(scene: Scene) -> dict:
    settings = agenda_of(scene.state).settings
    return {
        "amber": settings.amber_seconds,
        "red": settings.red_seconds,
        "auto_phase": settings.auto_advance_phase,
        "auto_item": settings.auto_advance_item,
        "ended": scene.state.ended,
    }


def presenter_message(scene: Scene, viewer: Actor) -> dict:
    agenda = agenda_of(scene.state)
    item = agenda.current()
    mine = item is not None and viewer.participant_id is not None and item.presenter_id == viewer.participant_id
    return {"message": _message(agenda.presenter_message) if mine else None, "presenting": mine}


def api_view(scene: Scene, viewer: Actor) -> dict:
    """The agenda in the state API: plan versus actual per item, and the summary."""
    agenda = agenda_of(scene.state)
    view = {
        "clock": clock(scene),
        "discipline": discipline(scene),
        "items": [
            {
                "id": item.id,
                "kind": item.kind,
                "title": item.title,
                "organisation": item.organisation,
                "presenter": item.presenter,
                "planned_ms": item.planned_ms,
                "actual_ms": item.actual_ms,
                "overrun_ms": item.overrun_ms,
                "started_at": item.started_at,
                "ended_at": item.ended_at,
                "phases": [
                    {
                        "name": run.name,
                        "planned_ms": run.planned_ms,
                        "started_at": run.started_at,
                        "ended_at": run.ended_at,
                        "extended_ms": run.extended_ms,
                        "paused_ms": run.paused_ms,
                    }
                    for run in item.runs
                ],
            }
            for item in agenda.ordered()
        ],
    }
    if viewer.role is Role.FACILITATOR:
        view["settings"] = timer_settings(scene)
    return view


FRAGMENTS = (
    Fragment("clock-console", frozenset({"console"}), clock, reads=AGENDA),
    Fragment("clock-phone", frozenset({"phone", "scribe"}), clock, reads=AGENDA),
    Fragment("agenda", frozenset({"console"}), agenda_rows, reads=AGENDA),
    Fragment("agenda-add", frozenset({"console"}), agenda_add, reads=AGENDA | {"participants"}),
    Fragment("agenda-schedule", frozenset({"console"}), agenda_schedule, reads=AGENDA),
    Fragment("discipline", frozenset({"console"}), discipline, reads=AGENDA),
    Fragment("run-of-show", frozenset({"console"}), run_of_show_view, reads=AGENDA),
    Fragment("agenda-phone", frozenset({"phone"}), agenda_phone, reads=AGENDA),
    Fragment("timer-settings", frozenset({"console"}), timer_settings, reads=AGENDA),
    Fragment("presenter-message", frozenset({"phone"}), presenter_message, per_viewer=True, reads=AGENDA),
)
