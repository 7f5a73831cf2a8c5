"""Breakout rounds as plain data folded from the log: the groups, who sits in them, and
each group's worksheet.

A worksheet section is never overwritten: every save is a new version appended in log
order, so two members saving at once both keep their text, and the latest is shown.
"""

from dataclasses import dataclass, field

from facilitator.rooms.model import RoomState

SECTIONS = ("Problem analysis", "Ideas", "Feasibility (impact, effort, first step, owner)")
STRATEGIES = {
    "mix": "Mix organisations",
    "roles": "Match roles",
    "random": "Random",
    "choose": "Participants choose",
    "preference": "By preference",
}
SETUP, OPEN, CLOSED = "setup", "open", "closed"


@dataclass
class Version:
    text: str
    at: int
    by: str  # a participant id, or the role that wrote it (facilitator, scribe)
    based_on: int  # how many versions the writer had seen
    flags: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    versions: list[Version] = field(default_factory=list)

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    @property
    def text(self) -> str:
        return self.versions[-1].text if self.versions else ""


@dataclass
class Message:
    text: str
    at: int
    group_id: str | None  # None: to every group


@dataclass
class Group:
    id: str
    name: str
    topic: str
    members: list[str]  # participant ids
    sections: list[Section]
    recommended: str = ""
    recommended_by: str = ""
    recommended_flags: list[str] = field(default_factory=list)  # kinds of identifier its writer confirmed

    @property
    def edited_at(self) -> int | None:
        times = [section.latest.at for section in self.sections if section.latest is not None]
        return max(times) if times else None


@dataclass
class Round:
    id: str
    number: int
    item_id: str | None
    strategy: str
    topics: list[str]
    cap: int | None
    avoid_repeats: bool
    keep_same_groups: bool
    seed: int
    groups: list[Group]
    status: str = SETUP
    set_up_at: int = 0
    opened_at: int | None = None
    closed_at: int | None = None
    ends_at: int | None = None  # the round's own countdown, when the facilitator gave one
    choices: dict[str, int] = field(default_factory=dict)  # participant id -> group index ("choose")
    rankings: dict[str, list[int]] = field(default_factory=dict)  # participant id -> indexes ("preference")
    messages: list[Message] = field(default_factory=list)
    reporting: int | None = None  # the group on the screen, by index
    report_ends_at: int | None = None
    reported: set[str] = field(default_factory=set)  # groups that have been on the screen
    adjusted: bool = False  # the facilitator moved someone: the groups are no longer assign's

    def group(self, group_id: str) -> Group | None:
        return next((group for group in self.groups if group.id == group_id), None)

    def group_of(self, participant_id: str) -> Group | None:
        return next((group for group in self.groups if participant_id in group.members), None)

    @property
    def layout(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(sorted(group.members)) for group in self.groups)


@dataclass
class Breakouts:
    rounds: dict[str, Round] = field(default_factory=dict)  # in the order set up

    @property
    def current(self) -> Round | None:
        """The round being set up, running or reported back: the newest one."""
        return next(reversed(self.rounds.values()), None)

    def running(self) -> Round | None:
        current = self.current
        return current if current is not None and current.status == OPEN else None

    def earlier(self, before: str | None = None) -> list[Round]:
        """The rounds that were opened before round `before` (all of them if None)."""
        found = []
        for round_ in self.rounds.values():
            if round_.id == before:
                break
            if round_.opened_at is not None:
                found.append(round_)
        return found


def breakouts_of(state: RoomState) -> Breakouts:
    """The breakout rounds of a room: the one way any feature reads this slice."""
    return state.slices["breakouts"]
