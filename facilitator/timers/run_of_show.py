"""The run of show: when each item will really start, when the exchange will end, and how far
ahead of or behind the agenda the room is.

A pure function of the agenda. Overruns are absorbed: an item that runs long (or a pause, or the
time between two items) moves every later item's projected start, and the end with them.

A projection can still move with the clock: a paused phase, a phase in overtime, an agenda not yet
started all end "now plus something", a moment later than they did a second ago. So a projected
time is a `Moment`, max(fixed, now + after_now), that the console evaluates against its own clock
every second; the server renders it once and never needs to push it again while nothing changes.
"""

from dataclasses import dataclass

from facilitator.timers.model import Agenda, Item

# The start of time: max(NEVER, now + x) is now + x.
NEVER = 0


@dataclass(frozen=True)
class Moment:
    """A projected time in epoch ms: `fixed`, or `after_now` ms after the present, whichever is later."""

    fixed: int
    after_now: int | None = None  # None: the moment no longer moves with the clock

    def at(self, now: int) -> int:
        return self.fixed if self.after_now is None else max(self.fixed, now + self.after_now)

    def plus(self, ms: int) -> "Moment":
        return Moment(self.fixed + ms, None if self.after_now is None else self.after_now + ms)

    def not_before(self, at: int) -> "Moment":
        return Moment(max(self.fixed, at), self.after_now)


def now_plus(ms: int) -> Moment:
    return Moment(NEVER, ms)


@dataclass(frozen=True)
class Slot:
    """One item on the run of show. `planned_start` is where the agenda put it, counted from the
    exchange's first start (None before anything started)."""

    item_id: str
    title: str
    status: str  # done | current | waiting
    start: Moment
    end: Moment
    planned_start: int | None

    def slip_ms(self, now: int) -> int | None:
        """How late this item starts (or started) against the agenda; negative when early."""
        return None if self.planned_start is None else self.start.at(now) - self.planned_start


@dataclass(frozen=True)
class RunOfShow:
    slots: list[Slot]
    end: Moment  # when the last item is projected to end
    planned_end: int | None  # the first start plus every item's planned length; None before any start

    def behind_ms(self, now: int) -> int | None:
        """How far behind the agenda the exchange will end (negative: ahead); None before it started."""
        return None if self.planned_end is None else self.end.at(now) - self.planned_end

    def slot(self, item_id: str) -> Slot:
        return next(slot for slot in self.slots if slot.item_id == item_id)


def run_of_show(agenda: Agenda) -> RunOfShow:
    """Project every item of `agenda`: done items as they ran, the current one from its clock,
    and the waiting ones one after another from the moment the current one will end, in the
    order the agenda would start them (after the current item, then any skipped before it)."""
    items = agenda.ordered()
    first_start = min((item.started_at for item in items if item.started_at is not None), default=None)
    planned_starts = _planned_starts(items, first_start)

    slots: dict[str, Slot] = {}
    for item in items:
        if item.done:
            assert item.started_at is not None and item.ended_at is not None  # an item ends after it starts
            slots[item.id] = _slot(item, "done", Moment(item.started_at), Moment(item.ended_at), planned_starts)

    cursor = now_plus(0)
    current = agenda.current()
    if current is not None and agenda.clock is not None:
        clock = agenda.clock
        rest = sum(phase.planned_ms for phase in current.phases[clock.phase + 1 :])
        if clock.deadline is not None:  # running: the phase ends at its deadline, or now if that passed
            phase_end = Moment(clock.deadline, 0)
        else:  # paused: what is left, from whenever it resumes
            phase_end = now_plus(max(0, clock.remaining or 0))
        cursor = phase_end.plus(rest)
        assert current.started_at is not None  # a current item has started
        slots[current.id] = _slot(current, "current", Moment(current.started_at), cursor, planned_starts)

    for item in _waiting(agenda):
        start = cursor
        if item.id == agenda.scheduled_item and agenda.scheduled_at is not None:
            start = start.not_before(agenda.scheduled_at)
        cursor = start.plus(item.planned_ms)
        slots[item.id] = _slot(item, "waiting", start, cursor, planned_starts)

    ordered = [slots[item.id] for item in items]
    if ordered and all(slot.status == "done" for slot in ordered):
        end = Moment(max(slot.end.fixed for slot in ordered))  # it is over
    else:
        end = cursor  # the last item to run ends the exchange
    planned_end = None if first_start is None else first_start + sum(item.planned_ms for item in items)
    return RunOfShow(ordered, end, planned_end)


def _slot(item: Item, status: str, start: Moment, end: Moment, planned: dict[str, int]) -> Slot:
    return Slot(item.id, item.title, status, start, end, planned.get(item.id))


def _planned_starts(items: list[Item], first_start: int | None) -> dict[str, int]:
    if first_start is None:
        return {}
    starts, at = {}, first_start
    for item in items:
        starts[item.id] = at
        at += item.planned_ms
    return starts


def _waiting(agenda: Agenda) -> list[Item]:
    """Items still to run, in the order `timer.start` would reach them."""
    order = agenda.order
    current = agenda.current_item_id
    split = order.index(current) + 1 if current in order else 0
    return [
        agenda.items[item_id]
        for item_id in order[split:] + order[:split]
        if item_id != current and not agenda.items[item_id].done
    ]
