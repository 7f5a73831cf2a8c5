"""Polls as plain data folded from the log.

An answer is filed under the voter's pseudonym for that poll (see
`Actor.pseudonym`), never under a participant id: the log itself cannot say
who answered what, only that each person answered once.
"""

from dataclasses import dataclass, field
from typing import Any

from facilitator.rooms.model import RoomState

KINDS = {
    "single": "Single choice",
    "multiple": "Multiple choice",
    "scale": "Rating scale",
    "words": "Word cloud",
    "text": "Open text",
    "ranking": "Ranking",
    "matrix": "Impact and effort",
}
WITH_OPTIONS = frozenset({"single", "multiple", "ranking", "matrix"})
VISIBILITY = {"live": "shown live", "hidden": "hidden until revealed", "on_close": "shown when closed"}
MATRIX_SCALE = 5  # impact and effort are each placed from 1 (low) to 5 (high)


@dataclass
class Answer:
    value: Any  # by kind: [option], [options], int, [words], str, [options in order], {"impact", "effort"}
    at: int


@dataclass
class Poll:
    id: str
    kind: str
    question: str
    options: list[str] = field(default_factory=list)
    max_choices: int = 0  # multiple choice: how many picks at most (0: any number)
    scale_max: int = 5
    low_label: str = ""
    high_label: str = ""
    item_id: str | None = None
    survey: str = ""  # the survey it was added with ("poll.survey"), opened together; "" for none
    visibility: str = "live"  # live | hidden | on_close
    revealed: bool = False
    status: str = "draft"  # draft | open | closed
    created_at: int = 0
    opened_at: int | None = None
    closed_at: int | None = None
    answers: dict[str, Answer] = field(default_factory=dict)  # pseudonym -> answer

    @property
    def results_shown(self) -> bool:
        """Whether the screen may show the results now."""
        if self.visibility == "live":
            return True
        if self.visibility == "on_close":
            return self.status == "closed" or self.revealed
        return self.revealed


@dataclass
class Polls:
    polls: dict[str, Poll] = field(default_factory=dict)  # in order of creation
    on_screen: str | None = None

    def of_survey(self, survey: str) -> list[Poll]:
        """The polls of a survey, in the order they were added."""
        return [poll for poll in self.polls.values() if survey and poll.survey == survey]

    def open(self) -> list[Poll]:
        return sorted((p for p in self.polls.values() if p.status == "open"), key=lambda p: p.opened_at or 0)


def polls_of(state: RoomState) -> Polls:
    """The polls of a room: the one way any feature reads this slice."""
    return state.slices["polls"]
