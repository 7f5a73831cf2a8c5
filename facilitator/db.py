"""The database: an engine for SQLite (WAL) or PostgreSQL, and the two tables.

A room's whole history is its rows in `event`; `room` only reserves codes.
Nothing else is stored, because everything else is a fold of the log.
"""

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, create_engine


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


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Workers starting together on an empty database would each create the tables, and
            # all but one fail; one at a time, the others find them made.
            connection.execute(text("SELECT pg_advisory_xact_lock(7436351)"))
        SQLModel.metadata.create_all(connection)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets readers (state rebuilds, exports) run beside the single writer.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
