"""The floor as plain data folded from the log: hands, turns, settings and budgets.

A turn is a start and an end in server time; every total is an exact sum of
ended turns, plus, while someone speaks, the time since their turn began.
"""

from dataclasses import dataclass, field

from facilitator.rooms.model import RoomState

FACILITATOR = "facilitator"  # the speaker id of the facilitator, who belongs to no organisation


@dataclass
class Hand:
    participant_id: str
    kind: str  # comment | clarify
    raised_at: int


@dataclass
class Turn:
    speaker: str  # a participant id, or FACILITATOR
    organisation: str  # "" for the facilitator
    item_id: str | None
    started_at: int
    ended_at: int | None = None

    def length(self, now: int | None = None) -> int:
        end = self.ended_at if self.ended_at is not None else now
        return 0 if end is None else end - self.started_at


@dataclass
class Budget:
    """An equal share of the floor per organisation, for one stretch of discussion."""

    item_id: str | None
    started_at: int
    per_organisation_ms: int
    organisations: list[str]
    extra_ms: dict[str, int] = field(default_factory=dict)


@dataclass
class FloorSettings:
    order: str = "first"  # first | person | organisation (least heard first)
    turn_limit_seconds: int = 0  # 0: no limit
    dominance_factor: float = 1.5
    rotate_chair: bool = False


@dataclass
class Floor:
    hands: dict[str, Hand] = field(default_factory=dict)
    current: Turn | None = None
    turns: list[Turn] = field(default_factory=list)
    settings: FloorSettings = field(default_factory=FloorSettings)
    budget: Budget | None = None


def floor_of(state: RoomState) -> Floor:
    """The floor of a room: the one way any feature reads this slice."""
    return state.slices["floor"]
