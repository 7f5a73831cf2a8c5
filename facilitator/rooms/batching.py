"""Group commit: a room's commands queue up while its last batch is being written.

Each command paying its own transaction (its own commit, its own fsync, its own
thread hop) caps a room at a few hundred commands a second, however many
processes serve it. So commands wait here, and one flush at a time takes
everything queued and writes it in one transaction (`Hub._commit`): a burst of a
thousand votes is a few dozen transactions, and each vote waits for at most the
batch in progress and its own.

The people running the room go first in the next batch, so "close the poll"
never waits behind a vote burst.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from facilitator.rooms.model import Actor, Command

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Pending:
    """A queued command and the answer its sender awaits."""

    actor: Actor
    command: Command
    key: str | None  # the keyed hash of (sender, command id) that makes a repeat a duplicate
    answer: asyncio.Future

    def succeed(self, outcome: Any) -> None:
        if not self.answer.done():  # its sender may have gone away meanwhile
            self.answer.set_result(outcome)

    def fail(self, error: BaseException) -> None:
        if not self.answer.done():
            self.answer.set_exception(error)


Flush = Callable[[list[Pending]], Awaitable[None]]


class CommandQueue:
    """One room's queue: `submit` waits for the answer; one flush at a time answers a batch."""

    def __init__(self, flush: Flush):
        self._flush = flush
        self._staff: deque[Pending] = deque()
        self._others: deque[Pending] = deque()
        self._flushing: asyncio.Task | None = None

    def __len__(self) -> int:
        return len(self._staff) + len(self._others)

    async def submit(self, actor: Actor, command: Command, key: str | None, staff: bool = False) -> Any:
        loop = asyncio.get_running_loop()
        pending = Pending(actor, command, key, loop.create_future())
        (self._staff if staff else self._others).append(pending)
        if self._flushing is None:
            self._flushing = loop.create_task(self._drain())
        return await pending.answer

    def _next_batch(self) -> list[Pending]:
        # A sender that went away before its batch began is dropped, as if it had never sent.
        batch = [p for p in (*self._staff, *self._others) if not p.answer.done()]
        self._staff.clear()
        self._others.clear()
        return batch

    async def _drain(self) -> None:
        batch: list[Pending] = []
        try:
            while self:
                batch = self._next_batch()
                if not batch:
                    continue
                try:
                    await self._flush(batch)
                except Exception as error:  # the flush answers every command; this is the last guard
                    log.exception("a batch of %d commands failed", len(batch))
                    for pending in batch:
                        pending.fail(error)
        except asyncio.CancelledError:  # the server is stopping
            for pending in (*batch, *self._staff, *self._others):
                pending.answer.cancel()
            raise
        finally:
            self._flushing = None
