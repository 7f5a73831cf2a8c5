"""A connection's outbox: sent in order, closed after what was queued, and nothing held while idle."""

import asyncio

from starlette.websockets import WebSocketState

from facilitator.rooms.connection import CLOSE_POLICY, CLOSE_TRY_AGAIN, Connection, TokenBucket
from facilitator.rooms.model import Actor, Role
from tests.rooms.test_hub import AnyScreen


class Socket:
    """Records what a client would receive; `hold` keeps sends waiting, as a slow phone does."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.closed_with: int | None = None
        self.application_state = WebSocketState.CONNECTED
        self.hold = asyncio.Event()
        self.hold.set()

    async def send_text(self, text: str) -> None:
        await self.hold.wait()
        self.received.append(text)

    async def close(self, code: int, reason: str = "") -> None:
        self.closed_with = code
        self.application_state = WebSocketState.DISCONNECTED


class Broken(Socket):
    async def send_text(self, text: str) -> None:
        raise RuntimeError("the client went away")


def connection_to(socket: Socket, limit: int = 10) -> Connection:
    return Connection(socket, "ROOM", AnyScreen(Actor(Role.SCREEN)), "screen", limit, TokenBucket(10, 10))


async def drained(connection: Connection) -> None:
    while connection.writer is not None:
        await asyncio.sleep(0)


def test_texts_arrive_in_order_and_an_idle_connection_holds_no_writer():
    async def scenario():
        socket = Socket()
        connection = connection_to(socket)
        assert connection.writer is None
        for text in ("a", "b", "c"):
            connection.push(text)
        await drained(connection)
        connection.push("d")
        await drained(connection)
        assert socket.received == ["a", "b", "c", "d"]
        assert connection.writer is None and connection.outbox == []

    asyncio.run(scenario())


def test_text_pushed_during_a_slow_send_follows_in_order():
    async def scenario():
        socket = Socket()
        socket.hold.clear()
        connection = connection_to(socket)
        connection.push("first")
        await asyncio.sleep(0)  # the writer is now waiting on the slow phone
        connection.push("second")
        connection.push("third")
        socket.hold.set()
        await drained(connection)
        assert socket.received == ["first", "second", "third"]

    asyncio.run(scenario())


def test_a_close_sends_what_was_queued_first():
    async def scenario():
        socket = Socket()
        connection = connection_to(socket)
        connection.push("This link was replaced")
        connection.close(CLOSE_POLICY)
        connection.push("never sent")
        await drained(connection)
        assert socket.received == ["This link was replaced"] and socket.closed_with == CLOSE_POLICY

    asyncio.run(scenario())


def test_a_phone_too_far_behind_is_closed_with_try_again():
    async def scenario():
        socket = Socket()
        socket.hold.clear()
        connection = connection_to(socket, limit=3)
        for n in range(5):
            connection.push(str(n))
        assert connection.close_code == CLOSE_TRY_AGAIN
        socket.hold.set()
        await drained(connection)
        assert socket.closed_with == CLOSE_TRY_AGAIN

    asyncio.run(scenario())


def test_a_socket_that_breaks_mid_send_ends_the_writer_quietly():
    async def scenario():
        connection = connection_to(Broken())
        connection.push("lost")
        await drained(connection)
        assert connection.close_code is not None and connection.outbox == []
        connection.push("after")  # ignored: nothing more can reach it
        assert connection.writer is None
        await connection.finish()

    asyncio.run(scenario())
