"""Settings, read once from the environment (or a `.env` file)."""

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///facilitator.db"
    # Unset: the in-process broker, which serves exactly one process.
    redis_url: str | None = None
    # Signs participant cookies and keys the hashes of anonymous authors.
    # Unset: a random key per start, so cookies die with the process; set it
    # in production so phones stay joined across restarts.
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

    @cached_property
    def signing_key(self) -> str:
        import secrets

        return self.secret_key or secrets.token_urlsafe(32)

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
        return PROJECT_ROOT / "templates"

    @property
    def static_dir(self) -> Path:
        return PROJECT_ROOT / "static"
