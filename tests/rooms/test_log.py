"""The event log on SQLite and PostgreSQL: ordering, conflicts, restarts, idempotency, two hubs.

Every test that touches PostgreSQL uses fresh room codes and never drops a
table: other test processes may share that database.
"""

import asyncio

import httpx
import jinja2
import pytest

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import EventLog, SeqConflict
from facilitator.rooms.model import Actor, Draft, Role
from facilitator.rooms.render import Renderer
from facilitator.rooms.secrets import new_room_code
from tests.live import command, create_room, join, room_with, running_server
from tests.rooms.test_batching import count_batches
from tests.services import postgres_or_missing

SECRET = "test-secret"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    if request.param == "postgres":
        return postgres_or_missing()
    return f"sqlite:///{tmp_path}/facilitator.db"


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


async def fresh_room(log: EventLog) -> str:
    """A room code nobody else holds, reserved in the log."""
    for _ in range(20):
        code = new_room_code()
        if await log.reserve(code, 1):
            return code
    raise AssertionError("no free room code")


def drafts(*names: str) -> list[Draft]:
    return [Draft(f"test.{name}", {"name": name}) for name in names]


# -- append and read -------------------------------------------------------


def test_append_assigns_consecutive_seqs_and_read_returns_them_in_order(engine):
    async def scenario():
        log = EventLog(engine)
        code = await fresh_room(log)
        first = await log.append(code, 0, drafts("a", "b"), at=10, command_key="key-1")
        second = await log.append(code, 2, drafts("c"), at=20)
        assert [e.seq for e in first] == [1, 2] and [e.seq for e in second] == [3]

        events = await log.read(code)
        assert events == first + second
        assert [(e.seq, e.type, e.at, e.command_key) for e in events] == [
            (1, "test.a", 10, "key-1"),
            (2, "test.b", 10, "key-1"),
            (3, "test.c", 20, None),
        ]

    asyncio.run(scenario())


def test_read_after_and_limit_page_through_the_log(engine):
    async def scenario():
        log = EventLog(engine)
        code = await fresh_room(log)
        await log.append(code, 0, drafts(*"abcdef"), at=1)
        assert [e.seq for e in await log.read(code, after=4)] == [5, 6]
        assert [e.seq for e in await log.read(code, limit=2)] == [1, 2]
        assert [e.seq for e in await log.read(code, after=2, limit=3)] == [3, 4, 5]
        assert await log.read(code, after=6) == []

    asyncio.run(scenario())


def test_read_returns_only_the_rooms_own_events(engine):
    async def scenario():
        log = EventLog(engine)
        one, two = await fresh_room(log), await fresh_room(log)
        await log.append(one, 0, drafts("one"), at=1)
        await log.append(two, 0, drafts("two"), at=1)
        assert [e.data["name"] for e in await log.read(one)] == ["one"]
        assert [e.data["name"] for e in await log.read(two)] == ["two"]
        assert await log.read(new_room_code() + "Z") == []

    asyncio.run(scenario())


def test_append_at_a_stale_seq_raises_seq_conflict_and_writes_nothing(engine):
    async def scenario():
        log = EventLog(engine)
        code = await fresh_room(log)
        await log.append(code, 0, drafts("a", "b"), at=1)
        with pytest.raises(SeqConflict):
            await log.append(code, 1, drafts("late", "later", "latest"), at=2)  # 2 is taken; 3, 4 are free
        assert [e.data["name"] for e in await log.read(code)] == ["a", "b"]

    asyncio.run(scenario())


def test_a_batch_whose_last_event_conflicts_writes_none_of_its_events(engine):
    async def scenario():
        log = EventLog(engine)
        code = await fresh_room(log)
        await log.append(code, 0, drafts("a"), at=1)
        await log.append(code, 2, drafts("c"), at=1)  # seq 3, leaving 2 free, so the batch fails late
        with pytest.raises(SeqConflict):
            await log.append(code, 1, drafts("b", "clash"), at=2)
        assert [(e.seq, e.data["name"]) for e in await log.read(code)] == [(1, "a"), (3, "c")]

    asyncio.run(scenario())


def test_reserving_a_taken_code_returns_false(engine):
    async def scenario():
        log = EventLog(engine)
        code = await fresh_room(log)
        assert await log.exists(code)
        assert await log.reserve(code, 2) is False
        assert await log.exists(code)

    asyncio.run(scenario())


def test_json_data_round_trips_unicode_and_nesting(engine):
    data = {
        "name": "Zoë Ångström — 北京 🩺",
        "quote": '"It\'s <b>fine</b>"\n\\ok',
        "nested": {"list": [1, 2.5, None, True, False, {"deep": ["x", {"y": []}]}], "empty": {}},
        "big": 2**53,
        "negative": -7,
    }

    async def scenario():
        log = EventLog(engine)
        code = await fresh_room(log)
        await log.append(code, 0, [Draft("test.json", data)], at=1_700_000_000_123)
        [event] = await log.read(code)
        assert event.data == data
        assert event.at == 1_700_000_000_123

    asyncio.run(scenario())


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


# -- the real app, stopped and started again ------------------------------


def app_settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET, redis_url=None, render_interval_seconds=0.05)


