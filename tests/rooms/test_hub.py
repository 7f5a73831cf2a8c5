"""The hub's own promises, with a real log and fake sockets: no server needed."""

import asyncio
import json

import jinja2

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.auth import Credential
from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.connection import Connection, TokenBucket
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.render import Renderer
from facilitator.rooms.ws import handle
from tests.clock import TestClock, until


class BrokenBroker(MemoryBroker):
    async def publish(self, topic, message):
        raise ConnectionError("broker down")


def make_hub(tmp_path, broker=None, interval=0.1, clock=None) -> Hub:
    """A hub on a clock that moves only when the test moves it."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/hub.db")
    renderer = Renderer(
        jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir), autoescape=True), RULES.fragments
    )
    return Hub(
        RULES,
        EventLog(make_engine(settings.database_url)),
        broker or MemoryBroker(),
        renderer,
        "key",
        interval,
        clock=clock or TestClock(flowing=False),
    )


def pushed(connection: Connection) -> list[str]:
    """What the hub queued for this client since the last look."""
    queued = connection.outbox[:]
    connection.outbox.clear()
    return queued


async def rendered(room) -> None:
    """Wait until the push the last change scheduled has run."""
    await until(lambda: not room.render_due)


async def new_room(hub: Hub) -> str:
    code, _ = await hub.create(RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c"}))
    return code


class AnyScreen(Credential):
    """A screen whose link these tests do not care about: it always holds."""

    def holds(self, state) -> bool:
        return True


def fake_connection(code: str, surface: str = "screen", credential: Credential | None = None) -> Connection:
    """A connection with no socket behind it; by default a screen whose link is not checked."""
    return Connection(None, code, credential or AnyScreen(Actor(Role.SCREEN)), surface, 1000, TokenBucket(10, 10))


def join_command(i: int):
    return RULES.parse(
        {"type": "participant.join", "name": f"P{i}", "organisation": "Org", "accept_confidentiality": True}
    )


def test_a_command_is_acknowledged_even_when_the_broker_cannot_publish(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path, BrokenBroker())
        code = await new_room(hub)
        outcome = await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "room.lock"}))
        assert outcome.seq == 2
        assert [e.type for e in await hub.log.read(code)] == ["room.created", "room.locked"]

    asyncio.run(scenario())


def test_a_burst_of_changes_is_pushed_in_a_few_coalesced_renders(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path, interval=0.1)
        code = await new_room(hub)
        room = await hub.open(code)
        screen = fake_connection(code)
        await hub.connect(room, screen)
        screen.outbox.pop(0)  # the full render on connect
        for i in range(60):
            await hub.execute(code, Actor(Role.VISITOR), join_command(i))
        await until(lambda: room.last_render)  # the first change is pushed at once
        assert len(pushed(screen)) == 1
        assert room.render_due  # the rest waits for the interval to end
        hub.clock.advance(0.099)
        await asyncio.sleep(0.01)
        assert pushed(screen) == [] and room.render_due
        hub.clock.advance(0.001)
        await rendered(room)
        rest = pushed(screen)
        assert len(rest) == 1 and 'data-count="joined">60<' in rest[0]

    asyncio.run(scenario())


def test_one_render_sends_the_same_bytes_to_every_client_of_a_surface(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path, interval=0.01)
        code = await new_room(hub)
        room = await hub.open(code)
        screens = [fake_connection(code) for _ in range(3)]
        for screen in screens:
            await hub.connect(room, screen)
        await hub.execute(code, Actor(Role.VISITOR), join_command(1))
        await rendered(room)
        for screen in screens:  # the connect render, then the join's
            assert len(pushed(screen)) == 2
        await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "room.lock"}))
        hub.clock.advance(0.01)
        await rendered(room)
        (lock,) = {id(text): text for screen in screens for text in pushed(screen)}.values()
        assert "Closed to new participants" in lock  # the same object for all: rendered once, not per socket
        assert 'id="room-counts"' not in lock  # unchanged fragments are not resent

    asyncio.run(scenario())


# -- opening rooms -------------------------------------------------------------


class CountingBroker(MemoryBroker):
    def __init__(self):
        super().__init__()
        self.subscriptions = 0

    async def subscribe(self, topic, handler):
        self.subscriptions += 1
        await super().subscribe(topic, handler)


class RecordingAlarms:
    def __init__(self):
        self.rooms: set[str] = set()

    def sync(self, room, deadlines):
        self.rooms.add(room)


def unknown_codes(count: int) -> list[str]:
    """Distinct codes in the room code alphabet that name no exchange."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return ["".join(alphabet[(i // len(alphabet) ** k) % len(alphabet)] for k in range(6)) for i in range(count)]


