"""A hypothesis-driven fuzzer for the WebSocket: commands of every type with fuzzed fields,
and frames that are no command at all, sent over real sockets as the facilitator (console), a
scribe (scribe panel) and a participant (phone).

The property, per frame: the socket stays open (or is closed with a documented code), the
sender gets an answer (an acknowledgement or an error) and nobody else gets it, the server logs
no error, and after every accepted command the exchange folds from its log and takes ordinary
commands.
"""

import asyncio
import itertools
import json
import re

import pytest
import websockets
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.frames import command_messages, frames
from tests.fuzz.harness import FUZZ, Exchange, ServerErrors, assert_still_works, furnished_exchange
from tests.live import cookie_for

pytestmark = pytest.mark.fuzz

SURFACES = {"facilitator": "console", "scribe": "scribe", "participant": "phone"}
# Closes a fuzzed frame may cause (DESIGN.md, "Reconnect"): 1008 for a socket whose link was
# replaced or whose participant was removed, 1013 for one too far behind.
DOCUMENTED_CLOSES = {1008, 1013}
# What answers a frame: an error, the acknowledgement of a command, the server's clock.
ANSWERS = ('id="flash"', 'id="ack"', 'id="server-clock"')
# What only the sender of a frame may ever see: its acknowledgement, the check of its text for
# patient identifiers, its errors and notices (a replaced link is a notice). Onlookers may get a
# flash of their own: the farewell of a socket whose link was replaced.
PRIVATE = ('id="ack"', 'id="confirmation"', 'class="flash error"', 'class="flash notice"')
# Commands after which the exchange is replaced by a fresh one: an ended exchange refuses everything.
RENEWING = {"room.end"}
# Clock requests that tell the end of one frame's answers; as large as no page sends.
FENCES = itertools.count(10**15)
NEW_LINK = re.compile(r"(\w+) link: \S*?[?&]key=([\w-]+)", re.IGNORECASE)
ANSWER_WAIT = 10.0  # seconds; answers take milliseconds, so only a lost answer waits this long
RENDERED = 0.05  # seconds: a few render intervals of the fuzzing server
LOGGED = 0.2  # seconds for the server to log the fault that closed a socket


class Listener:
    """A socket read all the time in the background, so that nothing sent to it goes unseen."""

    def __init__(self, connection: websockets.ClientConnection, name: str):
        self.connection = connection
        self.name = name
        self.received: list[str] = []
        self.close_code: int | None = None
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, name: str, exchange: Exchange, role: str, surface: str, token: str) -> "Listener":
        url = exchange.base.replace("http://", "ws://") + f"/r/{exchange.code}/ws?surface={surface}"
        connection = await websockets.connect(
            url,
            compression=None,
            max_size=None,
            additional_headers={"Cookie": cookie_for(exchange.code, role, token), "Origin": exchange.base},
        )
        return cls(connection, name)

    async def _read(self) -> None:
        try:
            while True:
                message = await self.connection.recv()
                self.received.append(message if isinstance(message, str) else message.decode())
                self.changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.connection.close_code
            self.changed.set()

    @property
    def closed(self) -> bool:
        return self.reader.done()

    async def fence(self, start: int) -> int | None:
        """Ask for the server's clock and wait for the answer: a socket's frames are handled in
        order, and its outbox is first in, first out, so whatever was sent to it before is in.
        The index of the answer, or None if the socket closed first."""
        sent = next(FENCES)
        try:
            await self.connection.send(json.dumps({"type": "clock.sync", "sent": sent}))
        except websockets.ConnectionClosed:
            pass
        return await self.wait_for(f'data-sent="{sent}"', start)

    async def take_fenced(self) -> list[str]:
        """Everything received up to a fence, removed from `received` so that it is told once."""
        fenced = await self.fence(0)
        taken = self.received[:fenced]
        del self.received[: len(taken)]
        return taken

    async def wait_for(self, marker: str, start: int) -> int | None:
        """The index of the first message from `start` on that holds `marker`; None if the socket
        closed first."""
        try:
            async with asyncio.timeout(ANSWER_WAIT):
                while True:
                    for index in range(start, len(self.received)):
                        if marker in self.received[index]:
                            return index
                    if self.closed:
                        return None
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise AssertionError(f"the {self.name} got no answer in {ANSWER_WAIT} seconds") from None

    async def close(self) -> None:
        await self.connection.close()
        await self.reader

    def say(self) -> str:
        return f"the {self.name} socket closed with {self.close_code}"