def state_of(base: str, code: str, token: str) -> dict:
    response = httpx.get(f"{base}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()


def events_of(base: str, code: str, token: str) -> list[dict]:
    response = httpx.get(f"{base}/api/rooms/{code}/events", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()["events"]


def test_a_restarted_server_rebuilds_the_same_state_from_the_log(database_url):
    settings = app_settings(database_url)
    with running_server(settings) as base:
        room, (ana,) = room_with(base, people=[("Ana", "st marys")], organisations=["St Mary's", "Northfield"])
        code, token = room["code"], room["tokens"]["facilitator"]
        join(base, code, name="Ben", organisation="Northfield", job_title="Matron")
        assert command(base, code, token, type="room.lock").status_code == 200
        before = state_of(base, code, token)
        log_before = events_of(base, code, token)
        phone_before = state_of(base, code, ana["token"])

    with running_server(app_settings(database_url)) as base:
        assert state_of(base, code, token) == before
        assert events_of(base, code, token) == log_before
        assert state_of(base, code, ana["token"]) == phone_before  # participant tokens survive too

    assert before["locked"] is True and before["seq"] == 4
    assert [p["name"] for p in before["participants"]] == ["Ana", "Ben"]
    assert before["participants"][0]["organisation"] == "St Mary's"


def test_a_command_id_sent_twice_is_applied_once_even_across_a_restart(database_url):
    with running_server(app_settings(database_url)) as base:
        room = create_room(base)
        code, token = room["code"], room["tokens"]["facilitator"]
        first = command(base, code, token, type="room.lock", id="lock-1")
        second = command(base, code, token, type="room.lock", id="lock-1")
        assert first.status_code == 200 and second.status_code == 200
        assert first.json()["duplicate"] is False and second.json()["duplicate"] is True
        assert second.json()["seq"] == first.json()["seq"] == 2
        # Without an id the same command is a new one, and refused on its merits.
        assert command(base, code, token, type="room.lock").status_code == 409

    with running_server(app_settings(database_url)) as base:
        again = command(base, code, token, type="room.lock", id="lock-1")
        assert again.status_code == 200
        assert again.json()["duplicate"] is True and again.json()["seq"] == 2
        locks = [e for e in events_of(base, code, token) if e["type"] == "room.locked"]
        assert [e["seq"] for e in locks] == [2]
        # A fresh id is a fresh command.
        assert command(base, code, token, type="room.unlock", id="unlock-1").json()["seq"] == 3


# -- two processes, one database ------------------------------------------


def make_hub(database_url: str) -> Hub:
    """A hub as a second process would build it: its own engine and its own in-process broker."""
    settings = app_settings(database_url)
    renderer = Renderer(jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir)), RULES.fragments)
    return Hub(RULES, EventLog(make_engine(database_url)), MemoryBroker(), renderer, "k")


def test_two_hubs_on_one_database_never_lose_an_event(database_url):
    async def scenario():
        one, two = make_hub(database_url), make_hub(database_url)
        try:
            code, _ = await one.create(
                RULES.parse({"type": "room.create", "title": "Concurrency", "confidentiality": "Stays here."})
            )
            await asyncio.gather(one.open(code), two.open(code))  # both hold the room at seq 1
            # On SQLite both first batches read the log before either writes (on PostgreSQL the
            # second cannot even open its batch before the first commits).
            both_opened = None if database_url.startswith("postgres") else asyncio.Barrier(2).wait
            tallies = [count_batches(one, both_opened), count_batches(two, both_opened)]

            def joining(n: int):
                return RULES.parse(
                    {
                        "type": "participant.join",
                        "name": f"Person {n}",
                        "organisation": "St Mary's",
                        "accept_confidentiality": True,
                    }
                )

            outcomes = await asyncio.gather(
                *((one if n % 2 else two).execute(code, Actor(Role.VISITOR), joining(n)) for n in range(20))
            )

            assert sorted(o.seq for o in outcomes) == list(range(2, 22))
            # Neither hub hears the other's broker, so both first decide at seq 2. On PostgreSQL the
            # second waits for the first's transaction and reads what it wrote; on SQLite one loses
            # at the unique (room, seq), folds the log again and decides again.
            conflicts = sum(t["conflicts"] for t in tallies)
            assert conflicts == 0 if database_url.startswith("postgres") else conflicts >= 1
            events = await one.log.read(code)
            assert [e.seq for e in events] == list(range(1, 22))
            joins = [e for e in events if e.type == "participant.joined"]
            assert [e.seq for e in joins] == list(range(2, 22))
            assert sorted(e.data["name"] for e in joins) == sorted(f"Person {n}" for n in range(20))
            assert len({e.data["participant_id"] for e in joins}) == 20

            for hub in (one, two):
                await hub._read_missed(hub.rooms[code])
            folded = RULES.fold(code, events)
            assert one.rooms[code].state == two.rooms[code].state == folded
            assert len(folded.present()) == 20
        finally:
            for hub in (one, two):
                hub.log.engine.dispose()

    asyncio.run(scenario())


@pytest.mark.postgres
def test_workers_starting_together_on_an_empty_postgres_database_all_find_the_tables():
    import concurrent.futures

    import psycopg

    from facilitator.db import make_engine
    from tests.services import postgres_or_missing

    url = postgres_or_missing()
    name = "fresh_tables_test"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    fresh = url.rsplit("/", 1)[0] + f"/{name}"
    try:
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            engines = list(pool.map(lambda _: make_engine(fresh), range(6)))
        for engine in engines:
            engine.dispose()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