def test_a_scan_of_unknown_codes_leaves_nothing_behind(tmp_path):
    async def scenario():
        broker = CountingBroker()
        hub = make_hub(tmp_path, broker)
        hub.alarms = alarms = RecordingAlarms()
        real = await new_room(hub)
        codes = [code for code in unknown_codes(1000) if code != real]

        async def try_open(code: str) -> None:
            try:
                await hub.open(code)
            except CommandError as error:
                assert error.status == 404
            else:
                raise AssertionError(f"{code} opened")

        for start in range(0, len(codes), 100):  # many at once, and each code twice at the same time
            batch = codes[start : start + 100]
            await asyncio.gather(*(try_open(code) for code in batch + batch))

        assert hub._opening == {}
        assert hub.rooms == {}
        assert broker.subscriptions == 0 and broker.handlers == {} and broker.presence == {}
        assert hub.presence.local == {} and hub.presence.remote == {}
        assert alarms.rooms == set()

    asyncio.run(scenario())


def test_everyone_opening_a_room_at_once_shares_one_load(tmp_path):
    async def scenario():
        broker = CountingBroker()
        hub = make_hub(tmp_path, broker)
        code = await new_room(hub)
        opened = await asyncio.gather(*(hub.open(code) for _ in range(20)))
        assert all(room is opened[0] for room in opened)
        assert broker.subscriptions == 1
        assert hub._opening == {}

    asyncio.run(scenario())


def test_a_client_that_goes_away_while_its_room_loads_does_not_stop_the_load(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path)
        code = await new_room(hub)
        leaving = asyncio.create_task(hub.open(code))
        staying = asyncio.create_task(hub.open(code))
        await asyncio.sleep(0)  # both are waiting on the one load
        leaving.cancel()
        room = await staying
        assert hub.rooms[code] is room
        assert hub._opening == {}

    asyncio.run(scenario())


# -- credentials that stop holding -------------------------------------------------


def link_credential(room, role: Role) -> Credential:
    return Credential(Actor(role), link_hash=room.state.link_hashes[role.value])


def test_a_replaced_link_closes_its_connections_at_the_next_render(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path, interval=0.01)
        code = await new_room(hub)
        room = await hub.open(code)
        scribe = fake_connection(code, "scribe", link_credential(room, Role.SCRIBE))
        facilitator_on_scribe = fake_connection(code, "scribe", link_credential(room, Role.FACILITATOR))
        screen = fake_connection(code, "screen", link_credential(room, Role.SCREEN))
        for connection in (scribe, facilitator_on_scribe, screen):
            await hub.connect(room, connection)
            connection.outbox.pop(0)  # the full render on connect

        await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "link.rotate", "role": "scribe"}))
        await rendered(room)
        told = scribe.outbox.pop(0)
        assert "This link was replaced; ask the facilitator for the new one." in told
        assert not scribe.outbox  # then closed, and sent nothing more
        assert scribe.close_code == 1008
        assert room.connections == {facilitator_on_scribe, screen}
        assert facilitator_on_scribe.close_code is None and screen.close_code is None

    asyncio.run(scenario())


def test_a_connection_whose_link_was_replaced_before_it_was_added_is_closed_at_once(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path)
        code = await new_room(hub)
        room = await hub.open(code)
        screen = fake_connection(code, "screen", link_credential(room, Role.SCREEN))
        # The rotation lands between the socket's check of its cookie and its joining the room.
        await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "link.rotate", "role": "screen"}))
        await hub.connect(room, screen)
        assert "This link was replaced" in screen.outbox.pop(0)
        assert not screen.outbox
        assert screen.close_code == 1008 and screen not in room.connections

    asyncio.run(scenario())


def test_a_command_from_a_replaced_link_is_refused_before_the_render_closes_it(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path, interval=60)  # the render that would close it is a minute away
        code = await new_room(hub)
        room = await hub.open(code)
        hub.render(room)
        room.last_render = hub.clock.monotonic()
        scribe = fake_connection(code, "scribe", link_credential(room, Role.SCRIBE))
        await hub.connect(room, scribe)
        scribe.outbox.pop(0)
        await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "link.rotate", "role": "scribe"}))
        assert scribe.close_code is None  # not evicted yet

        note = {"type": "note.post", "kind": "insight", "text": "Written with the old link", "id": "n-1"}
        await handle(hub, room, scribe, json.dumps(note), 16 * 1024)
        assert "This link was replaced" in scribe.outbox.pop(0)
        assert scribe.close_code == 1008
        assert [e.type for e in await hub.log.read(code)] == ["room.created", "link.rotated"]

    asyncio.run(scenario())


def test_a_push_that_took_long_is_followed_by_the_next_no_sooner_than_four_times_its_cost(tmp_path):
    async def scenario():
        hub = make_hub(tmp_path, interval=0.01)
        code = await new_room(hub)
        room = await hub.open(code)
        room.render_cost = 0.1  # a heavy push just ran
        room.last_render = hub.clock.monotonic()
        await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "room.lock"}))
        hub.clock.advance(0.399)  # 0.1 s / RENDER_SHARE, not the 10 ms interval
        await asyncio.sleep(0.01)
        assert room.render_due
        hub.clock.advance(0.001)
        await rendered(room)

    asyncio.run(scenario())
