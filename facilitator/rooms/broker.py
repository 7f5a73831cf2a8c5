"""Fan-out between processes: one small interface, two backends.

`broker_for(url)` picks the backend once, from configuration: the in-process
broker when there is no Redis URL, Redis pub/sub otherwise. Nothing above this
module knows which one runs.

Redis pub/sub delivers at most once, so the Redis backend supervises its
subscription and calls `on_resync` after every reconnect: the hub then reads
whatever it missed from the event log, which stays the truth.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import redis.asyncio as redis

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
PRESENCE_TTL_SECONDS = 30


class Broker(Protocol):
    on_resync: Callable[[], Awaitable[None]] | None

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> None: ...
    async def publish(self, topic: str, message: dict[str, Any]) -> None: ...
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
        self.on_resync = None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ping(self) -> None: ...

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        handler = self.handlers.get(topic)
        if handler is not None:
            await handler(message)

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

    def __init__(self, url: str, presence_ttl: int = PRESENCE_TTL_SECONDS) -> None:
        self.presence_ttl = presence_ttl
        self.client = redis.from_url(url, socket_timeout=5, socket_connect_timeout=5,
                                     health_check_interval=15)
        self.handlers: dict[str, Handler] = {}
        self.on_resync = None
        self._reader: asyncio.Task | None = None
        self._pubsub = None

    async def start(self) -> None:
        await self.client.ping()
        self._reader = asyncio.create_task(self._supervise(), name="redis-subscriber")

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self.client.aclose()

    async def ping(self) -> None:
        await self.client.ping()

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        await self.client.publish(_channel(topic), json.dumps(message, separators=(",", ":")))

    async def subscribe(self, topic: str, handler: Handler) -> None:
        self.handlers[topic] = handler
        if self._pubsub is not None:
            try:
                await self._pubsub.subscribe(_channel(topic))
            except redis.RedisError as error:
                # The supervisor subscribes to every handler's topic when it reconnects.
                log.warning("subscribing to %s failed (%s); will retry on reconnect", topic, error)

    async def unsubscribe(self, topic: str) -> None:
        self.handlers.pop(topic, None)
        if self._pubsub is not None:
            await self._pubsub.unsubscribe(_channel(topic))

    async def put_presence(self, topic: str, node: str, members: list[str]) -> None:
        key = _presence_key(topic)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, node, json.dumps({"members": members}))
            pipe.set(_node_key(node), "1", ex=self.presence_ttl)
            pipe.expire(key, 24 * 3600)
            await pipe.execute()

    async def get_presence(self, topic: str) -> dict[str, list[str]]:
        raw = await self.client.hgetall(_presence_key(topic))
        nodes = [node.decode() for node in raw]
        alive = await self.client.mget([_node_key(node) for node in nodes]) if nodes else []
        return {node: json.loads(value)["members"]
                for node, value, live in zip(nodes, raw.values(), alive) if live is not None}

    async def heartbeat(self, node: str) -> None:
        await self.client.set(_node_key(node), "1", ex=self.presence_ttl)

    async def _supervise(self) -> None:
        delay, reconnecting = 0.1, False
        while True:
            try:
                if self._pubsub is not None:
                    await self._pubsub.aclose()  # give the broken connection back to the pool
                self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                if self.handlers:
                    await self._pubsub.subscribe(*(_channel(t) for t in self.handlers))
                if reconnecting and self.on_resync is not None:
                    await self.on_resync()  # messages published while we were away are lost
                delay, reconnecting = 0.1, False
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - any Redis fault means: reconnect
                log.warning("redis subscription lost (%s); reconnecting in %.1fs", error, delay)
                reconnecting = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _read(self) -> None:
        while True:
            if not self._pubsub.subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await self._pubsub.get_message(timeout=1.0)
            if message is None or message["type"] != "message":
                continue
            topic = message["channel"].decode().removeprefix("facilitator:")
            handler = self.handlers.get(topic)
            if handler is not None:
                try:
                    await handler(json.loads(message["data"]))
                except Exception:  # a bad message must not stop the subscription
                    log.exception("handler for %s failed", topic)


def _channel(topic: str) -> str:
    return f"facilitator:{topic}"


def _presence_key(topic: str) -> str:
    return f"facilitator:presence:{topic}"


def _node_key(node: str) -> str:
    return f"facilitator:node:{node}"
