"""A deadline the scheduler cannot hold is logged once and left out; the others still fire."""

import asyncio
import logging

from facilitator.rooms.feature import Deadline
from facilitator.rooms.hub import now_ms
from facilitator.timers.scheduler import DeadlineScheduler


def test_a_deadline_beyond_the_calendar_is_skipped_logged_once_and_the_others_fire(caplog):
    fired: list[str] = []

    async def fire(room: str, command: dict) -> None:
        fired.append(command["id"])

    async def scenario():
        scheduler = DeadlineScheduler()
        scheduler.start(fire)
        try:
            far = Deadline(10**15, {"type": "timer.begin", "id": "begin-far"})  # the year 33658
            before = Deadline(-10**15, {"type": "timer.begin", "id": "begin-before"})
            soon = Deadline(now_ms() + 50, {"type": "timer.expire", "id": "expire-soon"})
            scheduler.sync("ROOM", [far, before, soon])
            scheduler.sync("ROOM", [far, before, soon])  # nothing new: no second warning
            async with asyncio.timeout(5):
                while not fired:
                    await asyncio.sleep(0.02)
            scheduler.sync("ROOM", [])  # dropping what was never scheduled raises nothing either
            assert scheduler.jobs["ROOM"] == set() and scheduler.scheduler.get_jobs() == []
        finally:
            scheduler.shutdown()

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    assert fired == ["expire-soon"]
    skipped = [r.getMessage() for r in caplog.records if "cannot be scheduled" in r.getMessage()]
    assert len(skipped) == 2 and "begin-far" in skipped[0] and "begin-before" in skipped[1]
