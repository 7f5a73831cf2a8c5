"""Fires the deadlines that features declare, through APScheduler.

After every change to a room the hub hands over that room's deadlines; this
keeps exactly one APScheduler job per deadline. A job sends its command as
the server itself. Every process serving the room schedules the same jobs
and fires them; the command id makes the second firing a no-op, so a phase
ends once however many processes watch it. A deadline already past (the
server was down) fires at once.

Syncing never raises: the room's events are already in the log when it runs,
so a deadline that cannot be scheduled (a time beyond the calendar, written
before commands were bounded) is logged once and left out, and the room and
its command carry on.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from facilitator.rooms.feature import Deadline
from facilitator.rooms.outage import Outage, is_outage

log = logging.getLogger(__name__)

Fire = Callable[[str, dict], Awaitable[None]]
RETRY_AFTER = timedelta(seconds=1)


class DeadlineScheduler:
    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.jobs: dict[str, set[str]] = {}
        self.fire: Fire | None = None
        self.outage = Outage(log, "Firing deadlines", "retrying every second")

    def start(self, fire: Fire) -> None:
        self.fire = fire
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def sync(self, room: str, deadlines: list[Deadline]) -> None:
        """Make the room's scheduled jobs exactly its current deadlines."""
        wanted = {f"{room}/{deadline.key}": deadline for deadline in deadlines}
        for job_id in self.jobs.get(room, set()) - wanted.keys():
            try:
                self.scheduler.remove_job(job_id)
            except JobLookupError:
                pass  # it already fired
        for job_id, deadline in wanted.items():
            if job_id in self.jobs.get(room, set()):
                continue
            try:
                self._add(room, job_id, datetime.fromtimestamp(deadline.at_ms / 1000, UTC), deadline.command)
            except Exception as error:  # noqa: BLE001 - one bad deadline must not fail the room
                # Kept in `jobs` as if scheduled, so the next sync neither retries nor logs it again.
                log.warning("deadline %s of room %s at %r cannot be scheduled; skipped: %s",
                            deadline.key, room, deadline.at_ms, error)
        self.jobs[room] = set(wanted)

    def _add(self, room: str, job_id: str, when: datetime, command: dict) -> None:
        self.scheduler.add_job(self._fire, "date", run_date=max(when, datetime.now(UTC)),
                               args=[room, job_id, command], id=job_id, replace_existing=True,
                               misfire_grace_time=None)

    async def _fire(self, room: str, job_id: str, command: dict) -> None:
        self.jobs.get(room, set()).discard(job_id)
        assert self.fire is not None  # jobs are added once started
        try:
            await self.fire(room, command)
            self.outage.worked()
        except Exception as error:
            # A passing fault (the database busy, say): try again shortly, or
            # this process would leave the phase running past its end. An outage
            # is said once, not once a second for every deadline waiting on it.
            if is_outage(error):
                self.outage.failed(error)
            else:
                log.exception("deadline %s of room %s failed; retrying", command.get("id"), room)
            self._add(room, job_id, datetime.now(UTC) + RETRY_AFTER, command)
            self.jobs.setdefault(room, set()).add(job_id)
