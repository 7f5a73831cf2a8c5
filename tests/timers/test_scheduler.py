"""Deadlines fire through APScheduler: once, on time, across processes and across restarts.

These run real servers (in a thread, or as `facilitator serve` processes that
share one database and Redis) and read the log to see what really happened.
"""

import asyncio
import time
from datetime import UTC, datetime

import pytest

from facilitator.db import make_engine
from facilitator.rooms.feature import Deadline
from facilitator.rooms.log import EventLog
from facilitator.timers.scheduler import DeadlineScheduler
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


# -- helpers -----------------------------------------------------------------


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [event for event in events if event["type"] == kind]


def wait_for(probe, timeout: float, every: float = 0.05):
    """Poll `probe` until it returns something truthy; that value, or the last one after `timeout`."""
    end = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > end:
            return value
        time.sleep(every)


def read_log(database_url: str, code: str) -> list[dict]:
    """The room's events straight from the database, without asking (and so loading) any server."""
    engine = make_engine(database_url)
    try:
        return [event.to_json() for event in asyncio.run(EventLog(engine).read(code))]
    finally:
        engine.dispose()


# -- one server ----------------------------------------------------------------


def test_a_case_runs_its_phases_by_itself_and_stays_in_overtime(server):
    room = create_room(server)
    item = add_item(server, room, kind="case", organisation="St Mary's",
                    presentation_minutes=0.03, qa_minutes=0.03)  # 1.8 s each
    started = ok(server, room, type="timer.start", item_id=item)["seq"]

    def both_phases_ended():
        events = events_of(server, room)
        return events if len(of_type(events, "timer.phase_ended")) >= 2 else None

    assert wait_for(both_phases_ended, timeout=6), events_of(server, room)
    time.sleep(0.5)  # nothing more lands
    timeline = [(e["type"], e["data"].get("phase")) for e in events_of(server, room) if e["seq"] >= started]
    assert timeline == [("timer.phase_started", 0), ("timer.phase_ended", 0), ("timer.phase_started", 1),
                        ("timer.phase_ended", 1)]
    phases = {e["data"]["phase"]: e for e in of_type(events_of(server, room), "timer.phase_ended")}
    assert phases[0]["at"] >= phases[0]["data"]["deadline"]
    assert phases[1]["at"] >= phases[1]["data"]["deadline"]

    clock = state_of(server, room)["timers"]["clock"]
    assert clock["active"] and clock["item_id"] == item
    assert clock["phase"] == "Questions" and clock["expired"] is True
    assert clock["deadline"] == phases[1]["data"]["deadline"]  # overtime counts on from the deadline


def test_a_scheduled_start_happens_once_and_a_cancelled_one_never(server):
    room = create_room(server)
    first = add_item(server, room, kind="discussion", title="Opening round", minutes=10)
    second = add_item(server, room, kind="discussion", title="Closing round", minutes=10)

    at = int(time.time() * 1000) + 1500
    ok(server, room, type="timer.schedule", item_id=first, at_ms=at)
    assert state_of(server, room)["timers"]["clock"]["scheduled"]["at"] == at
    starts = wait_for(lambda: of_type(events_of(server, room), "timer.phase_started"), timeout=4)
    assert starts and starts[0]["data"]["item_id"] == first
    assert starts[0]["at"] >= at
    time.sleep(0.5)
    assert len(of_type(events_of(server, room), "timer.phase_started")) == 1
    state = state_of(server, room)["timers"]["clock"]
    assert state["item_id"] == first and state["scheduled"] is None

    at = int(time.time() * 1000) + 1500
    ok(server, room, type="timer.schedule", item_id=second, at_ms=at)
    ok(server, room, type="timer.unschedule")
    time.sleep(max(0.0, at / 1000 - time.time()) + 1.0)
    events = events_of(server, room)
    assert len(of_type(events, "timer.phase_started")) == 1
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
        assert wait_for(lambda: state_of(b.base, room)["timers"]["clock"].get("deadline") == deadline, timeout=2)
        ended = wait_for(lambda: of_type(events_of(a.base, room), "timer.phase_ended"),
                         timeout=(deadline / 1000 - time.time()) + 3)
        assert ended, a.output() + b.output()
        time.sleep(2.0)  # long enough for a second firing to land, if there were one

        log = events_of(b.base, room)
        ended = [e for e in of_type(log, "timer.phase_ended") if e["data"]["run"] == started["data"]["run"]]
        assert len(ended) == 1, log
        assert ended[0]["at"] >= deadline
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        assert events_of(a.base, room) == log

        states = wait_for(lambda: (lambda s: s if s[0]["seq"] == s[1]["seq"] == log[-1]["seq"] else None)(
            [state_of(node.base, room) for node in (a, b)]), timeout=2)
        assert states, "the two nodes did not converge"
        assert states[0]["timers"] == states[1]["timers"]
        assert states[0]["timers"]["clock"]["expired"] is True


# -- restart ---------------------------------------------------------------------


