"""Workers of one deployment must sign with one key, or a phone joined through one worker is a
stranger to the next. Each worker claims the database at start with a hash of its key's
fingerprint (never the key), refreshed while it runs and withdrawn when it stops; a worker
whose key differs from one still running is refused with a sentence.

A claim not refreshed for `CLAIM_TTL_MS` belongs to a worker that is gone, so a key changed on
purpose (every worker stopped, then started with the new one) is taken at once.
"""

import hashlib
import hmac
import uuid

from sqlalchemy import delete, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Engine

from facilitator.config import ConfigurationError
from facilitator.db import Deployment

CLAIM_TTL_MS = 30_000
REFRESH_SECONDS = 10.0
PREFIX = "key-claim:"
TABLE = sa_inspect(Deployment).local_table


def fingerprint_hash(key: str) -> str:
    """A hash of the key's fingerprint: equal for equal keys, and says nothing of the key."""
    fingerprint = hmac.new(key.encode(), b"facilitator signing key fingerprint", hashlib.sha256).digest()
    return hashlib.sha256(fingerprint).hexdigest()


class KeyClaim:
    def __init__(self, engine: Engine, key: str, node: str | None = None):
        self.engine = engine
        self.hash = fingerprint_hash(key)
        self.name = PREFIX + (node or uuid.uuid4().hex[:12])

    def claim(self, now_ms: int) -> None:
        """Record this worker's key, or refuse if a worker with another key is running."""
        with self.engine.begin() as connection:
            rows = connection.execute(select(TABLE.c.name, TABLE.c.value).where(TABLE.c.name.startswith(PREFIX))).all()
            live: list[tuple[str, str]] = []
            stale: list[tuple[str, str]] = []
            for name, value in rows:
                claimed, _, seen = value.partition(" ")
                (live if seen.isdigit() and now_ms - int(seen) < CLAIM_TTL_MS else stale).append((name, claimed))
            if any(claimed != self.hash for name, claimed in live if name != self.name):
                raise ConfigurationError(
                    "Another worker of this deployment is running with a different SECRET_KEY: give every "
                    "worker the same SECRET_KEY (or stop them all before changing it), or phones joined "
                    "through one worker are strangers to the next."
                )
            if stale:
                connection.execute(delete(Deployment).where(TABLE.c.name.in_([name for name, _ in stale])))
            self._write(connection, now_ms)

    def refresh(self, now_ms: int) -> None:
        with self.engine.begin() as connection:
            self._write(connection, now_ms)

    def release(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(Deployment).where(TABLE.c.name == self.name))

    def _write(self, connection: Connection, now_ms: int) -> None:
        value = f"{self.hash} {now_ms}"
        updated = connection.execute(update(Deployment).where(TABLE.c.name == self.name).values(value=value)).rowcount
        if not updated:
            connection.execute(insert(Deployment).values(name=self.name, value=value))
