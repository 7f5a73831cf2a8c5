"""The review of commitments as plain data: the agenda item it runs in, the organisations whose
plans it reviews, in order, and the one presenting now. The plans themselves, and their
milestones, stay in the exchange where they were made (`RoomState.previous`)."""

from dataclasses import dataclass, field

from facilitator.rooms.model import RoomState

REVIEW_TITLE = "Review of commitments"


@dataclass
class Review:
    item_id: str = ""  # the agenda item "Review of commitments"; "": this exchange has none
    organisations: list[str] = field(default_factory=list)  # in the order they present
    presenting: str = ""  # "": nobody yet


def review_of(state: RoomState) -> Review:
    """The review of commitments of a room: the one way any feature reads this slice."""
    return state.slices["review"]
