"""One client's WebSocket, as the hub sees it: who it is, what it shows, its outbox.

A broadcast never waits on a phone: it drops the text into each connection's
bounded outbox and moves on; each connection's own writer task drains it. A
connection whose outbox overflows is closed with 1013 ("try again later"),
which the htmx WebSocket extension answers by reconnecting, and a reconnect
always starts with a full render, so nothing is lost but the backlog.
"""

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketState

from facilitator.rooms.auth import Credential

_ids = itertools.count(1)

CLOSE_POLICY = 1008  # removed, link replaced, or the exchange is gone: do not come back
CLOSE_TRY_AGAIN = 1013  # too far behind: reconnect and resynchronise


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
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue(maxsize=outbox_limit)
        # Per-viewer fragments last sent to this client, to send only what changed.
        self.sent: dict[str, str] = {}
        self.close_code: int | None = None
        self.close_reason = ""
        self.flood_warned_at = float("-inf")

    def push(self, text: str) -> None:
        """Queue text for this client without waiting; close it if it is too far behind."""
        if self.close_code is not None:
            return
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            self.close(CLOSE_TRY_AGAIN)

    def close(self, code: int, reason: str = "") -> None:
        """Close after what is queued; `reason` is a sentence the page shows (at most 123 bytes)."""
        if self.close_code is None:
            self.close_code = code
            self.close_reason = reason
            # The writer closes the socket once it reaches this marker; the
            # outbox is bounded, so make room for it by dropping the backlog.
            while True:
                try:
                    self.outbox.put_nowait(None)
                    return
                except asyncio.QueueFull:
                    self.outbox.get_nowait()

    async def run_writer(self) -> None:
        while True:
            text = await self.outbox.get()
            if text is None:
                if self.websocket.application_state is WebSocketState.CONNECTED:
                    await self.websocket.close(self.close_code or 1000, self.close_reason)
                return
            await self.websocket.send_text(text)
