"""Fan-out between processes: one small interface, two backends.

`broker_for(url)` picks the backend once, from configuration: the in-process
broker when there is no Redis URL, Redis pub/sub otherwise. Nothing above this
module knows which one runs.

Redis pub/sub delivers at most once, so the Redis backend supervises its
subscription and calls `on_resync` after every reconnect: the hub then reads
whatever it missed from the event log, which stays the truth.

Redis is never waited on for long: every command has a short timeout, and
`send` queues a message in an `Outbox` that publishes it in the background, so
a Redis that hangs or restarts slows no command and no connection.
"""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import redis.asyncio as redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from facilitator.rooms.outage import Outage
from facilitator.rooms.outbox import Outbox, retry_delay

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
PRESENCE_TTL_SECONDS = 30
# A Redis that has not answered in this long is treated as down for that command.
COMMAND_TIMEOUT_SECONDS = 0.5


class Broker(Protocol):
    on_resync: Callable[[], Awaitable[None]] | None
    reconnects: int

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> None: ...
    async def publish(self, topic: str, message: dict[str, Any]) -> None: ...
    def send(self, topic: str, message: dict[str, Any]) -> None: ...
    async def subscribe(self, topic: str, handler: Handler) -> None: ...
    async def unsubscribe(self, topic: str) -> None: ...
    async def put_presence(self, topic: str, node: str, members: list[str]) -> None: ...
    async def get_presence(self, topic: str) -> dict[str, list[str]]: ...
    async def heartbeat(self, node: str) -> None: ...


def broker_for(redis_url: str | None, presence_ttl: int = PRESENCE_TTL_SECONDS) -> Broker:
    return RedisBroker(redis_url, presence_ttl) if redis_url else MemoryBroker()


