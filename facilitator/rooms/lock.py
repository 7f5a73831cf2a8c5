"""One change at a time to a room's state: a batch of its commands (`rooms/batching.py`, which
puts the people running the room first in line), or events another process wrote."""

import asyncio
from collections import deque


class RoomLock:
    """A lock whose urgent waiters go ahead of the others.

    Among waiters of one kind the order is first come, first served, as with
    `asyncio.Lock`; a released lock is handed straight to the next waiter, so
    nobody can barge in between.
    """

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future] = deque()
        self._others: deque[asyncio.Future] = deque()

    def locked(self) -> bool:
        return self._held

    async def acquire(self, urgent: bool = False) -> None:
        if not self._held:
            self._held = True
            return
        waiter = asyncio.get_running_loop().create_future()
        line = self._urgent if urgent else self._others
        line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed the lock while being cancelled: pass it on
            else:
                line.remove(waiter)
            raise

    def release(self) -> None:
        for line in (self._urgent, self._others):
            while line:
                waiter = line.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # still held: it now belongs to this waiter
                    return
        self._held = False

    def held(self, urgent: bool = False) -> "_Holding":
        return _Holding(self, urgent)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *_exc) -> None:
        self.release()


class _Holding:
    def __init__(self, lock: RoomLock, urgent: bool):
        self.lock, self.urgent = lock, urgent

    async def __aenter__(self) -> None:
        await self.lock.acquire(self.urgent)

    async def __aexit__(self, *_exc) -> None:
        self.lock.release()
