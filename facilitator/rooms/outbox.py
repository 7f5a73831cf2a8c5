"""Publishing that never makes the room wait for the broker.

A command is acknowledged once its events are in the log; telling the other
nodes is the fast path on top, and a node that misses a message reads the log
at its next gap or resynchronisation. So the hub hands each message to an
`Outbox` and carries on: one task per topic publishes that topic's messages in
order, and retries after a fault.

While the broker is slow or down, a topic's backlog is folded to the newest
message of each kind, which loses nothing a node needs: the newest events
message shows a node the gap it must read from the log, and the newest
presence message carries all of this node's members.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from facilitator.rooms.outage import Outage

log = logging.getLogger(__name__)

Message = dict[str, Any]
Publish = Callable[[str, Message], Awaitable[None]]
BACKLOG_LIMIT = 256


def retry_delay(failures: int) -> float:
    """Seconds to wait after this many failures in a row (1 or more): quick at first, for a
    blip or a restart; every second for half a minute, so a broker that comes back is used
    again within a second; then every 5 s."""
    quick = (0.1, 0.2, 0.5)
    if failures <= len(quick):
        return quick[failures - 1]
    return 1.0 if failures <= len(quick) + 30 else 5.0


def newest_of_each_kind(messages: Iterable[Message]) -> list[Message]:
    """The newest message of each kind, in their order."""
    messages = list(messages)
    newest = {message.get("kind"): index for index, message in enumerate(messages)}
    return [message for index, message in enumerate(messages) if newest[message.get("kind")] == index]


class Outbox:
    def __init__(self, publish: Publish, limit: int = BACKLOG_LIMIT) -> None:
        self.publish = publish
        self.limit = limit
        self.backlog: dict[str, deque[Message]] = {}
        self.tasks: dict[str, asyncio.Task] = {}
        self.folded = 0
        self.outage = Outage(
            log, "Publishing to the broker", "commands go on; other nodes read what they miss from the log"
        )

    def send(self, topic: str, message: Message) -> None:
        """Queue a message and return at once; a topic's messages leave in the order sent."""
        backlog = self.backlog.setdefault(topic, deque())
        backlog.append(message)
        if len(backlog) > self.limit:
            self._fold(backlog)
        if topic not in self.tasks:
            self.tasks[topic] = asyncio.get_running_loop().create_task(
                self._drain(topic, backlog), name=f"publish {topic}"
            )

    async def close(self, grace: float = 1.0) -> None:
        """Give queued messages a moment to leave, then stop."""
        tasks = list(self.tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _drain(self, topic: str, backlog: deque[Message]) -> None:
        failures = 0
        try:
            while backlog:
                message = backlog.popleft()
                try:
                    await self.publish(topic, message)
                except Exception as error:  # noqa: BLE001 - any broker fault: fold and retry
                    self.outage.failed(error)
                    backlog.appendleft(message)
                    self._fold(backlog)
                    failures += 1
                    await asyncio.sleep(retry_delay(failures))
                    continue
                failures = 0
                if self.outage.worked() and self.folded:
                    log.info("%d queued messages were folded into newer ones meanwhile", self.folded)
                    self.folded = 0
        finally:
            del self.backlog[topic], self.tasks[topic]

    def _fold(self, backlog: deque[Message]) -> None:
        kept = newest_of_each_kind(backlog)
        self.folded += len(backlog) - len(kept)
        backlog.clear()
        backlog.extend(kept)
