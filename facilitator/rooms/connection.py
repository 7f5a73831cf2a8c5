"""One client's WebSocket, as the hub sees it: who it is, what it shows, its outbox.

A broadcast never waits on a phone: it drops the text into each connection's
bounded outbox and moves on; a writer task drains it, started when text arrives
and gone once the outbox is empty, so an idle phone holds no task and no queue
(a hall of 2,000 idle phones is most of what the server holds). A
connection whose outbox overflows is closed with 1013 ("try again later"),
which the htmx WebSocket extension answers by reconnecting, and a reconnect
always starts with a full render, so nothing is lost but the backlog.
"""

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from facilitator.rooms.auth import Credential

_ids = itertools.count(1)

CLOSE_POLICY = 1008  # removed, link replaced, or the exchange is gone: do not come back
CLOSE_TRY_AGAIN = 1013  # too far behind: reconnect and resynchronise
CLOSE_GONE = 1006  # the socket broke under a send


@dataclass
class TokenBucket:
    """Allows `rate` messages a second on average, `burst` at once, by `clock` (seconds)."""

    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)
        self.stamp = self.clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        room: str,
        credential: Credential,
        surface: str,
        outbox_limit: int,
        bucket: TokenBucket,
    ):
        self.id = next(_ids)
        self.websocket = websocket
        self.room = room
        # Checked again after every change, so a replaced link or a removal ends this socket.
        self.credential = credential
        self.actor = credential.actor
        self.surface = surface
        self.bucket = bucket
        self.outbox: list[str] = []
        self.outbox_limit = outbox_limit
        self.writer: asyncio.Task[None] | None = None
        # Per-viewer fragments last sent to this client, to send only what changed.
        self.sent: dict[str, str] = {}
        self.close_code: int | None = None
        self.close_reason = ""
        self.flood_warned_at = float("-inf")

    def push(self, text: str) -> None:
        """Queue text for this client without waiting; close it if it is too far behind."""
        if self.close_code is not None:
            return
        if len(self.outbox) >= self.outbox_limit:
            self.close(CLOSE_TRY_AGAIN)
            return
        self.outbox.append(text)
        self._wake()

    def close(self, code: int, reason: str = "") -> None:
        """Close once what is queued has been sent; `reason` is a sentence the page shows (at most 123 bytes)."""
        if self.close_code is None:
            self.close_code = code
            self.close_reason = reason
            self._wake()

    def _wake(self) -> None:
        # A connection without a socket (the hub's own tests) keeps what it is sent.
        if self.writer is None and self.websocket is not None:
            self.writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.outbox:
                batch, self.outbox = self.outbox, []
                for text in batch:
                    await self.websocket.send_text(text)
            if self.close_code is not None and self.websocket.application_state is WebSocketState.CONNECTED:
                await self.websocket.close(self.close_code, self.close_reason)
        except (WebSocketDisconnect, RuntimeError, OSError):  # the client went away mid-send
            self.outbox.clear()
            if self.close_code is None:
                self.close_code = CLOSE_GONE
        finally:
            self.writer = None

    async def finish(self) -> None:
        """The client has gone or is being closed: stop writing, or let the closing write end."""
        writer = self.writer
        if writer is None:
            return
        if self.close_code is None:
            writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
