"""The event log: append-only, ordered per room by a unique (room, seq).

A room's commands are written in batches (`EventLog.batch`, see `hub.py`): one
transaction reads what other processes appended since this one last looked and
inserts the batch's events. On PostgreSQL that transaction first takes an
advisory lock on the room, so two processes writing one room wait for each other
instead of colliding. The unique constraint stays the last guard: an append that
hits it raises `SeqConflict`, and the writer reads what it missed and decides
again (on SQLite, the only way two processes can meet).
"""

import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
from sqlalchemy import case, delete, func, insert, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as select_rows
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from facilitator import db
from facilitator.rooms.model import Draft, Event
from facilitator.rooms.upcast import UPCASTERS


class SeqConflict(Exception):
    """Another writer appended to this room first."""


def room_lock_key(code: str) -> int:
    """The room's key for `pg_advisory_xact_lock`: a signed 64-bit hash of its code."""
    return int.from_bytes(hashlib.blake2b(code.encode(), digest_size=8).digest(), "big", signed=True)


def lock_room(connection: Connection, code: str) -> None:
    """On PostgreSQL, hold the room's write lock until the transaction ends: after any batch of
    the room another process is writing, and before the next."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": room_lock_key(code)})


EVENTS = sa_inspect(db.Event).local_table
ROOMS = sa_inspect(db.Room).local_table


def numbered(code: str, after: int, drafts: Sequence[Draft], at: int, command_key: str | None) -> list[Event]:
    """The drafts as the events that follow seq `after`, in their types' current shapes."""
    return [
        Event(
            room=code,
            seq=after + i,
            type=d.type,
            data=d.data,
            at=at,
            command_key=command_key,
            v=UPCASTERS.version(d.type),
        )
        for i, d in enumerate(drafts, start=1)
    ]


def as_event(row) -> Event:
    """A stored row as an event in its type's current shape (upcast if it was written in an older one)."""
    return UPCASTERS.upcast(
        Event(room=row.room, seq=row.seq, type=row.type, data=row.data, at=row.at, command_key=row.command_key, v=row.v)
    )


