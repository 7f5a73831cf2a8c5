"""Settings, read once from the environment (or a `.env` file)."""

import os
import secrets
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


def package_directory(name: str) -> Path:
    """A directory shipped inside the package (templates, static files), wherever it is installed."""
    found = resources.files("facilitator") / name
    if not isinstance(found, Path):  # Jinja and StaticFiles read files on disk, never from inside an archive
        raise RuntimeError(f"facilitator/{name} must be installed as files on disk, not inside an archive")
    return found


# Values from examples and templates, never a key: refused where a real key is needed.
PLACEHOLDER_KEYS = frozenset({"change-me", "changeme", "secret", "secret-key", "default", "dev", "development"})
HOW_TO_MAKE_A_KEY = (
    "set SECRET_KEY to a long random value, the same for every worker and kept across restarts, "
    "for example the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
)


class Settings(BaseSettings):
    # An empty variable is an unset one (compose files pass `RETENTION_DAYS: ${RETENTION_DAYS:-}`).
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    # "production" makes the server strict: a SECRET_KEY must be set (see `production`).
    facilitator_env: str = "development"

    database_url: str = "sqlite:///facilitator.db"
    # Unset: the in-process broker, which serves exactly one process.
    redis_url: str | None = None
    # Signs participant cookies and keys the hashes of anonymous authors. Unset in development: a
    # key made once and kept beside the SQLite file (secret.key), so phones stay joined across
    # restarts. Unset in production: refused at start (see `signing_key`).
    secret_key: str = Field(default="", repr=False)
    # When set, creating an exchange requires this token (form field or bearer).
    facilitator_admin_token: str | None = Field(default=None, repr=False)
    # Base of the links printed and encoded in QR codes, e.g. https://fac.example.org
    public_url: str | None = None
    # Extra origins allowed to open WebSockets and to post forms, besides the page's own host.
    allowed_origins: list[str] = []
    # Cookies are marked Secure when the site is served over HTTPS.
    secure_cookies: bool = False

    max_message_bytes: int = 16 * 1024
    max_request_bytes: int = 64 * 1024
    messages_per_second: float = 10.0
    message_burst: int = 30
    outbox_limit: int = 256
    # Counted per process (rooms/throttle.py). Commands: per participant, or per staff role of a
    # room, over HTTP and the WebSocket together.
    commands_per_actor: int = 50
    commands_per_actor_seconds: float = 5.0
    # Per network address: a whole hall (a room takes 2,000 people) may join from behind one
    # network's address at once.
    joins_per_address: int = 2000
    joins_per_address_seconds: float = 60.0
    rooms_per_address: int = 20
    rooms_per_address_seconds: float = 600.0
    # Senders whose counts are kept at once; past this the least recently active are forgotten.
    throttle_max_keys: int = 20_000
    render_interval_seconds: float = 0.1
    # The most people one exchange takes; the next one is told the room is full.
    max_participants: int = Field(default=2000, ge=1, le=100_000)
    # Rooms created this many days back are loaded at start, so their timers run on.
    revive_days: int = 3
    # Rooms with follow-up check-ins scheduled this many days back are loaded at start and by an
    # hourly sweep, so a check-in months after the exchange still opens.
    follow_up_days: int = 800
    # The zone an exchange's dates are in unless it names its own; empty: this machine's.
    timezone: str = ""
    # smtp://user:password@host:port (or smtps://): where reminder e-mails go. Unset: none are sent.
    smtp_url: str | None = Field(default=None, repr=False)
    # The sender of reminder e-mails.
    mail_from: str = "facilitator@localhost"
    # A node's presence outlives its last heartbeat by this long; it refreshes it this often.
    presence_ttl_seconds: int = 30
    presence_refresh_seconds: float = 10.0

    # Bring the database schema to this release's at start; with false, `facilitator db upgrade` does.
    auto_migrate: bool = True
    # Ended exchanges older than this many days are deleted with their whole record, daily.
    # Unset: kept until someone deletes them (`facilitator rooms delete CODE`, or the console).
    retention_days: int | None = Field(default=None, ge=1)
    # When set, GET /metrics asks for this bearer token.
    metrics_token: str | None = Field(default=None, repr=False)
    # "text" (one readable line per record) or "json" (one JSON object per line).
    log_format: Literal["text", "json"] = "text"

    @property
    def production(self) -> bool:
        """Served to others: see `_why_production`."""
        return self._why_production() is not None

    @cached_property
    def signing_key(self) -> str:
        """SECRET_KEY if set; else, on SQLite in development, the key kept in the data directory.
        In production (see `production`) a key kept in one host's file would differ from the next
        one's and could be lost with a container: there it must be set, and `ConfigurationError`
        says how."""
        if self.production and self.secret_key.strip().lower() in PLACEHOLDER_KEYS:
            raise ConfigurationError(f"SECRET_KEY is an example value, not a key: {HOW_TO_MAKE_A_KEY}.")
        if self.secret_key:
            return self.secret_key
        if self.production:
            raise ConfigurationError(
                f"Set SECRET_KEY before serving this exchange to others ({self._why_production()}): "
                f"{HOW_TO_MAKE_A_KEY}."
            )
        directory = self.data_dir
        if directory is None:  # an in-memory database keeps nothing, and so no key either
            return secrets.token_urlsafe(32)
        return kept_secret_key(directory / SECRET_KEY_FILE)

    def _why_production(self) -> str | None:
        """Why this server is served to others, or None: FACILITATOR_ENV=production, a database other
        than SQLite (which several processes or hosts may share), or a public URL not on this machine."""
        if self.facilitator_env.strip().lower() == "production":
            return "FACILITATOR_ENV is production"
        if make_url(self.database_url).get_backend_name() != "sqlite":
            return "the database is not SQLite, so several processes may share it"
        host = urlsplit(self.public_url).hostname if self.public_url else None
        if host is not None and host not in ("localhost", "127.0.0.1", "::1"):
            return f"the public URL {self.public_url} is not this machine"
        return None

    @property
    def data_dir(self) -> Path | None:
        """The directory of the SQLite file, or None for an in-memory database."""
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database).resolve().parent

    @cached_property
    def zone(self) -> str:
        """The server's time zone: `timezone`, else this machine's, else UTC."""
        if self.timezone:
            return self.timezone
        from tzlocal import get_localzone_name

        try:
            return get_localzone_name() or "UTC"
        except Exception:  # noqa: BLE001 - a machine without a configured zone runs on UTC
            return "UTC"

    @property
    def templates_dir(self) -> Path:
        return package_directory("templates")

    @property
    def static_dir(self) -> Path:
        return package_directory("static")


SECRET_KEY_FILE = "secret.key"


class ConfigurationError(Exception):
    """A setting the server cannot start without; the message says which and why."""


def kept_secret_key(path: Path) -> str:
    """The key stored at `path`, made (random, readable by its owner alone) the first time.

    Processes starting together agree: a new key is written to a private temporary file, then
    linked into place, which fails if another process was first; everyone then reads the file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32) + "\n")
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a key others can read signs their cookies too
    key = path.read_text().strip()
    if not key:
        raise ConfigurationError(f"{path} is empty: delete it to make a new key, or set SECRET_KEY.")
    return key
