"""What the HTTP, page and WebSocket edges share: the hub, identity and links."""

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
