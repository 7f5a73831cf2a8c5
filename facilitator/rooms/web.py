"""What the HTTP, page and WebSocket edges share: the hub, identity, links and whose pages may
use a visitor's cookies."""

from urllib.parse import urlsplit

from fastapi import Request
from starlette.requests import HTTPConnection

from facilitator.config import Settings
from facilitator.rooms.auth import Identity
from facilitator.rooms.hub import Hub


def hub_of(connection: HTTPConnection) -> Hub:
    return connection.app.state.hub


def identity_of(connection: HTTPConnection) -> Identity:
    return connection.app.state.identity


def settings_of(connection: HTTPConnection) -> Settings:
    return connection.app.state.settings


def base_url(request: Request) -> str:
    configured = settings_of(request).public_url
    return (configured or str(request.base_url)).rstrip("/")


def links(base: str, code: str, secrets: dict[str, str]) -> dict[str, str]:
    """The four links of an exchange; the three secret ones open a surface once and set its cookie."""
    made = {"join": f"{base}/join?code={code}"}
    roles = {"facilitator": "console", "scribe": "scribe", "screen": "screen"}
    for role, secret in secrets.items():
        made[roles[role]] = f"{base}/r/{code}/{roles[role]}?key={secret}"
    return made


def claimed_origin(connection: HTTPConnection) -> str | None:
    """Where a browser says a request comes from: its Origin header, else its Referer's origin."""
    origin = connection.headers.get("origin")
    if origin is not None:
        return origin
    referer = connection.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}"


def origin_allowed(connection: HTTPConnection) -> bool:
    """Only our own pages (and configured origins) may act with a visitor's cookies: a page on
    another site, on another port of this host or on a sibling subdomain cannot. The host and port
    decide, as in the Host header; the public URL counts as ours behind a proxy that rewrites Host."""
    origin = claimed_origin(connection)
    if origin is None:
        # Browsers name the origin of every POST and WebSocket (old ones at least the referring
        # page). A request naming neither is most likely a program's: without cookies it borrows
        # nobody's session, so it passes; with cookies it could be an old browser's forged form,
        # so it is refused, as the OWASP CSRF cheat sheet recommends.
        return not connection.cookies
    settings = settings_of(connection)
    if origin in settings.allowed_origins:
        return True
    ours = {connection.headers.get("host", "").lower()}
    if settings.public_url:
        ours.add(urlsplit(settings.public_url).netloc.lower())
    claimed = urlsplit(origin).netloc.lower()  # empty for "null", a sandboxed or privacy-hidden page
    return bool(claimed) and claimed in ours
