"""Deadlines fire on the server's clock: once, on time, across processes and across restarts.

These run real servers (in a thread on a clock the test moves on, or as `facilitator serve`
processes that share one database and Redis) and read the log to see what really happened.
"""

import asyncio
import time

import pytest

from facilitator.db import make_engine
from facilitator.rooms.feature import Deadline
from facilitator.rooms.log import EventLog
from facilitator.timers.scheduler import RETRY_AFTER, DeadlineScheduler
from tests.clock import TestClock, eventually, stays, until
from tests.live import (
    add_item,
    create_room,
    events_of,
    ok,
    running_server,
    state_of,
)
from tests.processes import serving
from tests.services import postgres_or_missing, redis_or_missing

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
HOUR = 3600.0


# -- helpers -----------------------------------------------------------------


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [event for event in events if event["type"] == kind]


def read_log(database_url: str, code: str) -> list[dict]:
    """The room's events straight from the database, without asking (and so loading) any server."""
    engine = make_engine(database_url)
    try:
        return [event.to_json() for event in asyncio.run(EventLog(engine).read(code))]
    finally:
        engine.dispose()


# -- one server ----------------------------------------------------------------


def test_a_case_runs_its_phases_by_itself_and_stays_in_overtime(server, clock):
    room = create_room(server)
    item = add_item(server, room, kind="case", organisation="St Mary's", presentation_minutes=2, qa_minutes=1)
    started = ok(server, room, type="timer.start", item_id=item)["seq"]

    def ended() -> int:
        return len(of_type(events_of(server, room), "timer.phase_ended"))

    clock.advance(119)
    stays(lambda: ended() == 0)  # not early
    clock.advance(1)
    eventually(lambda: ended() == 1)
    clock.advance(60)
    eventually(lambda: ended() == 2)
    clock.advance(HOUR)
    stays(lambda: ended() == 2)  # overtime runs on; nothing more lands
    timeline = [(e["type"], e["data"].get("phase")) for e in events_of(server, room) if e["seq"] >= started]
    assert timeline == [
        ("timer.phase_started", 0),
        ("timer.phase_ended", 0),
        ("timer.phase_started", 1),
        ("timer.phase_ended", 1),
    ]
    phases = {e["data"]["phase"]: e for e in of_type(events_of(server, room), "timer.phase_ended")}
    assert phases[0]["at"] >= phases[0]["data"]["deadline"]
    assert phases[1]["at"] >= phases[1]["data"]["deadline"]

    clock_state = state_of(server, room)["timers"]["clock"]
    assert clock_state["active"] and clock_state["item_id"] == item
    assert clock_state["phase"] == "Questions" and clock_state["expired"] is True
    assert clock_state["deadline"] == phases[1]["data"]["deadline"]  # overtime counts on from the deadline


def test_a_scheduled_start_happens_once_and_a_cancelled_one_never(server, clock):
    room = create_room(server)
    first = add_item(server, room, kind="discussion", title="Opening round", minutes=10)
    second = add_item(server, room, kind="discussion", title="Closing round", minutes=10)

    def starts() -> list[dict]:
        return of_type(events_of(server, room), "timer.phase_started")

    at = clock.now_ms() + 60_000
    ok(server, room, type="timer.schedule", item_id=first, at_ms=at)
    assert state_of(server, room)["timers"]["clock"]["scheduled"]["at"] == at
    clock.advance(60)
    started = eventually(starts)
    assert started[0]["data"]["item_id"] == first
    assert started[0]["at"] >= at
    clock.advance(HOUR)
    stays(lambda: len(starts()) == 1)
    state = state_of(server, room)["timers"]["clock"]
    assert state["item_id"] == first and state["scheduled"] is None

    at = clock.now_ms() + 60_000
    ok(server, room, type="timer.schedule", item_id=second, at_ms=at)
    ok(server, room, type="timer.unschedule")
    clock.advance(HOUR)
    stays(lambda: len(starts()) == 1)
    assert state_of(server, room)["timers"]["clock"]["item_id"] == first


