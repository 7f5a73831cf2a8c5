"""The schema is made and changed by Alembic migrations: an empty SQLite or PostgreSQL database
is brought to head, a database of the previous schema is upgraded without losing its events,
and an event written in an older shape is upcast when the log is read."""

import asyncio

import psycopg
import pytest
from sqlalchemy import inspect, text

from facilitator import db
from facilitator.rooms import log as event_log
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import Draft, Event
from facilitator.rooms.upcast import Upcasters
from tests.services import postgres_or_missing


def assert_at_head(engine) -> None:
    assert db.revision_of(engine) == db.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"room", "event", "deployment", "alembic_version"} <= tables
    assert "v" in {column["name"] for column in inspect(engine).get_columns("event")}


def test_an_empty_sqlite_database_is_migrated_to_head(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/empty.db")
    assert_at_head(engine)
    db.upgrade(engine)  # again: nothing to do
    assert_at_head(engine)


@pytest.mark.postgres
def test_an_empty_postgres_database_is_migrated_to_head():
    url = postgres_or_missing()
    name = "migrations_test"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        engine = db.make_engine(url.rsplit("/", 1)[0] + f"/{name}")
        assert_at_head(engine)
        engine.dispose()
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def previous_schema(url: str) -> None:
    """A database as the first release wrote it: the first migration, a room and its events."""
    engine = db.engine_for(url)
    db.upgrade(engine, db.FIRST_REVISION)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO room (code, created_at) VALUES ('OLDRM2', 1000)"))
        for seq, (kind, data) in enumerate(
            [("room.created", '{"title": "Before the upgrade"}'), ("room.locked", "{}")], start=1
        ):
            connection.execute(
                text("INSERT INTO event (room, seq, type, data, at) VALUES ('OLDRM2', :seq, :type, :data, :at)"),
                {"seq": seq, "type": kind, "data": data, "at": 1000 + seq},
            )
    engine.dispose()


def test_a_database_of_the_previous_schema_is_upgraded_and_keeps_its_events(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    previous_schema(url)
    with pytest.raises(db.SchemaBehind, match="run `facilitator db upgrade`"):
        db.make_engine(url, migrate=False)
    engine = db.make_engine(url)
    assert_at_head(engine)
    events = asyncio.run(EventLog(engine).read("OLDRM2"))
    assert [(e.seq, e.type, e.data, e.v) for e in events] == [
        (1, "room.created", {"title": "Before the upgrade"}, 1),
        (2, "room.locked", {}, 1),
    ]
    # New events follow them.
    asyncio.run(EventLog(engine).append("OLDRM2", 2, [Draft("room.unlocked", {})], 2000))
    assert [e.seq for e in asyncio.run(EventLog(engine).read("OLDRM2"))] == [1, 2, 3]


def test_a_database_made_before_migrations_is_taken_as_the_first_revision(tmp_path):
    url = f"sqlite:///{tmp_path}/create_all.db"
    previous_schema(url)
    engine = db.engine_for(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as `create_all` left it
    engine.dispose()
    engine = db.make_engine(url)
    assert_at_head(engine)
    assert len(asyncio.run(EventLog(engine).read("OLDRM2"))) == 2


def test_an_upcaster_turns_an_old_shape_into_the_current_one():
    upcasters = Upcasters()
    assert upcasters.version("toy.said") == 1

    @upcasters.register("toy.said", 1)
    def words_became_text(data: dict) -> dict:
        return {"text": " ".join(data["words"])}

    @upcasters.register("toy.said", 2)
    def text_gained_a_language(data: dict) -> dict:
        return {**data, "language": "en"}

    assert upcasters.version("toy.said") == 3
    old = Event(room="TOYRM2", seq=1, type="toy.said", data={"words": ["hello", "there"]}, at=1, v=1)
    assert upcasters.upcast(old).data == {"text": "hello there", "language": "en"}
    assert upcasters.upcast(old).v == 3
    current = Event(room="TOYRM2", seq=2, type="toy.said", data={"text": "hi", "language": "fr"}, at=2, v=3)
    assert upcasters.upcast(current) is current
    with pytest.raises(ValueError, match="upcast from that one"):
        upcasters.register("toy.said", 4)(words_became_text)


def test_the_log_writes_the_current_version_and_upcasts_what_it_reads(tmp_path, monkeypatch):
    engine = db.make_engine(f"sqlite:///{tmp_path}/toy.db")
    log = EventLog(engine)
    asyncio.run(log.reserve("TOYRM2", 1))
    asyncio.run(log.append("TOYRM2", 0, [Draft("toy.said", {"words": ["old", "shape"]})], 1))  # written at v1

    upcasters = Upcasters()
    upcasters.register("toy.said", 1)(lambda data: {"text": " ".join(data["words"])})
    monkeypatch.setattr(event_log, "UPCASTERS", upcasters)  # a release that changed the shape
    asyncio.run(log.append("TOYRM2", 1, [Draft("toy.said", {"text": "new shape"})], 2))
    with engine.connect() as connection:
        assert list(connection.execute(text("SELECT seq, v FROM event ORDER BY seq"))) == [(1, 1), (2, 2)]
    assert [(e.data, e.v) for e in asyncio.run(log.read("TOYRM2"))] == [
        ({"text": "old shape"}, 2),
        ({"text": "new shape"}, 2),
    ]


def test_facilitator_db_upgrade_brings_an_old_schema_to_head(tmp_path, monkeypatch, capsys):
    from facilitator import cli

    url = f"sqlite:///{tmp_path}/old.db"
    previous_schema(url)
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit) as revision:
        cli.main(["db", "revision"])
    assert revision.value.code == 0
    assert f"database: {db.FIRST_REVISION}; this release: {db.head_revision()}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as upgraded:
        cli.main(["db", "upgrade"])
    assert upgraded.value.code == 0
    assert f"at revision {db.head_revision()}, this release's" in capsys.readouterr().out
    engine = db.make_engine(url, migrate=False)  # at head: starts without migrating
    assert len(asyncio.run(EventLog(engine).read("OLDRM2"))) == 2
