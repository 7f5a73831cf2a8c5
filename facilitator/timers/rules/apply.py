"""How agenda and timer events change the state: the `apply` half of the rules."""

from facilitator.rooms.feature import Applier
from facilitator.rooms.model import Event, RoomState
from facilitator.timers.model import Agenda, Clock, Item, Message, Phase, PhaseRun, agenda_of


def _item_from(data: dict) -> Item:
    phases = [Phase(p["name"], p["planned_ms"]) for p in data["phases"]]
    return Item(
        id=data["id"],
        kind=data["kind"],
        title=data["title"],
        phases=phases,
        organisation=data["organisation"],
        presenter=data["presenter"],
        presenter_id=data["presenter_id"],
        qa_prompt=data["qa_prompt"],
    )


def on_item_added(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    item = _item_from(event.data["item"])
    agenda.items[item.id] = item
    agenda.order.insert(min(event.data["position"], len(agenda.order)), item.id)


def on_item_updated(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    fresh = _item_from(event.data["item"])
    old = agenda.items[fresh.id]
    # The plan changes; what already ran stays as it ran.
    fresh.started_at, fresh.ended_at, fresh.runs = old.started_at, old.ended_at, old.runs
    agenda.items[fresh.id] = fresh


def on_item_removed(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    del agenda.items[event.data["item_id"]]
    agenda.order.remove(event.data["item_id"])
    if agenda.scheduled_item == event.data["item_id"]:
        agenda.scheduled_item = agenda.scheduled_at = None


def on_item_moved(state: RoomState, event: Event) -> None:
    order = agenda_of(state).order
    order.remove(event.data["item_id"])
    order.insert(event.data["position"], event.data["item_id"])


def on_imported(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    if event.data["replace"]:
        current = agenda.current_item_id
        for item_id in list(agenda.order):
            if agenda.items[item_id].started_at is None and item_id != current:
                del agenda.items[item_id]
                agenda.order.remove(item_id)
                if agenda.scheduled_item == item_id:
                    agenda.scheduled_item = agenda.scheduled_at = None
    for data in event.data["items"]:
        item = _item_from(data)
        agenda.items[item.id] = item
        agenda.order.append(item.id)


def _close_open_run(agenda: Agenda, at: int) -> None:
    if agenda.clock is None:
        return
    item = agenda.items[agenda.clock.item_id]
    if item.runs and item.runs[-1].ended_at is None:
        run = item.runs[-1]
        run.ended_at = at
        if agenda.clock.paused_at is not None:
            run.paused_ms += at - agenda.clock.paused_at


def on_phase_started(state: RoomState, event: Event) -> None:
    agenda, data = agenda_of(state), event.data
    item = agenda.items[data["item_id"]]
    if agenda.clock is None or agenda.clock.item_id != item.id:  # a new item, from another or from idle
        agenda.screen_message = agenda.presenter_message = None
    _close_open_run(agenda, event.at)
    agenda.clock = Clock(
        item_id=item.id, phase=data["phase"], run=data["run"], planned_ms=data["planned_ms"], deadline=data["deadline"]
    )
    agenda.runs = data["run"]
    if item.started_at is None:
        item.started_at = event.at
    item.runs.append(PhaseRun(item.phases[data["phase"]].name, data["planned_ms"], started_at=event.at))


def on_paused(state: RoomState, event: Event) -> None:
    clock = agenda_of(state).current_clock()
    clock.remaining, clock.deadline, clock.paused_at = event.data["remaining"], None, event.at


def on_resumed(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    clock = agenda.current_clock()
    if clock.paused_at is not None:
        agenda.items[clock.item_id].runs[-1].paused_ms += event.at - clock.paused_at
    clock.deadline, clock.remaining, clock.paused_at = event.data["deadline"], None, None


def on_adjusted(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    clock, delta = agenda.current_clock(), event.data["delta_ms"]
    clock.planned_ms += delta
    if clock.deadline is not None:
        clock.deadline += delta
    else:
        clock.remaining = clock.left(event.at) + delta
    if clock.left(event.at) > 0:
        clock.expired = False  # time was added back: the phase will end again later
    agenda.items[clock.item_id].runs[-1].extended_ms += delta


def on_phase_ended(state: RoomState, event: Event) -> None:
    agenda_of(state).current_clock().expired = True


def on_item_finished(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    _close_open_run(agenda, event.at)
    agenda.items[event.data["item_id"]].ended_at = event.at
    agenda.clock = None
    agenda.screen_message = agenda.presenter_message = None


def on_scheduled(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    agenda.scheduled_item, agenda.scheduled_at = event.data["item_id"], event.data["at"]


def on_unscheduled(state: RoomState, event: Event) -> None:
    agenda = agenda_of(state)
    agenda.scheduled_item = agenda.scheduled_at = None


def on_configured(state: RoomState, event: Event) -> None:
    settings = agenda_of(state).settings
    for key, value in event.data.items():
        setattr(settings, key, value)


def on_message_shown(state: RoomState, event: Event) -> None:
    data = event.data
    message = Message(data["text"], data["tone"], data["flash"], event.at)
    if data["target"] == "screen":
        agenda_of(state).screen_message = message
    else:
        agenda_of(state).presenter_message = message


def on_message_cleared(state: RoomState, event: Event) -> None:
    if event.data["target"] == "screen":
        agenda_of(state).screen_message = None
    else:
        agenda_of(state).presenter_message = None


APPLIERS: dict[str, Applier] = {
    "agenda.item_added": on_item_added,
    "agenda.item_updated": on_item_updated,
    "agenda.item_removed": on_item_removed,
    "agenda.item_moved": on_item_moved,
    "agenda.imported": on_imported,
    "timer.phase_started": on_phase_started,
    "timer.paused": on_paused,
    "timer.resumed": on_resumed,
    "timer.adjusted": on_adjusted,
    "timer.phase_ended": on_phase_ended,
    "timer.item_finished": on_item_finished,
    "timer.scheduled": on_scheduled,
    "timer.unscheduled": on_unscheduled,
    "timer.configured": on_configured,
    "message.shown": on_message_shown,
    "message.cleared": on_message_cleared,
}
