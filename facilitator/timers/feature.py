"""The timers feature as the room sees it: its rules, its state slice, its deadlines, its pages
(the agenda-file import)."""

from facilitator.rooms.feature import Deadline, Feature
from facilitator.rooms.model import RoomState
from facilitator.timers import pages
from facilitator.timers.model import Agenda, agenda_of
from facilitator.timers.rules import APPLIERS, DECIDERS
from facilitator.timers.views import FRAGMENTS, api_view


def deadlines(state: RoomState) -> list[Deadline]:
    agenda = agenda_of(state)
    waiting = []
    clock = agenda.clock
    if clock is not None and clock.deadline is not None and not clock.expired:
        waiting.append(
            Deadline(
                clock.deadline,
                {
                    "type": "timer.expire",
                    "run": clock.run,
                    "deadline": clock.deadline,
                    "id": f"expire-{clock.run}-{clock.deadline}",
                },
            )
        )
    if agenda.scheduled_item is not None and agenda.scheduled_at is not None:
        waiting.append(
            Deadline(
                agenda.scheduled_at,
                {
                    "type": "timer.begin",
                    "item_id": agenda.scheduled_item,
                    "at": agenda.scheduled_at,
                    "id": f"begin-{agenda.scheduled_item}-{agenda.scheduled_at}",
                },
            )
        )
    return waiting


feature = Feature(
    name="timers",
    deciders=DECIDERS,
    appliers=APPLIERS,
    init=Agenda,
    fragments=FRAGMENTS,
    deadlines=deadlines,
    view=api_view,
    routers=(pages.router,),
)
