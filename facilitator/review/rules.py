"""The pure rules of the review of commitments."""

from facilitator.review import commands as c
from facilitator.review.model import review_of
from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Event, RoomState
from facilitator.rooms.privacy import screened
from facilitator.timers.model import agenda_of


def open_review(state: RoomState, actor: Actor, cmd: c.OpenReview, ctx: Context) -> Decision:
    if state.previous is None:
        raise CommandError("Only an exchange that follows another reviews its commitments.", status=409)
    if review_of(state).item_id:
        raise CommandError("This exchange already has its review of commitments.", status=409)
    if cmd.item_id not in agenda_of(state).items:
        raise CommandError("There is no such agenda item.", status=404)
    organisations = list(dict.fromkeys(cmd.organisations))
    return Decision([Draft("review.opened", {"item_id": cmd.item_id, "organisations": organisations})])


def present(state: RoomState, actor: Actor, cmd: c.Present, ctx: Context) -> Decision:
    review = review_of(state)
    if not review.item_id:
        raise CommandError("This exchange has no review of commitments.", status=409)
    if cmd.organisation and cmd.organisation not in review.organisations:
        raise CommandError("That organisation made no commitments at the last exchange.", status=404)
    if cmd.organisation == review.presenting:
        raise CommandError("Nothing to change.")
    return Decision([Draft("review.presenting", {"organisation": cmd.organisation})])


def running(state: RoomState) -> bool:
    """Whether the review item is the agenda's current item."""
    review = review_of(state)
    return bool(review.item_id) and agenda_of(state).current_item_id == review.item_id


def update(state: RoomState, actor: Actor, cmd: c.UpdateStatus, ctx: Context) -> Decision:
    """Checked here, written there: no event in this room; the reply names the command the server
    sends, as itself, to the exchange this one follows, which checks the plan is theirs."""
    review = review_of(state)
    if state.previous is None or not review.item_id:
        raise CommandError("This exchange has no review of commitments.", status=409)
    if not running(state):
        raise CommandError("The review of commitments is not running now.", status=409)
    person = state.person_of(actor)
    if not review.presenting:
        raise CommandError("No organisation is presenting yet.", status=409)
    if person.organisation != review.presenting:
        raise CommandError(f"Only {review.presenting}'s participants can update their plans now.", status=403)
    note, flags = screened(cmd, cmd.note)
    relay = {
        "type": "milestone.relay",
        "plan_id": cmd.plan_id,
        "milestone": cmd.milestone,
        "status": cmd.status,
        "note": note,
        "confirm_identifiers": bool(flags),
        "via": state.code,
        "organisation": person.organisation,
        "name": person.name,
    }
    return Decision([], reply={"relay": {"room": state.previous.code, "command": relay}})


def on_opened(state: RoomState, event: Event) -> None:
    review = review_of(state)
    review.item_id = event.data["item_id"]
    review.organisations = list(event.data["organisations"])


def on_presenting(state: RoomState, event: Event) -> None:
    review_of(state).presenting = event.data["organisation"]


DECIDERS: dict[type[Command], Decider] = {
    c.OpenReview: open_review,
    c.Present: present,
    c.UpdateStatus: update,
}
APPLIERS: dict[str, Applier] = {"review.opened": on_opened, "review.presenting": on_presenting}
