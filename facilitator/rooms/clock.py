"""The one place the server reads the time, so a test can hold it and move it on.

Two readings, for two purposes: `now_ms` is the wall clock (epoch milliseconds), which
events, contexts and deadlines carry; `monotonic` (seconds) only ever moves forwards and
paces the server: render intervals, token buckets, throttle windows. `call_later` runs a
callback on the running event loop once `delay` seconds have passed on this clock, so a
clock that a test moves on fires what came due (see tests/clock.py).
"""

import asyncio
import time
from collections.abc import Callable
from typing import Protocol


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Clock:
    """The machine's clocks and the event loop's timers: what production runs on."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def monotonic(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[..., object], *args: object) -> Cancellable:
        return asyncio.get_running_loop().call_later(delay, callback, *args)


SYSTEM_CLOCK = Clock()