class Session:
    """One exchange under fuzz: the sender's socket, and two onlookers (another participant's
    phone and the screen) who must never see what is said to the sender alone."""

    def __init__(self, base: str, role: str):
        self.base = base
        self.role = role

    async def start(self) -> None:
        self.exchange = await asyncio.to_thread(furnished_exchange, self.base)
        tokens = self.exchange.tokens
        surface = SURFACES[self.role]
        self.sender = await Listener.open(f"sender's {surface}", self.exchange, self.role, surface, tokens[self.role])
        self.onlookers = [
            await Listener.open("onlooking phone", self.exchange, "participant", "phone", tokens["onlooker"]),
            await Listener.open("screen", self.exchange, "screen", "screen", tokens["screen"]),
        ]

    async def stop(self) -> None:
        for listener in (self.sender, *self.onlookers):
            await listener.close()

    async def renew(self) -> None:
        await self.stop()
        await asyncio.to_thread(assert_still_works, self.exchange)
        await self.start()

    async def reopen_if_closed(self) -> None:
        """A fresh start after a frame that closed a socket for good and failed the property, so
        that replaying that frame (hypothesis does, to shrink it) meets the same conditions."""
        if any(listener.closed for listener in (self.sender, *self.onlookers)):
            await self.stop()
            await self.start()

    async def exchange_frame(self, frame: str | bytes, errors: ServerErrors) -> None:
        """Send one frame and check everything the property says about it."""
        await self.reopen_if_closed()
        about = repr(frame[:200])
        sender = self.sender
        start = len(sender.received)
        try:
            await sender.connection.send(frame)
        except websockets.ConnectionClosed:
            pass  # told below, with the close code
        # Once the answer to the sender's fence is in, so is the answer to the fuzzed frame; once
        # each onlooker's fence is answered, so is anything the frame made the server send them.
        fenced = await sender.fence(start)
        answered = sender.received[start:fenced]
        seen = {onlooker: await onlooker.take_fenced() for onlooker in self.onlookers}
        if any(listener.closed for listener in (sender, *self.onlookers)):
            await asyncio.sleep(LOGGED)  # a socket closed by a fault is logged just after it closes
        errors.assert_none(about=about)
        for onlooker, received in seen.items():
            leaked = [message for message in received if any(marker in message for marker in PRIVATE)]
            assert not leaked, f"the {onlooker.name} saw what only the sender should: {leaked[:1]}"
        for message in answered:  # a replaced link is shown to the facilitator who replaced it
            self.exchange.tokens.update({role.lower(): token for role, token in NEW_LINK.findall(message)})
        for listener in (sender, *self.onlookers):
            assert not listener.closed or listener.close_code in DOCUMENTED_CLOSES, listener.say()
        if fenced is None:  # closed with a documented code, which is a fine end for this socket
            await self.renew()
            return
        assert any(marker in message for message in answered for marker in ANSWERS), (
            f"no answer to the frame; the sender received {answered}"
        )
        accepted = any('data-accepted="true"' in message for message in answered)
        if any(listener.closed for listener in self.onlookers):
            await self.renew()
        elif accepted:
            await asyncio.sleep(RENDERED)  # so that an error in the render it causes is told with this frame
            if _command_type(frame) in RENEWING:
                await self.renew()
            else:
                await asyncio.to_thread(assert_still_works, self.exchange)
            errors.assert_none(about=about)


def _command_type(frame: str | bytes) -> object:
    try:
        parsed = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    return parsed.get("type") if isinstance(parsed, dict) else None


@pytest.mark.parametrize("role", SURFACES)
def test_every_frame_is_answered_to_its_sender_alone(live, server_errors, role):
    loop = asyncio.new_event_loop()
    session = Session(live, role)

    def run(step, limit: float = 60):
        async def bounded():
            async with asyncio.timeout(limit):
                return await step

        return loop.run_until_complete(bounded())

    run(session.start())
    try:

        @settings(FUZZ, max_examples=400)
        @given(data=st.data())
        def one_frame(data):
            frame = data.draw(frames(command_messages(session.exchange, role)), label="frame")
            run(session.exchange_frame(frame, server_errors))

        one_frame()
    finally:
        run(session.stop())
        loop.close()
    assert_still_works(session.exchange)
    server_errors.assert_none()
