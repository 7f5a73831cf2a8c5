"""Logs that never carry a secret.

A secret link is `/r/{code}/console?key=...`, so every access log line of a
link being opened would hand the console to whoever reads the logs. Every
record passes `RedactSecrets`, which blanks the values of secret-looking query
parameters, bearer tokens, our cookies and passwords in URLs, in the message
and in any traceback, while keeping the rest of the line readable.
"""

import copy
import logging
import re

import uvicorn.config

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


def log_config() -> dict:
    """uvicorn's own logging, with every handler redacting, and our loggers (and any library's
    warnings) printed by the same handler as uvicorn's errors."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_secrets"]
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config