# -- two processes ---------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.parametrize("store", STORES)
def test_two_processes_end_a_phase_once(tmp_path, store):
    redis_or_missing()
    database_url = postgres_or_missing() if store == "postgres" else f"sqlite:///{tmp_path}/shared.db"
    with serving(tmp_path, database_url) as (a, b):
        room = create_room(a.base)
        item = add_item(a.base, room, kind="discussion", title="Two-second round", minutes=2 / 60)
        ok(a.base, room, type="timer.configure", auto_advance_phase=False)
        for node in (a, b):  # both nodes have the room loaded, so both schedule its deadline
            assert state_of(node.base, room)["timers"]["items"][0]["id"] == item
        seq = ok(a.base, room, type="timer.start", item_id=item)["seq"]
        started = next(e for e in events_of(a.base, room) if e["seq"] == seq)
        deadline = started["data"]["deadline"]

        # B learns of the start through Redis and schedules the same deadline.
        eventually(lambda: state_of(b.base, room)["timers"]["clock"].get("deadline") == deadline, timeout=2)
        try:
            eventually(
                lambda: of_type(events_of(a.base, room), "timer.phase_ended"),
                timeout=(deadline / 1000 - time.time()) + 3,
            )
        except AssertionError:
            raise AssertionError(a.output() + b.output()) from None

        def ended_once() -> bool:
            return len(of_type(events_of(b.base, room), "timer.phase_ended")) == 1

        stays(ended_once, 1.0)  # both nodes fire together: a second firing would land at once

        log = events_of(b.base, room)
        ended = [e for e in of_type(log, "timer.phase_ended") if e["data"]["run"] == started["data"]["run"]]
        assert len(ended) == 1, log
        assert ended[0]["at"] >= deadline
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        assert events_of(a.base, room) == log

        states = eventually(
            lambda: (lambda s: s if s[0]["seq"] == s[1]["seq"] == log[-1]["seq"] else None)(
                [state_of(node.base, room) for node in (a, b)]
            ),
            timeout=2,
        )
        assert states[0]["timers"] == states[1]["timers"]
        assert states[0]["timers"]["clock"]["expired"] is True


# -- restart ---------------------------------------------------------------------


def test_after_a_restart_passed_deadlines_fire_at_once_and_future_ones_on_time(settings, clock):
    with running_server(settings, clock) as base:
        passed, ahead = create_room(base), create_room(base)
        short = add_item(base, passed, kind="discussion", title="Short", minutes=1)
        long = add_item(base, ahead, kind="discussion", title="Long", minutes=10)
        ok(base, passed, type="timer.start", item_id=short)
        ok(base, ahead, type="timer.start", item_id=long)
        deadlines = {
            room["code"]: of_type(events_of(base, room), "timer.phase_started")[0]["data"]["deadline"]
            for room in (passed, ahead)
        }
    url = settings.database_url
    assert not of_type(read_log(url, passed["code"]), "timer.phase_ended"), "fired before the deadline"

    clock.advance(61)  # the short one passes while the server is down

    def ended(room: dict) -> list[dict]:
        return of_type(read_log(url, room["code"]), "timer.phase_ended")

    with running_server(settings, clock):
        up = time.monotonic()
        # Nobody asks the server for either room: revive loads them by itself.
        fired = eventually(lambda: ended(passed), timeout=2)
        assert time.monotonic() - up < 2
        assert fired[0]["data"]["deadline"] == deadlines[passed["code"]]
        assert not ended(ahead), "the future deadline fired early"

        # Just past it: a flowing clock's milliseconds are rounded, its timers are not.
        clock.advance(deadlines[ahead["code"]] / 1000 - clock.now_ms() / 1000 + 0.01)
        later = eventually(lambda: ended(ahead), timeout=2)
        clock.advance(HOUR)
        stays(lambda: len(ended(ahead)) == len(ended(passed)) == 1)
        assert later[0]["at"] >= deadlines[ahead["code"]]


