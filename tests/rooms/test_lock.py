"""The room's lock: one command at a time, and the people running the room first in line."""

import asyncio

import pytest

from facilitator.rooms.lock import RoomLock


def test_an_urgent_waiter_goes_ahead_of_a_queue_of_others_and_the_others_keep_their_order():
    async def scenario():
        lock, order = RoomLock(), []

        async def command(name: str, urgent: bool = False):
            async with lock.held(urgent):
                order.append(name)
                await asyncio.sleep(0)

        await lock.acquire()  # a command in progress
        waiting = [asyncio.create_task(command(f"vote {i}")) for i in range(5)]
        await asyncio.sleep(0)
        waiting.append(asyncio.create_task(command("close the poll", urgent=True)))
        await asyncio.sleep(0)
        lock.release()
        await asyncio.gather(*waiting)
        assert order == ["close the poll", *(f"vote {i}" for i in range(5))]
        assert not lock.locked()

    asyncio.run(scenario())


def test_a_waiter_cancelled_in_line_or_just_as_it_is_handed_the_lock_never_leaves_it_held():
    async def scenario():
        lock = RoomLock()
        await lock.acquire()
        gone = asyncio.create_task(lock.acquire())
        handed = asyncio.create_task(lock.acquire())
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        lock.release()  # hands it to `handed`, which is cancelled before it runs
        handed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await handed
        assert not lock.locked()
        async with lock:
            assert lock.locked()
        assert not lock.locked()

    asyncio.run(scenario())
