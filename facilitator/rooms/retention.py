"""Retention: with `RETENTION_DAYS` set, exchanges that ended longer ago than that are deleted,
with their whole record, by a job that runs at start and then once a day on the hub's clock."""

import asyncio
import logging

from facilitator.rooms.clock import Clock
from facilitator.rooms.hub import Hub

log = logging.getLogger(__name__)

DAY_SECONDS = 24 * 3600


async def sleep_on(clock: Clock, seconds: float) -> None:
    """Wait until `seconds` have passed on `clock` (a test's moves on when told)."""
    done = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not done.done():
            done.set_result(None)

    timer = clock.call_later(seconds, wake)
    try:
        await done
    finally:
        timer.cancel()


async def keep_retention(hub: Hub, days: int, clock: Clock, every: float = DAY_SECONDS) -> None:
    """Delete what ended more than `days` ago, now and then every day, for as long as the server runs."""
    while True:
        try:
            deleted = await hub.purge(clock.now_ms() - days * DAY_SECONDS * 1000)
            if deleted:
                log.info("retention (%d days): %d ended exchanges deleted", days, len(deleted))
        except Exception as error:  # noqa: BLE001 - the database may be down; the next run tries again
            log.warning("retention run failed: %s: %s", type(error).__name__, error)
        await sleep_on(clock, every)
