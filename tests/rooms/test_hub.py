"""The hub's own promises, with a real log and fake sockets: no server needed."""

import asyncio

import jinja2

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.connection import Connection, TokenBucket
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import Actor, Role
from facilitator.rooms.render import Renderer


class BrokenBroker(MemoryBroker):
    async def publish(self, topic, message):
        raise ConnectionError("broker down")


def make_hub(tmp_path, broker=None, interval=0.1) -> Hub:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/hub.db")
    renderer = Renderer(jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir),
                                           autoescape=True), RULES.fragments)
    return Hub(RULES, EventLog(make_engine(settings.database_url)), broker or MemoryBroker(), renderer,
               "key", interval)


async def new_room(hub: Hub) -> str:
    code, _ = await hub.create(RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c"}))
    return code


def fake_connection(code: str, surface: str = "screen") -> Connection:
    return Connection(None, code, Actor(Role.SCREEN), surface, 1000, TokenBucket(10, 10))


def join_command(i: int):
    return RULES.parse({"type": "participant.join", "name": f"P{i}", "organisation": "Org",
                        "accept_confidentiality": True})


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
        screen.outbox.get_nowait()  # the full render on connect
        for i in range(60):
            await hub.execute(code, Actor(Role.VISITOR), join_command(i))
        await asyncio.sleep(0.35)
        pushes = [screen.outbox.get_nowait() for _ in range(screen.outbox.qsize())]
        assert 1 <= len(pushes) <= 8, f"{len(pushes)} pushes for 60 joins"
        assert 'data-count="joined">60<' in pushes[-1]

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
        await asyncio.sleep(0.05)
        for screen in screens:  # the connect render, then the join's
            while not screen.outbox.empty():
                screen.outbox.get_nowait()
        await hub.execute(code, Actor(Role.FACILITATOR), RULES.parse({"type": "room.lock"}))
        await asyncio.sleep(0.05)
        pushed = [screen.outbox.get_nowait() for screen in screens]
        assert pushed[0] is pushed[1] is pushed[2]  # rendered once, not once per socket
        assert "Closed to new participants" in pushed[0]
        assert 'id="room-counts"' not in pushed[0]  # unchanged fragments are not resent

    asyncio.run(scenario())
