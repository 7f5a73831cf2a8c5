"""The database: an engine for SQLite (WAL) or PostgreSQL, its tables, and their migrations.

A room's whole history is its rows in `event`; `room` only reserves codes; `deployment` keeps
what every worker must agree on (the fingerprint of the secret key). Nothing else is stored,
because everything else is a fold of the log. The schema is made and changed by the Alembic
migrations in `facilitator/migrations/versions/`, run at start (`migrate`) unless
`AUTO_MIGRATE=false`, then by `facilitator db upgrade`.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Field, SQLModel, create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision whose tables a database made before migrations (by `create_all`) already holds.
FIRST_REVISION = "0001"
# Taken while migrating on PostgreSQL: workers starting together migrate one at a time.
MIGRATION_LOCK = 7436351


class Room(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=8)
    created_at: int = Field(sa_type=BigInteger)


class Event(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("room", "seq", name="event_room_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    room: str = Field(foreign_key="room.code", max_length=8)
    seq: int
    type: str = Field(max_length=64)
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    at: int = Field(sa_type=BigInteger)
    command_key: str | None = Field(default=None, max_length=64)
    # The version of the payload's shape for its type (rooms/upcast.py).
    v: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class Deployment(SQLModel, table=True):
    """Facts every worker of a deployment must agree on, by name."""

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)


def make_engine(url: str, migrate: bool = True) -> Engine:
    """An engine on the database, its schema brought to the newest revision unless `migrate`
    is False; then a schema that is not there yet is refused (`SchemaBehind`)."""
    engine = engine_for(url)
    if migrate:
        upgrade(engine)
    else:
        behind = revision_of(engine), head_revision()
        if behind[0] != behind[1]:
            raise SchemaBehind(
                f"The database schema is at revision {behind[0] or 'none'} and this release needs {behind[1]}: "
                "run `facilitator db upgrade` (or start once without AUTO_MIGRATE=false)."
            )
    return engine


class SchemaBehind(Exception):
    """The schema is older than this release and was not to be migrated at start."""


def engine_for(url: str) -> Engine:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, in one transaction. On PostgreSQL under a lock: workers
    starting together on an empty database would each create the tables, and all but one
    fail; one at a time, the others find them made."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if "event" in tables and "alembic_version" not in tables:
            command.stamp(config, FIRST_REVISION)  # made by create_all before there were migrations
        command.upgrade(config, revision)


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets readers (state rebuilds, exports) run beside the single writer.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
