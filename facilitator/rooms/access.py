"""Who may use a route: the room its path names and the person asking, or one sentence saying no.

Pages find the person in the browser's cookies (`require`), the API in its bearer token
(`bearer_access`); both open the room the same way and refuse with the route's own sentence.
A page's refusal is a `Refused`, shown as a message page rather than JSON (see pages.py).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.requests import HTTPConnection

from facilitator.rooms.feature import Rules
from facilitator.rooms.hub import LiveRoom
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.web import hub_of, identity_of

NO_SUCH_ROOM = "There is no exchange with this code."


@dataclass(frozen=True)
class Access:
    room: LiveRoom
    actor: Actor


class Refused(CommandError):
    """A refusal a page answers with a message page that links back to where the person can go."""

    def __init__(self, message: str, status: int, back: str = "/"):
        super().__init__(message, status=status)
        self.back = back


def rules_of(connection: HTTPConnection) -> Rules:
    """The rules of the features installed in this app (the hub's), for edges that parse commands."""
    return hub_of(connection).rules


def room_code(raw: str) -> str:
    code = normalise_code(raw)
    if code is None:
        raise CommandError(NO_SUCH_ROOM, status=404)
    return code


async def open_room(connection: HTTPConnection, raw_code: str) -> LiveRoom:
    return await hub_of(connection).open(room_code(raw_code))


def cookie_actor(connection: HTTPConnection, room: LiveRoom, roles: tuple[Role, ...]) -> Actor | None:
    """The first of `roles` whose cookie this browser holds for the room, still valid."""
    credential = identity_of(connection).credential_from_roles(connection, room.state, roles)
    return credential.actor if credential is not None else None


def require(
    *roles: Role, refusal: str, back: str = "/", missing_back: str = "/", prefix: str = ""
) -> Callable[..., Awaitable[Access]]:
    """A dependency giving a page route its room and the person, found in the cookies of `roles`
    (tried in this order, so the order decides who someone holding two links is).

    `refusal` is said to anyone else; `back` (with `{code}`) is where the message page sends
    them, `missing_back` where it sends someone whose room does not exist; `prefix` opens every
    refusal of the route ("The agenda was not imported. ")."""

    async def access(request: Request, code: str) -> Access:
        try:
            room = await open_room(request, code)
        except CommandError as error:
            raise Refused(prefix + error.message, error.status, missing_back.format(code=code)) from None
        actor = cookie_actor(request, room, roles)
        if actor is None:
            raise Refused(prefix + refusal, 403, back.format(code=room.code))
        return Access(room, actor)

    return access


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


async def bearer_access(request: Request, code: str, token: Annotated[str | None, Depends(bearer)]) -> Access:
    """The API's door: the room and whoever its bearer token stands for."""
    room = await open_room(request, code)
    found = identity_of(request).actor_for(room.state, token)
    if found is None:
        raise CommandError("A valid bearer token for this exchange is required.", status=401)
    return Access(room, found)
