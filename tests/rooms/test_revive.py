"""One bad room never stops the server, and nothing after the append fails a command.

A log may hold what today's rules would refuse (it was written before a bound
existed); a deadline may be impossible to schedule. Neither may turn an accepted
command into an error, nor keep the other rooms from coming back at startup.
"""

import asyncio
import logging

import jinja2

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.clock import SYSTEM_CLOCK
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import Actor, Draft, Role
from facilitator.rooms.render import Renderer
from facilitator.timers.model import agenda_of
from tests.clock import TestClock, eventually
from tests.live import add_item, create_room, ok, running_server, state_of

HUGE_AT_MS = 10**15  # the year 33658: beyond what the calendar and the scheduler hold
FACILITATOR = Actor(Role.FACILITATOR)


def settings_for(tmp_path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/facilitator.db",
        secret_key="test-secret",
        redis_url=None,
        render_interval_seconds=0.05,
    )


def read_log(database_url: str, code: str) -> list:
    """The room's events straight from the database, without asking (and so opening) any server."""
    engine = make_engine(database_url)
    try:
        return asyncio.run(EventLog(engine).read(code))
    finally:
        engine.dispose()


def append_behind_the_rules(database_url: str, code: str, draft: Draft) -> None:
    """Write an event as an older server might have, without `decide` checking it."""
    engine = make_engine(database_url)
    try:
        log = EventLog(engine)
        seq = asyncio.run(log.read(code))[-1].seq
        asyncio.run(log.append(code, seq, [draft], SYSTEM_CLOCK.now_ms()))
    finally:
        engine.dispose()


def test_a_room_that_cannot_be_scheduled_or_folded_never_stops_the_others_coming_back(tmp_path, caplog):
    settings = settings_for(tmp_path)
    clock = TestClock()
    with running_server(settings, clock) as base:
        good = create_room(base)
        short = add_item(base, good, kind="break", title="Stretch", minutes=1)
        ok(base, good, type="timer.start", item_id=short)
        far = create_room(base)
        later = add_item(base, far, kind="break", title="Coffee", minutes=10)
        broken = create_room(base)
    assert "timer.phase_ended" not in [e.type for e in read_log(settings.database_url, good["code"])]
    append_behind_the_rules(
        settings.database_url, far["code"], Draft("timer.scheduled", {"item_id": later, "at": HUGE_AT_MS})
    )
    append_behind_the_rules(settings.database_url, broken["code"], Draft("timer.scheduled", {}))

    with caplog.at_level(logging.WARNING), running_server(settings, clock) as base:
        # The good room's phase ends by itself: revived at startup, its deadline scheduled again.
        clock.advance(60)
        ended = eventually(
            lambda: [e for e in read_log(settings.database_url, good["code"]) if e.type == "timer.phase_ended"]
        )
        assert ended[0].data["item_id"] == short
        # The room whose start lies beyond the calendar still answers, its schedule included.
        ok(base, far, type="room.lock")
        ok(base, far, type="timer.unschedule")
        ok(base, far, type="timer.start", item_id=later)
        assert state_of(base, far)["locked"] is True

    refused = [r.getMessage() for r in caplog.records if "was not revived" in r.getMessage()]
    assert refused == [f"room {broken['code']} was not revived: KeyError: 'item_id'"]
    assert any(
        f"of room {far['code']}" in r.getMessage() and "cannot be scheduled" in r.getMessage() for r in caplog.records
    )


# -- after the append ---------------------------------------------------------


class FailingAlarms:
    """Alarms that fail whenever there is a deadline, as the scheduler once did for a far one."""

    def __init__(self) -> None:
        self.calls = 0

    def sync(self, room: str, deadlines: list) -> None:
        self.calls += 1
        if deadlines:
            raise ValueError("year 33658 is out of range")


def test_a_failing_deadline_sync_neither_fails_the_command_nor_the_ones_after_it(tmp_path, caplog):
    alarms = FailingAlarms()
    settings = settings_for(tmp_path)
    renderer = Renderer(
        jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir), autoescape=True), RULES.fragments
    )
    hub = Hub(RULES, EventLog(make_engine(settings.database_url)), MemoryBroker(), renderer, "key", alarms=alarms)

    async def scenario():
        code, _ = await hub.create(RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c"}))
        await hub.execute(
            code, FACILITATOR, RULES.parse({"type": "agenda.add", "kind": "break", "title": "Coffee", "minutes": 10})
        )
        started = await hub.execute(code, FACILITATOR, RULES.parse({"type": "timer.start"}))
        locked = await hub.execute(code, FACILITATOR, RULES.parse({"type": "room.lock"}))
        assert [e.type for e in started.events] == ["timer.phase_started"]
        assert [e.type for e in locked.events] == ["room.locked"]
        room = await hub.open(code)
        assert room.state.seq == locked.seq == len(await hub.log.read(code)) == 4
        assert room.state.locked and agenda_of(room.state).clock.running

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert alarms.calls >= 4
    assert any("could not be scheduled" in r.getMessage() for r in caplog.records)
