"""The screen's slice: the facilitator's override of what the agenda would show, if any."""

from dataclasses import dataclass

from facilitator.rooms.model import RoomState

# What the facilitator can put on the screen instead of the agenda's own content.
OVERRIDES = ("poll", "question", "questions", "voice", "join")


@dataclass(frozen=True)
class Override:
    what: str  # one of OVERRIDES
    id: str | None  # the poll or the question; None for the others
    # The agenda item that was current when it was set (None before the first): the override
    # ends when the agenda moves on to another item.
    item_id: str | None


@dataclass
class Screen:
    override: Override | None = None


def screen_of(state: RoomState) -> Screen:
    """The screen's slice: the one way anything reads it."""
    return state.slices["screen"]
