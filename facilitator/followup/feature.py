"""Follow-up as the room sees it: its rules, its slice, its check-in deadlines (which outlive the
exchange), its reminders and its pages."""

from facilitator.followup import pages
from facilitator.followup.dates import opens_at_ms
from facilitator.followup.mail import remind
from facilitator.followup.model import STATUSES, Followup, followup_of
from facilitator.followup.rules import APPLIERS, DECIDERS
from facilitator.followup.views import FRAGMENTS, TOPICS, api_view
from facilitator.rooms.feature import Deadline, Feature
from facilitator.rooms.model import RoomState


def deadlines(state: RoomState) -> list[Deadline]:
    """Each check-in not yet open, at its time; the id names the check-in and its time, so every
    process that fires it sends the same command and the log keeps one opening."""
    waiting = []
    for checkin in followup_of(state).live_checkins():
        if checkin.opened_at is None:
            at = opens_at_ms(state, checkin.after)
            command = {"type": "checkin.open", "checkin_id": checkin.id, "at": at, "id": f"checkin-{checkin.id}-{at}"}
            waiting.append(Deadline(at, command))
    return waiting


feature = Feature(
    name="followup",
    deciders=DECIDERS,
    appliers=APPLIERS,
    init=Followup,
    fragments=FRAGMENTS,
    deadlines=deadlines,
    view=api_view,
    topics=TOPICS,
    routers=(pages.router,),
    template_globals={"milestone_statuses": STATUSES},
    kept_by=frozenset({"checkin.scheduled"}),
    reacts={"checkin.opened": remind},
    # The address a participant gave for reminders: read by the server's mailer alone.
    private={"contact.set": ("email",)},
)
