"""Fires the deadlines that features declare, on the server's clock.

After every change to a room the hub hands over that room's deadlines; this
keeps exactly one timer per deadline. A timer sends its command as the
server itself. Every process serving the room schedules the same timers
and fires them; the command id makes the second firing a no-op, so a phase
ends once however many processes watch it. A deadline already past (the
server was down) fires at once.

Syncing never raises: the room's events are already in the log when it runs,
so a deadline that cannot be scheduled (a time beyond the calendar, written
before commands were bounded) is logged once and left out, and the room and
its command carry on.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from facilitator.rooms.clock import SYSTEM_CLOCK, Cancellable, Clock
from facilitator.rooms.feature import Deadline
from facilitator.rooms.outage import Outage, is_outage

log = logging.getLogger(__name__)

Fire = Callable[[str, dict], Awaitable[None]]
RETRY_AFTER = 1.0  # seconds


class DeadlineScheduler:
    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        # room -> job id ("room/deadline key") -> its timer, or None for a deadline that was skipped.
        self.jobs: dict[str, dict[str, Cancellable | None]] = {}
        self.fire: Fire | None = None
        self.outage = Outage(log, "Firing deadlines", "retrying every second")
        self._firing: set[asyncio.Task] = set()

    def start(self, fire: Fire) -> None:
        self.fire = fire

    def shutdown(self) -> None:
        for timers in self.jobs.values():
            for timer in timers.values():
                if timer is not None:
                    timer.cancel()
        self.jobs.clear()

    def pending(self, room: str) -> set[str]:
        """The room's deadlines waiting to fire, by job id."""
        return {job_id for job_id, timer in self.jobs.get(room, {}).items() if timer is not None}

    def sync(self, room: str, deadlines: list[Deadline]) -> None:
        """Make the room's scheduled timers exactly its current deadlines."""
        wanted = {f"{room}/{deadline.key}": deadline for deadline in deadlines}
        scheduled = self.jobs.setdefault(room, {})
        for job_id in scheduled.keys() - wanted.keys():
            timer = scheduled.pop(job_id)
            if timer is not None:
                timer.cancel()
        for job_id, deadline in wanted.items():
            if job_id in scheduled:
                continue
            try:
                datetime.fromtimestamp(deadline.at_ms / 1000, UTC)  # a time the calendar holds
                scheduled[job_id] = self._later(room, job_id, deadline.at_ms, deadline.command)
            except Exception as error:  # noqa: BLE001 - one bad deadline must not fail the room
                # Kept as if scheduled, so the next sync neither retries nor logs it again.
                scheduled[job_id] = None
                log.warning(
                    "deadline %s of room %s at %r cannot be scheduled; skipped: %s",
                    deadline.key,
                    room,
                    deadline.at_ms,
                    error,
                )
        if not scheduled:
            del self.jobs[room]

    def _later(self, room: str, job_id: str, at_ms: int, command: dict) -> Cancellable:
        delay = max(0.0, (at_ms - self.clock.now_ms()) / 1000)
        return self.clock.call_later(delay, self._due, room, job_id, at_ms, command)

    def _due(self, room: str, job_id: str, at_ms: int, command: dict) -> None:
        if self.clock.now_ms() < at_ms:
            # The timer ran on the monotonic clock and the wall clock lags it (a slewed clock):
            # never fire before the deadline by the time the command will carry.
            self.jobs.setdefault(room, {})[job_id] = self._later(room, job_id, at_ms, command)
            return
        self.jobs.get(room, {}).pop(job_id, None)
        task = asyncio.get_running_loop().create_task(self._fire(room, job_id, command))
        self._firing.add(task)
        task.add_done_callback(self._firing.discard)

    async def _fire(self, room: str, job_id: str, command: dict) -> None:
        assert self.fire is not None  # deadlines are kept once started
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
            retry = self._later(room, job_id, self.clock.now_ms() + int(RETRY_AFTER * 1000), command)
            self.jobs.setdefault(room, {})[job_id] = retry
