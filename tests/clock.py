"""A clock a test moves on, and a way to wait for what should happen instead of sleeping.

`TestClock` is the server's `Clock` (facilitator/rooms/clock.py) with a hand on it:
`advance(seconds)` moves the wall clock and the monotonic clock on together and fires
every timer that came due (a deadline, a render held back by the interval), on the event
loop that set it, whichever thread advances. A flowing clock also runs at the machine's
pace in between, so a live server paces its pushes and refills its buckets as in
production; a frozen one (`flowing=False`) moves only when told, for tests that count
what happens within an interval.
"""

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Callable

from facilitator.rooms.clock import Clock


class _Timer:
    def __init__(self, due: float, loop: asyncio.AbstractEventLoop, callback: Callable[..., object], args: tuple):
        self.due, self.loop, self.callback, self.args = due, loop, callback, args
        self.done = False
        self.handle: asyncio.TimerHandle | None = None

    def fire(self) -> None:  # on its loop
        if not self.done:
            self.done = True
            if self.handle is not None:
                self.handle.cancel()
            self.callback(*self.args)

    def cancel(self) -> None:
        self.done = True
        if self.handle is not None:
            self.handle.cancel()


class TestClock(Clock):
    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, flowing: bool = True, wall_ms: int | None = None):
        """`wall_ms`: the wall clock's reading now (epoch milliseconds); the machine's if None."""
        self.flowing = flowing
        self.skipped = 0.0  # seconds `advance` added
        self._wall_start_ms = time.time_ns() // 1_000_000 if wall_ms is None else wall_ms
        self._start = time.monotonic()
        self._timers: list[tuple[float, int, _Timer]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def _elapsed(self) -> float:
        return (time.monotonic() - self._start if self.flowing else 0.0) + self.skipped

    def now_ms(self) -> int:
        return self._wall_start_ms + round(self._elapsed() * 1000)

    def monotonic(self) -> float:
        return self._start + self._elapsed()

    def call_later(self, delay: float, callback: Callable[..., object], *args: object) -> _Timer:
        loop = asyncio.get_running_loop()
        timer = _Timer(self.monotonic() + delay, loop, callback, args)
        if delay <= 0:
            loop.call_soon(timer.fire)
            return timer
        if self.flowing:  # the machine's time may bring it due before anyone advances
            timer.handle = loop.call_later(delay, timer.fire)
        with self._lock:
            heapq.heappush(self._timers, (timer.due, next(self._order), timer))
        return timer

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds` and fire, in order, the timers that came due."""
        with self._lock:
            self.skipped += seconds
            now = self.monotonic()
            due = []
            while self._timers and self._timers[0][0] <= now + 1e-9:  # 0.299 + 0.001 is 0.3
                due.append(heapq.heappop(self._timers)[2])
        for timer in due:
            if not timer.done:
                timer.loop.call_soon_threadsafe(timer.fire)


async def until(condition: Callable[[], object], timeout: float = 5.0, every: float = 0.01):
    """Wait, without blocking the event loop, until `condition()` is truthy; its value.
    Fails the test after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not (value := condition()):
            await asyncio.sleep(every)
        return value


def eventually(condition: Callable[[], object], timeout: float = 5.0, every: float = 0.02):
    """`until` for a test outside the event loop (one that talks HTTP to a live server)."""
    end = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout} s: {getattr(condition, '__name__', condition)}")
        time.sleep(every)
    return value


def stays(condition: Callable[[], object], seconds: float = 0.3, every: float = 0.02) -> None:
    """Fail if `condition()` stops holding within `seconds`: for what must NOT happen (a second
    firing, a late push). Move the clock past anything that could still come due first, so a
    short look is enough."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert condition(), f"stopped holding: {getattr(condition, '__name__', condition)}"
        time.sleep(every)
