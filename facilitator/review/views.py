"""What the review shows: on the screen, the presenting organisation's plans from the exchange
before, with each milestone's status; on the console, the organisations to step through; on
the phones, who presents and, for them, the way to update their plans."""

from facilitator.followup.model import MILESTONES, STATUSES, followup_of
from facilitator.review.model import REVIEW_TITLE, review_of
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import RoomState
from facilitator.rooms.views import Scene
from facilitator.scribe.model import PLAN_FIELDS, notebook_of
from facilitator.timers.model import agenda_of

LIGHTS = {"not_started": "grey", "on_track": "green", "at_risk": "amber", "done": "green", "dropped": "grey"}
# The review's fragments read the room's own review and agenda, and the exchange before ("linked").
READS = frozenset({"review", "timers", "room", "linked"})


def commitments(previous: RoomState, organisation: str) -> list[dict]:
    """An organisation's live plans in the exchange they were made in, with each milestone's status."""
    followup = followup_of(previous)
    shown = []
    for plan in notebook_of(previous).live_plans():
        if plan.organisation != organisation:
            continue
        milestones = []
        for key, (field, _after) in MILESTONES.items():
            status = followup.milestone(plan.id, key).status
            milestones.append(
                {
                    "key": key,
                    "label": PLAN_FIELDS[field],
                    "text": plan.fields.get(field, ""),
                    "status": status,
                    "status_label": STATUSES[status],
                    "light": LIGHTS[status],
                }
            )
        shown.append(
            {
                "id": plan.id,
                "change": plan.fields.get("change", ""),
                "owner": plan.fields.get("owner", ""),
                "milestones": milestones,
            }
        )
    return shown


def review(scene: Scene) -> dict:
    """The review as every surface sees it: whether it runs now, who presents, and their plans."""
    state = scene.state
    current = review_of(state)
    running = bool(current.item_id) and agenda_of(state).current_item_id == current.item_id
    previous = scene.previous
    return {
        "code": state.code,
        "title": REVIEW_TITLE,
        "running": running and not state.ended,
        "exists": bool(current.item_id),
        "organisations": current.organisations,
        "presenting": current.presenting,
        "next": _after(current.organisations, current.presenting),
        "previous": state.previous.title if state.previous else "",
        "plans": commitments(previous, current.presenting) if running and previous and current.presenting else [],
        "statuses": STATUSES,
    }


def _after(organisations: list[str], presenting: str) -> str:
    """The organisation after the one presenting (the first when nobody is); "" after the last."""
    if presenting not in organisations:
        return organisations[0] if organisations else ""
    place = organisations.index(presenting) + 1
    return organisations[place] if place < len(organisations) else ""


FRAGMENTS = (
    Fragment("review-screen", frozenset({"screen"}), review, reads=READS),
    Fragment("review-console", frozenset({"console"}), review, reads=READS),
    Fragment("review-phone", frozenset({"phone"}), review, reads=frozenset({"review", "timers", "room"})),
)
