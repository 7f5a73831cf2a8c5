"""Outages said once: a service that is down is one warning when it goes and one line when
it is back, not a traceback per request; and a database outage answers every client in
one voice.

While the database cannot be reached, every request that needs it fails the same way.
`answer_database_outages(app)` turns those failures into one answer: 503 with a
`Retry-After`, the API's JSON error or the same sentence as a page, and a WebSocket
closed with 1013 (try again later), which the page reconnects after.
"""

import logging
import threading

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketState

log = logging.getLogger(__name__)

UNAVAILABLE = "The database is unavailable; try again in a moment."
RETRY_AFTER_SECONDS = 5
CLOSE_TRY_AGAIN_LATER = 1013


def describe(error: BaseException) -> str:
    """The error's kind and the first line of what it says, short enough for one log line."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__


class Outage:
    """Whether something is down, said in the log once when it goes and once when it is back.

    `failed` and `worked` may be called from any thread (database calls run in worker threads)."""

    def __init__(self, logger: logging.Logger, what: str, meanwhile: str = ""):
        self.logger = logger
        self.what = what
        self.meanwhile = meanwhile
        self.down = False
        self._lock = threading.Lock()

    def failed(self, error: BaseException) -> bool:
        """Note a failure; True, and a warning, when it begins an outage."""
        with self._lock:
            began, self.down = not self.down, True
        if began:
            self.logger.warning(
                "%s failed (%s)%s", self.what, describe(error), f"; {self.meanwhile}" if self.meanwhile else ""
            )
        return began

    def worked(self) -> bool:
        """Note a success; True, and an info line, when it ends an outage."""
        if not self.down:  # the common case, without taking the lock
            return False
        with self._lock:
            ended, self.down = self.down, False
        if ended:
            self.logger.info("%s works again", self.what)
        return ended


def is_outage(error: BaseException) -> bool:
    """Errors that say the database cannot answer now (down, unreachable, locked, its pool
    exhausted), as opposed to a statement that is wrong, which stays a bug with a traceback."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class DatabaseOutage:
    """The outage begins with the first request that finds the database unreachable and ends
    with the first statement that succeeds afterwards (whoever runs it)."""

    def __init__(self) -> None:
        self.outage = Outage(log, "Reaching the database", "answering 503 until it is back")
        self._watched: Engine | None = None

    def failed(self, engine: Engine, error: BaseException) -> None:
        if self.outage.failed(error) and self._watched is not engine:
            event.listen(engine, "after_cursor_execute", self._answered)
            self._watched = engine

    def _answered(self, *_statement) -> None:
        self.outage.worked()


def answer_database_outages(app: FastAPI) -> None:
    app.state.database_outage = DatabaseOutage()
    for error_type in (DBAPIError, PoolTimeout):
        app.exception_handler(error_type)(database_unavailable)


def note_outage(connection: HTTPConnection, error: BaseException) -> bool:
    """True if the error says the database is unreachable, and the outage is noted (a warning
    when it begins); False for any other error, which the caller logs as the bug it is."""
    if not is_outage(error):
        return False
    connection.app.state.database_outage.failed(connection.app.state.hub.log.engine, error)
    return True


async def database_unavailable(connection: HTTPConnection, error: Exception) -> Response | None:
    if not note_outage(connection, error):
        raise error  # a bug: the server's own error handling logs it in full
    if isinstance(connection, WebSocket):
        if connection.application_state is WebSocketState.CONNECTING:
            await connection.accept()  # so the page hears why, and reconnects later
        if connection.application_state is WebSocketState.CONNECTED:
            await connection.close(code=CLOSE_TRY_AGAIN_LATER, reason=UNAVAILABLE)
        return None
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if connection.url.path.startswith("/api/"):
        return JSONResponse({"ok": False, "error": UNAVAILABLE}, status_code=503, headers=headers)
    return connection.app.state.templates.TemplateResponse(
        connection, "message.html", {"message": UNAVAILABLE}, status_code=503, headers=headers
    )
