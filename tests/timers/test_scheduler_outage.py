"""A deadline that finds the database down is retried, and the outage is said once, not once a second."""

import asyncio
import logging
import sqlite3

from sqlalchemy.exc import OperationalError

from facilitator.rooms.feature import Deadline
from facilitator.timers.scheduler import RETRY_AFTER, DeadlineScheduler
from tests.clock import TestClock, until


def test_a_deadline_waiting_for_the_database_is_retried_with_one_warning_and_no_traceback(caplog):
    caplog.set_level(logging.INFO, logger="facilitator")
    attempts = []

    async def fire(room: str, command: dict) -> None:
        attempts.append(command["id"])
        if len(attempts) <= 4:
            raise OperationalError("INSERT ...", {}, sqlite3.OperationalError("unable to open database file"))

    async def scenario():
        clock = TestClock(flowing=False)
        scheduler = DeadlineScheduler(clock)
        scheduler.start(fire)
        try:
            scheduler.sync("ROOM", [Deadline(0, {"type": "timer.expire", "id": "run-1"})])
            for tried in range(1, 5):  # once a second while the database is down
                await until(lambda tried=tried: len(attempts) == tried)
                clock.advance(RETRY_AFTER)
            await until(lambda: len(attempts) == 5)
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())
    assert attempts == ["run-1"] * 5
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].getMessage().startswith("Firing deadlines failed")
    assert not [r for r in caplog.records if r.exc_info]
    assert any("Firing deadlines works again" in r.getMessage() for r in caplog.records)
