"""The agenda and its clock, as plain data folded from the log.

The clock never ticks on the server: a running phase is a deadline, a paused
one its remaining milliseconds. Every surface counts down locally.
"""

from dataclasses import dataclass, field

from facilitator.rooms.model import RoomState

KINDS = {
    "case": "Case",
    "breakout": "Breakout",
    "walkthrough": "Walk-through",
    "discussion": "Discussion",
    "poll": "Poll",
    "break": "Break",
}


@dataclass
class Phase:
    name: str
    planned_ms: int


@dataclass
class PhaseRun:
    """One phase as it really ran, for the record."""

    name: str
    planned_ms: int
    started_at: int
    ended_at: int | None = None
    extended_ms: int = 0
    paused_ms: int = 0


@dataclass
class Item:
    id: str
    kind: str
    title: str
    phases: list[Phase]
    organisation: str = ""
    presenter: str = ""
    presenter_id: str | None = None
    qa_prompt: str = ""
    started_at: int | None = None
    ended_at: int | None = None
    runs: list[PhaseRun] = field(default_factory=list)

    @property
    def planned_ms(self) -> int:
        return sum(phase.planned_ms for phase in self.phases)

    @property
    def done(self) -> bool:
        return self.ended_at is not None

    @property
    def actual_ms(self) -> int | None:
        return None if self.started_at is None or self.ended_at is None else self.ended_at - self.started_at

    @property
    def overrun_ms(self) -> int | None:
        actual = self.actual_ms
        return None if actual is None else max(0, actual - self.planned_ms)


@dataclass
class Clock:
    """The phase that is current now."""

    item_id: str
    phase: int
    run: int
    planned_ms: int
    deadline: int | None  # set while running
    remaining: int | None = None  # set while paused; negative in overtime
    paused_at: int | None = None
    expired: bool = False

    @property
    def running(self) -> bool:
        return self.deadline is not None

    def left(self, now: int) -> int:
        """Milliseconds left at `now`; negative once in overtime."""
        return self.deadline - now if self.deadline is not None else self.remaining or 0


@dataclass
class Message:
    text: str
    tone: str  # neutral | green | red
    flash: bool
    at: int


@dataclass
class TimerSettings:
    amber_seconds: int = 120
    red_seconds: int = 30
    auto_advance_phase: bool = True
    auto_advance_item: bool = False


@dataclass
class Agenda:
    items: dict[str, Item] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    clock: Clock | None = None
    runs: int = 0
    scheduled_item: str | None = None
    scheduled_at: int | None = None
    settings: TimerSettings = field(default_factory=TimerSettings)
    screen_message: Message | None = None
    presenter_message: Message | None = None

    def ordered(self) -> list[Item]:
        return [self.items[item_id] for item_id in self.order]

    @property
    def current_item_id(self) -> str | None:
        """The item the clock is on; what notes, polls, questions and turns are linked to."""
        return self.clock.item_id if self.clock else None

    def current(self) -> Item | None:
        return self.items.get(self.current_item_id or "")

    def current_clock(self) -> Clock:
        """The clock, where an item must be running: in the events that only come while one
        does (decide refused the command otherwise)."""
        if self.clock is None:
            raise ValueError("no item is running")
        return self.clock

    def next_item(self, after: str | None = None) -> Item | None:
        """The first item not yet run, after `after` if given."""
        start = self.order.index(after) + 1 if after in self.order else 0
        return next((self.items[i] for i in self.order[start:] if not self.items[i].done), None)


def agenda_of(state: RoomState) -> Agenda:
    """The agenda of a room: the one way any feature reads this slice."""
    return state.slices["timers"]
