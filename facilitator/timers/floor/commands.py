"""Commands of the floor: hands are the participants', the floor is the facilitator's."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from facilitator.rooms.model import STAFF, Command, Line, Role

PARTICIPANTS = frozenset({Role.PARTICIPANT})


class RaiseHand(Command):
    """Raise a hand; sent again, it lowers it."""

    type: ClassVar[str] = "hand.raise"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "raise a hand"

    kind: Literal["comment", "clarify"] = "comment"


class LowerHand(Command):
    type: ClassVar[str] = "hand.lower"
    roles: ClassVar = PARTICIPANTS | STAFF
    action: ClassVar[str] = "lower a hand"

    # The facilitator names whose hand; a participant lowers their own.
    participant_id: Annotated[Line, Field(max_length=40)] | None = None


class GiveFloor(Command):
    type: ClassVar[str] = "floor.give"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "give the floor"

    # A participant id, "facilitator", or nothing for the next in the queue.
    speaker: Annotated[Line, Field(max_length=40)] | None = None


class EndTurn(Command):
    type: ClassVar[str] = "floor.stop"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "end a turn"


class ConfigureFloor(Command):
    type: ClassVar[str] = "floor.configure"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the floor settings"

    order: Literal["first", "person", "organisation"] | None = None
    turn_limit_seconds: int | None = Field(default=None, ge=0, le=3600)
    dominance_factor: float | None = Field(default=None, ge=1.0, le=10.0, allow_inf_nan=False)
    rotate_chair: bool | None = None


class StartBudget(Command):
    type: ClassVar[str] = "budget.start"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "set speaking budgets"

    minutes: float = Field(gt=0, le=600, allow_inf_nan=False)


class AddBudget(Command):
    type: ClassVar[str] = "budget.add"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change speaking budgets"

    organisation: Annotated[Line, Field(min_length=1, max_length=80)]
    minutes: float = Field(ge=-60, le=60, allow_inf_nan=False)


class ClearBudget(Command):
    type: ClassVar[str] = "budget.clear"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change speaking budgets"
