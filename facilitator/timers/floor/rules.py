"""The pure rules of the floor: raise and lower hands, give and end turns, budgets."""

from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import (
    Actor,
    Command,
    CommandError,
    Context,
    Decision,
    Draft,
    Event,
    Role,
    RoomState,
)
from facilitator.timers.floor import commands as c
from facilitator.timers.floor.accounting import ordered_queue
from facilitator.timers.floor.model import FACILITATOR, Budget, Hand, Turn, floor_of
from facilitator.timers.model import agenda_of


def raise_hand(state: RoomState, actor: Actor, cmd: c.RaiseHand, ctx: Context) -> Decision:
    if actor.participant_id in floor_of(state).hands:
        return Decision([Draft("hand.lowered", {"participant_id": actor.participant_id})])
    return Decision([Draft("hand.raised", {"participant_id": actor.participant_id, "kind": cmd.kind})])


def lower_hand(state: RoomState, actor: Actor, cmd: c.LowerHand, ctx: Context) -> Decision:
    if actor.role is Role.PARTICIPANT:
        if cmd.participant_id not in (None, actor.participant_id):
            raise CommandError("You can lower only your own hand.", status=403)
        whose, missing = actor.participant_id, "Your hand is not raised."
    else:
        if not cmd.participant_id:
            raise CommandError("Say whose hand to lower.")
        whose, missing = cmd.participant_id, "That hand is not raised."
    if whose not in floor_of(state).hands:
        raise CommandError(missing, status=409)
    return Decision([Draft("hand.lowered", {"participant_id": whose})])


def give(state: RoomState, actor: Actor, cmd: c.GiveFloor, ctx: Context) -> Decision:
    floor = floor_of(state)
    if cmd.speaker is None:
        # The turn this decision ends counts as heard, up to now.
        waiting = ordered_queue(state, floor, ctx.now_ms)
        if not waiting:
            raise CommandError("Nobody is waiting for the floor.", status=409)
        speaker = waiting[0].participant_id
    else:
        speaker = cmd.speaker
    if speaker == FACILITATOR:
        organisation, name = "", "The facilitator"
    else:
        person = state.participants.get(speaker)
        if person is None or person.removed:
            raise CommandError("That person is not in the exchange.", status=404)
        organisation, name = person.organisation, person.name
    if floor.current is not None and floor.current.speaker == speaker:
        raise CommandError(f"{name} already has the floor.", status=409)
    drafts = [Draft("turn.ended", {})] if floor.current is not None else []
    drafts.append(
        Draft(
            "turn.started",
            {"speaker": speaker, "organisation": organisation, "item_id": agenda_of(state).current_item_id},
        )
    )
    return Decision(drafts)


def stop(state: RoomState, actor: Actor, cmd: c.EndTurn, ctx: Context) -> Decision:
    if floor_of(state).current is None:
        raise CommandError("Nobody has the floor.", status=409)
    return Decision([Draft("turn.ended", {})])


def configure(state: RoomState, actor: Actor, cmd: c.ConfigureFloor, ctx: Context) -> Decision:
    return Decision([Draft("floor.configured", cmd.changes())])


def start_budget(state: RoomState, actor: Actor, cmd: c.StartBudget, ctx: Context) -> Decision:
    organisations = sorted({p.organisation for p in state.present()}, key=str.casefold)
    if not organisations:
        raise CommandError("Nobody has joined yet, so there is no one to share the time between.", status=409)
    per_organisation = round(cmd.minutes * 60_000 / len(organisations))
    return Decision(
        [
            Draft(
                "budget.started",
                {
                    "item_id": agenda_of(state).current_item_id,
                    "organisations": organisations,
                    "per_organisation_ms": per_organisation,
                },
            )
        ]
    )


def add_budget(state: RoomState, actor: Actor, cmd: c.AddBudget, ctx: Context) -> Decision:
    budget = floor_of(state).budget
    if budget is None:
        raise CommandError("No speaking budget is set.", status=409)
    if cmd.organisation not in budget.organisations:
        raise CommandError(f"{cmd.organisation} has no budget in this discussion.", status=404)
    if cmd.minutes == 0:
        raise CommandError("Add or take off some time.")
    return Decision(
        [Draft("budget.extended", {"organisation": cmd.organisation, "delta_ms": round(cmd.minutes * 60_000)})]
    )


def clear_budget(state: RoomState, actor: Actor, cmd: c.ClearBudget, ctx: Context) -> Decision:
    if floor_of(state).budget is None:
        raise CommandError("No speaking budget is set.", status=409)
    return Decision([Draft("budget.cleared", {})])


def on_hand_raised(state: RoomState, event: Event) -> None:
    data = event.data
    floor_of(state).hands[data["participant_id"]] = Hand(data["participant_id"], data["kind"], event.at)


def on_hand_lowered(state: RoomState, event: Event) -> None:
    floor_of(state).hands.pop(event.data["participant_id"], None)


def on_turn_started(state: RoomState, event: Event) -> None:
    floor, data = floor_of(state), event.data
    floor.current = Turn(data["speaker"], data["organisation"], data["item_id"], started_at=event.at)
    floor.hands.pop(data["speaker"], None)  # having the floor answers the raised hand


def on_turn_ended(state: RoomState, event: Event) -> None:
    floor, turn = floor_of(state), floor_of(state).current
    assert turn is not None  # decide ends only a turn in progress
    turn.ended_at = event.at
    floor.turns.append(turn)
    floor.current = None


def on_configured(state: RoomState, event: Event) -> None:
    for key, value in event.data.items():
        setattr(floor_of(state).settings, key, value)


def on_budget_started(state: RoomState, event: Event) -> None:
    data = event.data
    floor_of(state).budget = Budget(data["item_id"], event.at, data["per_organisation_ms"], data["organisations"])


def on_budget_extended(state: RoomState, event: Event) -> None:
    budget = floor_of(state).budget
    assert budget is not None  # decide extends only a budget that runs
    extra = budget.extra_ms
    extra[event.data["organisation"]] = extra.get(event.data["organisation"], 0) + event.data["delta_ms"]


def on_budget_cleared(state: RoomState, event: Event) -> None:
    floor_of(state).budget = None


DECIDERS: dict[type[Command], Decider] = {
    c.RaiseHand: raise_hand,
    c.LowerHand: lower_hand,
    c.GiveFloor: give,
    c.EndTurn: stop,
    c.ConfigureFloor: configure,
    c.StartBudget: start_budget,
    c.AddBudget: add_budget,
    c.ClearBudget: clear_budget,
}
APPLIERS: dict[str, Applier] = {
    "hand.raised": on_hand_raised,
    "hand.lowered": on_hand_lowered,
    "turn.started": on_turn_started,
    "turn.ended": on_turn_ended,
    "floor.configured": on_configured,
    "budget.started": on_budget_started,
    "budget.extended": on_budget_extended,
    "budget.cleared": on_budget_cleared,
}