def test_after_a_restart_passed_deadlines_fire_at_once_and_future_ones_on_time(settings):
    with running_server(settings) as base:
        passed, ahead = create_room(base), create_room(base)
        short = add_item(base, passed, kind="discussion", title="Short", minutes=0.05)  # 3 s
        long = add_item(base, ahead, kind="discussion", title="Long", minutes=0.12)  # 7.2 s
        ok(base, passed, type="timer.start", item_id=short)
        ok(base, ahead, type="timer.start", item_id=long)
        deadlines = {room["code"]: of_type(events_of(base, room), "timer.phase_started")[0]["data"]["deadline"]
                     for room in (passed, ahead)}
    url = settings.database_url
    assert not of_type(read_log(url, passed["code"]), "timer.phase_ended"), "fired before the deadline"

    time.sleep(max(0.0, deadlines[passed["code"]] / 1000 - time.time()) + 0.3)  # passes while down
    assert time.time() * 1000 < deadlines[ahead["code"]] - 1500, "too slow a restart to test the future deadline"
    with running_server(settings):
        up = time.monotonic()
        # Nobody asks the server for either room: revive loads them by itself.
        ended = wait_for(lambda: of_type(read_log(url, passed["code"]), "timer.phase_ended"), timeout=2)
        assert ended, "the deadline that passed while the server was down was not applied on start"
        assert time.monotonic() - up < 2
        assert ended[0]["data"]["deadline"] == deadlines[passed["code"]]
        assert not of_type(read_log(url, ahead["code"]), "timer.phase_ended"), "the future deadline fired early"

        time.sleep(max(0.0, deadlines[ahead["code"]] / 1000 - time.time()))
        later = wait_for(lambda: of_type(read_log(url, ahead["code"]), "timer.phase_ended"), timeout=1.5)
        assert later, "the deadline still ahead after the restart did not fire"
        time.sleep(1.0)
        assert len(of_type(read_log(url, ahead["code"]), "timer.phase_ended")) == 1
        assert len(of_type(read_log(url, passed["code"]), "timer.phase_ended")) == 1
        assert later[0]["at"] >= deadlines[ahead["code"]]


# -- the scheduler alone ---------------------------------------------------------


def test_sync_keeps_exactly_one_job_per_deadline_and_fires_past_ones_at_once():
    def expire(run: int, at_ms: int) -> Deadline:
        return Deadline(at_ms, {"type": "timer.expire", "run": run, "deadline": at_ms, "id": f"expire-{run}-{at_ms}"})

    async def scenario():
        fired: list[tuple[str, dict, float]] = []

        async def fire(room: str, command: dict) -> None:
            fired.append((room, command, time.time()))

        scheduler = DeadlineScheduler()
        scheduler.start(fire)
        try:
            now = int(time.time() * 1000)
            later = now + 60_000
            scheduler.sync("ROOM", [expire(1, later)])
            scheduler.sync("ROOM", [expire(1, later)])  # the same deadline again: still one job
            jobs = scheduler.scheduler.get_jobs()
            assert [job.id for job in jobs] == [f"ROOM/expire-1-{later}"]
            assert jobs[0].next_run_time == datetime.fromtimestamp(later / 1000, UTC)

            moved = later + 60_000  # the deadline changed (time added): the job is replaced
            scheduler.sync("ROOM", [expire(1, moved)])
            jobs = scheduler.scheduler.get_jobs()
            assert [job.id for job in jobs] == [f"ROOM/expire-1-{moved}"]
            assert jobs[0].next_run_time == datetime.fromtimestamp(moved / 1000, UTC)

            scheduler.sync("OTHER", [expire(7, later)])  # rooms do not touch each other's jobs
            scheduler.sync("ROOM", [])  # paused or finished: no deadline, no job
            assert [job.id for job in scheduler.scheduler.get_jobs()] == [f"OTHER/expire-7-{later}"]

            soon = int(time.time() * 1000) + 300
            scheduler.sync("ROOM", [expire(2, soon)])
            await asyncio.sleep(0.1)
            assert fired == []  # not early
            async with asyncio.timeout(2):
                while not fired:
                    await asyncio.sleep(0.01)
            assert fired[0][:2] == ("ROOM", expire(2, soon).command)
            assert fired[0][2] * 1000 >= soon

            past = int(time.time() * 1000) - 10_000  # the server was down when it passed
            scheduler.sync("ROOM", [expire(3, past)])
            async with asyncio.timeout(1):
                while len(fired) < 2:
                    await asyncio.sleep(0.01)
            assert fired[1][:2] == ("ROOM", expire(3, past).command)
            await asyncio.sleep(0.3)
            assert len(fired) == 2  # each fired once
            # A deadline that already fired and is synced away leaves nothing behind.
            scheduler.sync("ROOM", [])
            scheduler.sync("OTHER", [])
            assert scheduler.scheduler.get_jobs() == []
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())


def test_a_failing_fire_is_logged_and_retried_without_stopping_the_scheduler(caplog):
    async def scenario():
        calls = []

        async def fire(room: str, command: dict) -> None:
            calls.append(command["id"])
            if command["id"] == "bad" and calls.count("bad") == 1:
                raise RuntimeError("boom")  # a passing fault: the retry succeeds

        scheduler = DeadlineScheduler()
        scheduler.start(fire)
        try:
            past = int(time.time() * 1000) - 1000
            scheduler.sync("ROOM", [Deadline(past, {"type": "timer.expire", "id": "bad"}),
                                    Deadline(past + 1, {"type": "timer.expire", "id": "good"})])
            async with asyncio.timeout(3):
                while len(calls) < 3:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(1.2)  # no further retry once it succeeded
            assert sorted(calls) == ["bad", "bad", "good"]
        finally:
            scheduler.shutdown()

    asyncio.run(scenario())
    assert "deadline bad of room ROOM failed" in caplog.text
