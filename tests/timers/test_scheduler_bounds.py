"""A deadline the scheduler cannot hold is logged once and left out; the others still fire."""

import asyncio
import logging

from facilitator.rooms.feature import Deadline
from facilitator.timers.scheduler import DeadlineScheduler
from tests.clock import TestClock, until


def test_a_deadline_beyond_the_calendar_is_skipped_logged_once_and_the_others_fire(caplog):
    fired: list[str] = []

    async def fire(room: str, command: dict) -> None:
        fired.append(command["id"])

    async def scenario():
        clock = TestClock(flowing=False)
        scheduler = DeadlineScheduler(clock)
        scheduler.start(fire)
        try:
            far = Deadline(10**15, {"type": "timer.begin", "id": "begin-far"})  # the year 33658
            before = Deadline(-(10**15), {"type": "timer.begin", "id": "begin-before"})
            soon = Deadline(clock.now_ms() + 50, {"type": "timer.expire", "id": "expire-soon"})
            scheduler.sync("ROOM", [far, before, soon])
            scheduler.sync("ROOM", [far, before, soon])  # nothing new: no second warning
            clock.advance(0.05)
            await until(lambda: fired)
            scheduler.sync("ROOM", [])  # dropping what was never scheduled raises nothing either
            assert scheduler.jobs == {}
        finally:
            scheduler.shutdown()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert fired == ["expire-soon"]
    skipped = [r.getMessage() for r in caplog.records if "cannot be scheduled" in r.getMessage()]
    assert len(skipped) == 2 and "begin-far" in skipped[0] and "begin-before" in skipped[1]
