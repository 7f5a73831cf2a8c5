"""One logging configuration, whose lines never carry a secret nor what anyone said.

`log_config(format)` is the whole configuration, handed to uvicorn at start: our loggers at
INFO, one line per HTTP request or WebSocket (`RequestLog`: method, path, status, duration,
room code) and one per command (`facilitator.commands`, written by the hub: room code, command
type, outcome, duration); readable text, or JSON lines with `LOG_FORMAT=json`. No line carries
a command's contents, a name or a question: only codes, types, outcomes and timings.


A secret link is `/r/{code}/console?key=...`, so every access log line of a
link being opened would hand the console to whoever reads the logs. Every
record passes `RedactSecrets`, which blanks the values of secret-looking query
parameters, bearer tokens, our cookies and passwords in URLs, in the message
and in any traceback, while keeping the rest of the line readable.
"""

import copy
import json
import logging
import re
import time
from typing import Any

import uvicorn.config
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REDACTED = "[redacted]"

_PATTERNS = (
    # ?key=..., &token=..., ?admin_token=...: any parameter whose name says it is a credential.
    (
        re.compile(
            r"(?i)([?&;][\w.\-]*(?:key|token|secret|passw(?:or)?d|pwd|auth|sig(?:nature)?|session|credential)"
            r"[\w.\-]*=)[^&;#\s\"'<>]+"
        ),
        rf"\1{REDACTED}",
    ),
    # Tokens are long; "a bearer token is required" is not one.
    (re.compile(r"(?i)(\bbearer\s+)[\w.~+/=\-]{16,}"), rf"\1{REDACTED}"),
    (re.compile(r"(\bfac_\w+=)[^;,\s\"']+"), rf"\1{REDACTED}"),
    # scheme://user:password@host: a database or Redis URL in an error message.
    (re.compile(r"(\b[a-z][\w+.\-]*://[^/\s:@]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),
)


def redact(text: str) -> str:
    """This text with every secret it carries replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted_arg(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float)) or value is None:
        return value  # keeps %d and %.1f working
    shown = str(value)
    cleaned = redact(shown)
    return value if cleaned == shown else cleaned


class RedactSecrets(logging.Filter):
    """Rewrites a record in place so that no handler can print a secret from it.

    The arguments are redacted one by one rather than merged into the message,
    because formatters such as uvicorn's access formatter read them by position.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: _redacted_arg(arg) for name, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is printed redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _has_redaction(target: logging.Filterer) -> bool:
    return any(isinstance(existing, RedactSecrets) for existing in target.filters)


def redact_secrets_in_logs() -> None:
    """Attach the filter wherever this process logs, however it was started (`facilitator serve`,
    `uvicorn --factory`, a test): uvicorn's access and error loggers, whose records are made
    there, and the handlers our own loggers' records reach (the root's, or Python's last resort)."""
    targets: list[logging.Filterer] = [
        logging.getLogger("uvicorn.access"),
        logging.getLogger("uvicorn.error"),
        *logging.getLogger().handlers,
    ]
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for target in targets:
        if not _has_redaction(target):
            target.addFilter(RedactSecrets())


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's `fields` (the
    room code, command type, outcome and duration a line is about), for a log collector."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


JsonLines.converter = time.gmtime


def log_config(format: str = "text") -> dict:
    """The process's logging, handed to uvicorn: every handler redacting; our loggers at INFO,
    printed (with any library's warnings) by the same handler as uvicorn's errors; uvicorn's
    access log off, as `RequestLog` writes one line per request with its duration and room."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_secrets"]
    if format == "json":
        config["formatters"]["json"] = {"()": JsonLines}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
    config["loggers"]["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}
    config["loggers"]["facilitator"] = {"level": "INFO"}
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config


ROOM_IN_PATH = re.compile(r"^/(?:r|api/rooms)/([A-Za-z0-9]{6})(?:[/.]|$)")
request_log = logging.getLogger("facilitator.requests")


def room_in(path: str) -> str | None:
    found = ROOM_IN_PATH.match(path)
    return found.group(1).upper() if found else None


class RequestLog:
    """One line per HTTP request (when it is answered) and per WebSocket (when it closes):
    method, path with its secrets blanked, status or close code, duration, room code.

    Not the client's address: with the time of a join (whose name the room's log keeps) it
    would tie a phone's later requests, an anonymous question among them, to a person."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not request_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
            elif kind == "websocket.close":
                status = message.get("code", 1000)
            elif kind == "websocket.accept" and not status:
                status = 101
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except BaseException:
            status = status or 500
            raise
        finally:
            self._write(scope, status, time.perf_counter() - started)

    @staticmethod
    def _write(scope: Scope, status: int, seconds: float) -> None:
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
        target = redact(f"{path}?{query}" if query else path)
        method = scope.get("method", "WS") if scope["type"] == "http" else "WS"
        room = room_in(path)
        request_log.info(
            '"%s %s HTTP/%s" %d %.1fms room=%s',
            method,
            target,
            scope.get("http_version", "1.1"),
            status,
            seconds * 1000,
            room or "-",
            extra={
                "fields": {
                    "method": method,
                    "path": target,
                    "status": status,
                    "ms": round(seconds * 1000, 1),
                    "room": room,
                }
            },
        )
