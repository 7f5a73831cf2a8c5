"""The server's periodic jobs, on one APScheduler: they run on the wall clock, outside any room's
command path, and a failed run is one line in the log and is tried again at the next.

- "follow-up", hourly: rooms followed up for months come back (`Hub.revive` over the revive
  window), so a room another process served until it stopped for good is picked up within the hour.
- "retention", at start and then daily, with `RETENTION_DAYS` set: exchanges that ended longer ago
  than that are deleted with their whole record, one log line each (`Hub.purge`).

Deadlines inside a room (a phase's end, a scheduled start) are not jobs here: they are the
`DeadlineScheduler`'s, on the hub's clock."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from facilitator.rooms.clock import Clock
from facilitator.rooms.hub import Hub

log = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000


def logged(name: str, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """`job`, with a failure as one line (the database may be down; the next run tries again)."""

    async def run() -> None:
        try:
            await job()
        except Exception as error:  # noqa: BLE001 - one line, not APScheduler's traceback
            log.warning("%s run failed: %s: %s", name, type(error).__name__, error)

    return run


def housekeeping(
    hub: Hub,
    clock: Clock,
    revive_window: Callable[[], tuple[int, int]],
    retention_days: int | None,
) -> AsyncIOScheduler:
    """The scheduler with the server's jobs, not yet started."""
    scheduler = AsyncIOScheduler(timezone=UTC)

    async def revive() -> None:
        await hub.revive(*revive_window())

    scheduler.add_job(logged("follow-up", revive), "interval", hours=1, id="follow-up")
    if retention_days:

        async def purge() -> None:
            deleted = await hub.purge(clock.now_ms() - retention_days * DAY_MS)
            if deleted:
                log.info("retention (%d days): %d ended exchanges deleted", retention_days, len(deleted))

        scheduler.add_job(
            logged("retention", purge), "interval", days=1, id="retention", next_run_time=datetime.now(UTC)
        )
    return scheduler