class Batch:
    """One open transaction on a room's log (see `EventLog.batch`)."""

    def __init__(self, connection: Connection, code: str, missed: list[Event]):
        self._connection: Connection | None = connection
        self.code = code
        self.missed = missed  # what the log holds after the seq the batch was opened at

    async def commit(self, events: Sequence[Event]) -> None:
        """Insert the events and commit; `SeqConflict` if one's seq is taken, and nothing is written."""
        connection, self._connection = self._connection, None
        if connection is None:
            raise RuntimeError("a batch commits once")
        await anyio.to_thread.run_sync(insert_events, connection, self.code, events)

    async def close(self) -> None:
        """Roll back what was not committed."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await anyio.to_thread.run_sync(connection.close)


def insert_events(connection: Connection, code: str, events: Sequence[Event]) -> None:
    """Insert and commit, then give the connection back."""
    rows = [
        {
            "room": e.room,
            "seq": e.seq,
            "type": e.type,
            "data": e.data,
            "at": e.at,
            "command_key": e.command_key,
            "v": e.v,
        }
        for e in events
    ]
    try:
        # A plain insert, not the ORM's unit of work: every command of the batch waits for it.
        connection.execute(insert(db.Event), rows)
        connection.commit()
    except IntegrityError as error:
        raise SeqConflict(code) from error
    finally:
        connection.close()


@dataclass(frozen=True)
class StoredRoom:
    """What the database holds of a room, for listing and retention: never its contents."""

    code: str
    created_at: int
    events: int
    last_at: int | None
    ended_at: int | None


class EventLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    async def reserve(self, code: str, at: int) -> bool:
        """Claim a room code; False if it is taken."""
        return await anyio.to_thread.run_sync(self._reserve, code, at)

    async def append(
        self, code: str, after: int, drafts: Sequence[Draft], at: int, command_key: str | None = None
    ) -> list[Event]:
        """Append drafts as seq after+1, after+2, ... in one transaction."""
        return await anyio.to_thread.run_sync(self._append, code, after, drafts, at, command_key)

    async def restore(self, code: str, events: Sequence[Event]) -> None:
        """Write events as they are, times included, in one transaction: an imported exchange."""
        await anyio.to_thread.run_sync(insert_events, self.engine.connect(), code, events)

    @asynccontextmanager
    async def batch(self, code: str, after: int) -> AsyncIterator[Batch]:
        """A transaction for a room's next batch, holding the room's write lock on PostgreSQL,
        with what the log holds after `after`. Two thread hops in all: this one, and the commit;
        left without a commit, it is rolled back."""
        connection, missed = await anyio.to_thread.run_sync(self._open, code, after)
        batch = Batch(connection, code, missed)
        try:
            yield batch
        finally:
            await batch.close()

    async def read(self, code: str, after: int = 0, limit: int | None = None) -> list[Event]:
        return await anyio.to_thread.run_sync(self._read, code, after, limit)

    async def exists(self, code: str) -> bool:
        return await anyio.to_thread.run_sync(self._exists, code)

    async def rooms_since(self, since_ms: int) -> list[str]:
        return await anyio.to_thread.run_sync(self._rooms_since, since_ms)

    async def rooms_with(self, types: list[str], since_ms: int) -> list[str]:
        """The rooms whose log holds an event of one of `types` written since `since_ms`."""
        return await anyio.to_thread.run_sync(self._rooms_with, types, since_ms)

    async def ping(self) -> None:
        await anyio.to_thread.run_sync(self._ping)

    async def rooms(self) -> list[StoredRoom]:
        """Every room, oldest first, with its count of events and when it ended, if it did."""
        return await anyio.to_thread.run_sync(self.stored_rooms)

    async def delete(self, code: str) -> bool:
        """Remove the room and its whole event log in one transaction; False if there was none."""
        return await anyio.to_thread.run_sync(self.delete_now, code)

    def stored_rooms(self) -> list[StoredRoom]:
        summary = (
            select_rows(
                EVENTS.c.room,
                func.count().label("events"),
                func.max(EVENTS.c.at).label("last_at"),
                func.max(case((EVENTS.c.type == "room.ended", EVENTS.c.at))).label("ended_at"),
            )
            .group_by(EVENTS.c.room)
            .subquery()
        )
        query = (
            select_rows(ROOMS.c.code, ROOMS.c.created_at, summary.c.events, summary.c.last_at, summary.c.ended_at)
            .select_from(ROOMS.outerjoin(summary, summary.c.room == ROOMS.c.code))
            .order_by(ROOMS.c.created_at, ROOMS.c.code)
        )
        with self.engine.connect() as connection:
            return [
                StoredRoom(row.code, row.created_at, row.events or 0, row.last_at, row.ended_at)
                for row in connection.execute(query)
            ]

    def delete_now(self, code: str) -> bool:
        with self.engine.begin() as connection:
            lock_room(connection, code)
            connection.execute(delete(db.Event).where(EVENTS.c.room == code))
            return connection.execute(delete(db.Room).where(ROOMS.c.code == code)).rowcount > 0

    def _reserve(self, code: str, at: int) -> bool:
        with Session(self.engine) as session:
            session.add(db.Room(code=code, created_at=at))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def _append(self, code: str, after: int, drafts: Sequence[Draft], at: int, command_key: str | None) -> list[Event]:
        events = numbered(code, after, drafts, at, command_key)
        insert_events(self.engine.connect(), code, events)
        return events

    def _open(self, code: str, after: int) -> tuple[Connection, list[Event]]:
        connection = self.engine.connect()
        try:
            lock_room(connection, code)
            query = select_rows(EVENTS).where(EVENTS.c.room == code, EVENTS.c.seq > after).order_by(EVENTS.c.seq)
            missed = [as_event(row) for row in connection.execute(query)]
        except BaseException:
            connection.close()
            raise
        return connection, missed

    def _read(self, code: str, after: int, limit: int | None) -> list[Event]:
        query = select(db.Event).where(db.Event.room == code, db.Event.seq > after).order_by(col(db.Event.seq))
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [as_event(row) for row in session.exec(query)]

    def _exists(self, code: str) -> bool:
        with Session(self.engine) as session:
            return session.get(db.Room, code) is not None

    def _rooms_since(self, since_ms: int) -> list[str]:
        with Session(self.engine) as session:
            return list(session.exec(select(db.Room.code).where(db.Room.created_at >= since_ms)))

    def _rooms_with(self, types: list[str], since_ms: int) -> list[str]:
        query = (
            select(db.Event.room)
            .where(col(db.Event.type).in_(types), db.Event.at >= since_ms)
            .distinct()
            .order_by(col(db.Event.room))
        )
        with Session(self.engine) as session:
            return list(session.exec(query))

    def _ping(self) -> None:
        with Session(self.engine) as session:
            session.connection().execute(text("SELECT 1"))
