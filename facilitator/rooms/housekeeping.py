"""The server's periodic jobs, on one APScheduler: they run on the wall clock, outside any room's
command path, and a failed run is one line in the log and is tried again at the next.

- "follow-up", hourly: rooms followed up for months come back (`Hub.revive` over the revive
  window), so a room another process served until it stopped for good is picked up within the hour.
- "retention", at start and then daily, with `RETENTION_DAYS` set: exchanges that ended longer ago
  than that are deleted with their whole record, one log line each (`Hub.purge`).
- "key-claim", every few seconds: this worker's claim on the deployment's signing key is
  refreshed (keycheck.py), so a worker started with another key is refused while this one runs.

Deadlines inside a room (a phase's end, a scheduled start) are not jobs here: they are the
`DeadlineScheduler`'s, on the hub's clock."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from facilitator.keycheck import REFRESH_SECONDS, KeyClaim
from facilitator.rooms.clock import SYSTEM_CLOCK, Clock
from facilitator.rooms.hub import Hub

log = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000


def logged(
    name: str, job: Callable[[], Awaitable[object]], level: int = logging.WARNING
) -> Callable[[], Awaitable[None]]:
    """`job`, with a failure as one line (the database may be down; the next run tries again)."""

    async def run() -> None:
        try:
            await job()
        except Exception as error:  # noqa: BLE001 - one line, not APScheduler's traceback
            log.log(level, "%s run failed: %s: %s", name, type(error).__name__, error)

    return run


def housekeeping(
    hub: Hub,
    clock: Clock,
    revive_window: Callable[[], tuple[int, int]],
    retention_days: int | None,
    claim: KeyClaim,
) -> AsyncIOScheduler:
    """The scheduler with the server's jobs, not yet started."""
    scheduler = AsyncIOScheduler(timezone=UTC)

    async def refresh_claim() -> None:  # across processes: on the machine's clock, whatever the hub's
        await anyio.to_thread.run_sync(claim.refresh, SYSTEM_CLOCK.now_ms())

    # A database that is down is said where requests meet it: a missed refresh only at debug level.
    scheduler.add_job(
        logged("key claim", refresh_claim, logging.DEBUG), "interval", seconds=REFRESH_SECONDS, id="key-claim"
    )

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