# -- the scheduler alone ---------------------------------------------------------


def expire(run: int, at_ms: int) -> Deadline:
    return Deadline(at_ms, {"type": "timer.expire", "run": run, "deadline": at_ms, "id": f"expire-{run}-{at_ms}"})


def test_sync_keeps_exactly_one_timer_per_deadline_and_fires_past_ones_at_once():
    async def scenario():
        clock = TestClock(flowing=False)
        fired: list[tuple[str, dict, int]] = []

        async def fire(room: str, command: dict) -> None:
            fired.append((room, command, clock.now_ms()))

        scheduler = DeadlineScheduler(clock)
        scheduler.start(fire)
        try:
            later = clock.now_ms() + 60_000
            scheduler.sync("ROOM", [expire(1, later)])
            scheduler.sync("ROOM", [expire(1, later)])  # the same deadline again: still one timer
            assert scheduler.pending("ROOM") == {f"ROOM/expire-1-{later}"}

            moved = later + 60_000  # the deadline changed (time added): the timer is replaced
            scheduler.sync("ROOM", [expire(1, moved)])
            assert scheduler.pending("ROOM") == {f"ROOM/expire-1-{moved}"}

            scheduler.sync("OTHER", [expire(7, later)])  # rooms do not touch each other's timers
            scheduler.sync("ROOM", [])  # paused or finished: no deadline, no timer
            assert scheduler.pending("ROOM") == set() and scheduler.pending("OTHER") == {f"OTHER/expire-7-{later}"}

            soon = clock.now_ms() + 300
            scheduler.sync("ROOM", [expire(2, soon)])
            clock.advance(0.299)
            await asyncio.sleep(0.01)
            assert fired == []  # not early
            clock.advance(0.001)
            await until(lambda: fired)
            assert fired[0] == ("ROOM", expire(2, soon).command, soon)

            past = clock.now_ms() - 10_000  # the server was down when it passed
            scheduler.sync("ROOM", [expire(3, past)])
            await until(lambda: len(fired) == 2)
            assert fired[1][:2] == ("ROOM", expire(3, past).command)
            assert scheduler.pending("ROOM") == set()  # each fired once, and nothing is left to fire
            # A deadline that already fired and is synced away leaves nothing behind.
            scheduler.sync("ROOM", [])
            scheduler.sync("OTHER", [])
            assert scheduler.jobs == {}
            clock.advance(HOUR)
            await asyncio.sleep(0.01)
            assert len(fired) == 2  # the cancelled ones never fire
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())


def test_a_failing_fire_is_logged_and_retried_without_stopping_the_scheduler(caplog):
    async def scenario():
        clock = TestClock(flowing=False)
        calls = []

        async def fire(room: str, command: dict) -> None:
            calls.append(command["id"])
            if command["id"] == "bad" and calls.count("bad") == 1:
                raise RuntimeError("boom")  # a passing fault: the retry succeeds

        scheduler = DeadlineScheduler(clock)
        scheduler.start(fire)
        try:
            past = clock.now_ms() - 1000
            scheduler.sync(
                "ROOM",
                [
                    Deadline(past, {"type": "timer.expire", "id": "bad"}),
                    Deadline(past + 1, {"type": "timer.expire", "id": "good"}),
                ],
            )
            await until(lambda: len(calls) == 2)
            assert scheduler.pending("ROOM") == {"ROOM/bad"}  # to be tried again in a second
            clock.advance(RETRY_AFTER)
            await until(lambda: len(calls) == 3)
            assert sorted(calls) == ["bad", "bad", "good"]
            assert scheduler.pending("ROOM") == set()  # no further retry once it succeeded
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())
    assert "deadline bad of room ROOM failed" in caplog.text
