"""The event log: append-only, ordered per room by a unique (room, seq).

Two processes may try to append the same next sequence number; the unique
constraint lets exactly one win, and the loser hears `SeqConflict`, reads what
it missed and decides again (see `hub.py`).
"""

from collections.abc import Sequence

import anyio
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from facilitator import db
from facilitator.rooms.model import Draft, Event


class SeqConflict(Exception):
    """Another writer appended to this room first."""


class EventLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    async def reserve(self, code: str, at: int) -> bool:
        """Claim a room code; False if it is taken."""
        return await anyio.to_thread.run_sync(self._reserve, code, at)

    async def append(self, code: str, after: int, drafts: Sequence[Draft], at: int,
                     command_key: str | None = None) -> list[Event]:
        """Append drafts as seq after+1, after+2, ... in one transaction."""
        return await anyio.to_thread.run_sync(self._append, code, after, drafts, at, command_key)

    async def read(self, code: str, after: int = 0, limit: int | None = None) -> list[Event]:
        return await anyio.to_thread.run_sync(self._read, code, after, limit)

    async def exists(self, code: str) -> bool:
        return await anyio.to_thread.run_sync(self._exists, code)

    async def rooms_since(self, since_ms: int) -> list[str]:
        return await anyio.to_thread.run_sync(self._rooms_since, since_ms)

    async def ping(self) -> None:
        await anyio.to_thread.run_sync(self._ping)

    def _reserve(self, code: str, at: int) -> bool:
        with Session(self.engine) as session:
            session.add(db.Room(code=code, created_at=at))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def _append(self, code: str, after: int, drafts: Sequence[Draft], at: int,
                command_key: str | None) -> list[Event]:
        events = [Event(room=code, seq=after + i, type=d.type, data=d.data, at=at, command_key=command_key)
                  for i, d in enumerate(drafts, start=1)]
        rows = [{"room": e.room, "seq": e.seq, "type": e.type, "data": e.data, "at": e.at,
                 "command_key": e.command_key} for e in events]
        try:
            # A plain insert, not the ORM's unit of work: the append is the one statement every
            # command waits for, under the room's lock.
            with self.engine.begin() as connection:
                connection.execute(insert(db.Event), rows)
        except IntegrityError as error:
            raise SeqConflict(code) from error
        return events

    def _read(self, code: str, after: int, limit: int | None) -> list[Event]:
        query = select(db.Event).where(db.Event.room == code, db.Event.seq > after).order_by(col(db.Event.seq))
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [Event(room=row.room, seq=row.seq, type=row.type, data=row.data, at=row.at,
                          command_key=row.command_key) for row in session.exec(query)]

    def _exists(self, code: str) -> bool:
        with Session(self.engine) as session:
            return session.get(db.Room, code) is not None

    def _rooms_since(self, since_ms: int) -> list[str]:
        with Session(self.engine) as session:
            return list(session.exec(select(db.Room.code).where(db.Room.created_at >= since_ms)))

    def _ping(self) -> None:
        with Session(self.engine) as session:
            session.connection().execute(text("SELECT 1"))
