"""The outbox and presence never wait for the broker, and keep each room's messages in order."""

import asyncio
import logging

from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.outbox import Outbox, newest_of_each_kind, retry_delay
from facilitator.rooms.presence import Presence
from tests.clock import until


def events(seq: int) -> dict:
    return {"kind": "events", "events": [{"seq": seq}]}


def presence(*members: str) -> dict:
    return {"kind": "presence", "node": "n1", "members": list(members)}


class Broker:
    """Publishes into `published`; hangs while `running` is clear, fails while `down` is set."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []
        self.running = asyncio.Event()
        self.running.set()
        self.down = False
        self.failures = 0

    async def publish(self, topic: str, message: dict) -> None:
        await self.running.wait()
        if self.down:
            self.failures += 1
            raise ConnectionError("broker down")
        self.published.append((topic, message))


def test_retries_start_quick_then_settle_at_a_second_then_five():
    assert [retry_delay(n) for n in (1, 2, 3, 4, 33)] == [0.1, 0.2, 0.5, 1.0, 1.0]
    assert retry_delay(34) == retry_delay(1000) == 5.0


def test_a_backlog_folds_to_the_newest_message_of_each_kind_in_order():
    backlog = [events(1), presence("a"), events(2), events(3), presence("a", "b")]
    assert newest_of_each_kind(backlog) == [events(3), presence("a", "b")]


def test_sending_never_waits_and_each_topic_keeps_its_order():
    async def scenario():
        broker = Broker()
        outbox = Outbox(broker.publish)
        broker.running.clear()  # the broker hangs
        for seq in range(1, 6):
            outbox.send("room:A", events(seq))  # returns at once: nothing here awaits
            outbox.send("room:B", events(seq))
        assert broker.published == []
        broker.running.set()
        await until(lambda: len(broker.published) == 10)
        for topic in ("room:A", "room:B"):
            assert [m["events"][0]["seq"] for t, m in broker.published if t == topic] == [1, 2, 3, 4, 5]
        assert outbox.tasks == {} and outbox.backlog == {}  # nothing lingers once sent

    asyncio.run(scenario())


def test_while_the_broker_is_down_the_backlog_folds_and_the_newest_leaves_once_it_is_back(caplog):
    async def scenario():
        broker = Broker()
        outbox = Outbox(broker.publish)
        broker.down = True
        for seq in range(1, 51):
            outbox.send("room:A", events(seq))
        outbox.send("room:A", presence("p1"))
        await until(lambda: broker.failures)  # the first publish has failed
        broker.down = False
        await until(lambda: not outbox.tasks)
        # A node reading events 50 sees the gap and reads 1..49 from the log.
        assert [m for _, m in broker.published] == [events(50), presence("p1")]

    with caplog.at_level(logging.INFO, logger="facilitator.rooms.outbox"):
        asyncio.run(scenario())
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Publishing to the broker failed" in warnings[0].getMessage()
    assert any("works again" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)


def test_a_backlog_never_grows_past_its_limit():
    async def scenario():
        broker = Broker()
        broker.running.clear()
        outbox = Outbox(broker.publish, limit=10)
        for seq in range(1, 1001):
            outbox.send("room:A", events(seq))
            assert len(outbox.backlog["room:A"]) <= 10
        broker.running.set()
        await until(lambda: not outbox.tasks)
        assert broker.published[-1] == ("room:A", events(1000))
        assert len(broker.published) <= 11

    asyncio.run(scenario())


class HungBroker(MemoryBroker):
    """Every call to Redis hangs, as a stopped Redis does."""

    async def put_presence(self, topic, node, members):
        await asyncio.Event().wait()

    async def publish(self, topic, message):
        await asyncio.Event().wait()


def test_presence_shares_a_connect_in_the_background():
    async def scenario():
        broker = HungBroker()
        presence = Presence(broker, "n1")
        async with asyncio.timeout(0.5):  # does not wait for the broker
            assert await presence.track("ROOM", "p1")
            assert not await presence.track("ROOM", "p1")
            assert await presence.untrack("ROOM", "p1") is False
        assert presence.connected("ROOM") == {"p1"}
        await broker.stop()

    asyncio.run(scenario())


def test_presence_that_cannot_be_read_leaves_the_other_nodes_as_last_known():
    class Unreachable(MemoryBroker):
        async def get_presence(self, topic):
            raise ConnectionError("broker down")

    async def scenario():
        presence = Presence(Unreachable(), "n1")
        presence.merge("ROOM", {"node": "n2", "members": ["p2"]})
        assert await presence.load("ROOM") is False
        assert presence.connected("ROOM") == {"p2"}

    asyncio.run(scenario())