class MemoryBroker:
    """One process: messages go straight to this process's subscribers."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.presence: dict[str, dict[str, list[str]]] = {}
        self.on_resync: Callable[[], Awaitable[None]] | None = None
        self.outbox = Outbox(self.publish)
        self.reconnects = 0  # nothing to reconnect to

    async def start(self) -> None: ...

    async def stop(self) -> None:
        await self.outbox.close()

    async def ping(self) -> None: ...

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        handler = self.handlers.get(topic)
        if handler is not None:
            await handler(message)

    def send(self, topic: str, message: dict[str, Any]) -> None:
        self.outbox.send(topic, message)

    async def subscribe(self, topic: str, handler: Handler) -> None:
        self.handlers[topic] = handler

    async def unsubscribe(self, topic: str) -> None:
        self.handlers.pop(topic, None)

    async def put_presence(self, topic: str, node: str, members: list[str]) -> None:
        self.presence.setdefault(topic, {})[node] = members

    async def get_presence(self, topic: str) -> dict[str, list[str]]:
        return dict(self.presence.get(topic, {}))

    async def heartbeat(self, node: str) -> None: ...


class RedisBroker:
    """Many processes: Redis pub/sub carries messages, a Redis hash carries presence."""

    def __init__(
        self, url: str, presence_ttl: int = PRESENCE_TTL_SECONDS, timeout: float = COMMAND_TIMEOUT_SECONDS
    ) -> None:
        self.presence_ttl = presence_ttl
        self.timeout = timeout
        # A pooled connection that broke (Redis restarted) is retried once, at once; beyond
        # that a command fails, and its caller decides: the outbox retries, presence waits
        # for its next refresh. redis-py's default would back off up to ten times.
        self.client = redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, retry=Retry(NoBackoff(), 1), health_check_interval=15
        )
        # The subscription has a pool of its own that never reconnects by itself: the
        # supervisor must see every break, to read what was missed from the log.
        self.subscriber = redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0), health_check_interval=15
        )
        self.handlers: dict[str, Handler] = {}
        self.on_resync: Callable[[], Awaitable[None]] | None = None
        self.outbox = Outbox(self.publish)
        self.subscription = Outage(
            log, "The Redis subscription", "reconnecting, then reading what was missed from the log"
        )
        self._reader: asyncio.Task | None = None
        self._pubsub: PubSub | None = None
        self._resubscribe = False
        # Subscriptions made again after a break (the metrics' broker reconnects).
        self.reconnects = 0

    async def start(self) -> None:
        await self.client.ping()
        self._reader = asyncio.create_task(self._supervise(), name="redis-subscriber")

    async def stop(self) -> None:
        await self.outbox.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self.subscriber.aclose()
        await self.client.aclose()

    async def ping(self) -> None:
        await self.client.ping()

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        async with asyncio.timeout(self.timeout):
            await self.client.publish(channel_of(topic), json.dumps(message, separators=(",", ":")))

    def send(self, topic: str, message: dict[str, Any]) -> None:
        self.outbox.send(topic, message)

    async def subscribe(self, topic: str, handler: Handler) -> None:
        self.handlers[topic] = handler
        if self._pubsub is not None:
            try:
                async with asyncio.timeout(self.timeout):
                    await self._pubsub.subscribe(channel_of(topic))
            except (redis.RedisError, OSError, TimeoutError) as error:
                # The supervisor subscribes to every handler's topic when it reconnects.
                self.subscription.failed(error)
                self._resubscribe = True

    async def unsubscribe(self, topic: str) -> None:
        self.handlers.pop(topic, None)
        if self._pubsub is not None:
            try:
                async with asyncio.timeout(self.timeout):
                    await self._pubsub.unsubscribe(channel_of(topic))
            except (redis.RedisError, OSError, TimeoutError):
                self._resubscribe = True  # a fresh subscription leaves the topic out

    async def put_presence(self, topic: str, node: str, members: list[str]) -> None:
        key = _presence_key(topic)
        async with asyncio.timeout(self.timeout), self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, node, json.dumps({"members": members}))
            pipe.set(_node_key(node), "1", ex=self.presence_ttl)
            pipe.expire(key, 24 * 3600)
            await pipe.execute()

    async def get_presence(self, topic: str) -> dict[str, list[str]]:
        async with asyncio.timeout(self.timeout):
            raw = await self.client.hgetall(_presence_key(topic))
            nodes = [node.decode() if isinstance(node, bytes) else node for node in raw]
            alive = await self.client.mget([_node_key(node) for node in nodes]) if nodes else []
        return {
            node: json.loads(value)["members"]
            for node, value, live in zip(nodes, raw.values(), alive, strict=True)
            if live is not None
        }

    async def heartbeat(self, node: str) -> None:
        async with asyncio.timeout(self.timeout):
            await self.client.set(_node_key(node), "1", ex=self.presence_ttl)

    async def _supervise(self) -> None:
        failures, missed = 0, False
        while True:
            held_since = None
            try:
                async with asyncio.timeout(self.timeout):
                    await self._connect()
                if missed:
                    self.reconnects += 1
                    if self.on_resync is not None:
                        await self.on_resync()  # messages published while we were away are lost
                missed = False
                self.subscription.worked()
                held_since = time.monotonic()
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - any Redis fault means: reconnect
                self.subscription.failed(error)
                missed = True
                # A subscription that held starts the quick retries afresh; one that breaks as
                # soon as it is made keeps backing off, rather than reconnecting in a tight loop.
                held = held_since is not None and time.monotonic() - held_since > 1.0
                failures = 1 if held else failures + 1
                log.debug("redis subscription: %s; reconnecting in %.1fs", error, retry_delay(failures))
                await asyncio.sleep(retry_delay(failures))

    async def _connect(self) -> None:
        self._resubscribe = False
        if self._pubsub is not None:
            await self._pubsub.aclose()  # give the broken connection back to the pool
        self._pubsub = pubsub = self.subscriber.pubsub(ignore_subscribe_messages=True)
        if self.handlers:
            await pubsub.subscribe(*(channel_of(t) for t in self.handlers))

    async def _read(self) -> None:
        pubsub = self._pubsub  # made by _connect
        while pubsub is not None and not self._resubscribe:
            if not pubsub.subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await pubsub.get_message(timeout=1.0)
            if message is None or message["type"] != "message":
                continue
            topic = message["channel"].decode().removeprefix("facilitator:")
            handler = self.handlers.get(topic)
            if handler is not None:
                try:
                    await handler(json.loads(message["data"]))
                except Exception:  # a bad message must not stop the subscription
                    log.exception("handler for %s failed", topic)
        raise ConnectionError("a room's subscription failed")


def channel_of(topic: str) -> str:
    """The Redis channel of a topic (the hub publishes a room's messages on "room:{code}")."""
    return f"facilitator:{topic}"


def _presence_key(topic: str) -> str:
    return f"facilitator:presence:{topic}"


def _node_key(node: str) -> str:
    return f"facilitator:node:{node}"
