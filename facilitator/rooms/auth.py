"""Who is asking: role secrets (links, cookies, bearer tokens) and participant tokens.

Facilitator, scribe and screen hold a secret from their link; it is kept in
an HttpOnly cookie once the link is opened, and accepted as a bearer token by
the API. A participant holds a token signed with the server key that names
the room and the participant; it stops working the moment they are removed.

A live connection keeps the `Credential` it was opened with, and the hub checks
it again after every change: a replaced link or a removed participant ends
every socket it opened, on every node, since every node folds the same log.
"""

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from facilitator.rooms.model import Actor, Role, RoomState
from facilitator.rooms.secrets import keyed_hash, secret_matches

# Which credentials open which surface, strongest first.
SURFACE_ROLES: dict[str, tuple[Role, ...]] = {
    "console": (Role.FACILITATOR,),
    "scribe": (Role.SCRIBE, Role.FACILITATOR),
    "screen": (Role.SCREEN, Role.FACILITATOR),
    "phone": (Role.PARTICIPANT,),
}
LINK_ROLES = (Role.FACILITATOR, Role.SCRIBE, Role.SCREEN)


@dataclass(frozen=True)
class Credential:
    """What a client proved when it connected: the stored hash of the link it held
    (facilitator, scribe, screen), or, for a participant, who they are."""

    actor: Actor
    link_hash: str | None = None

    def holds(self, state: RoomState) -> bool:
        """Whether this credential still opens the room: its link was not replaced, or its
        participant was not removed."""
        if self.actor.role in LINK_ROLES:
            return self.link_hash is not None and state.link_hashes.get(self.actor.role) == self.link_hash
        if self.actor.role is Role.PARTICIPANT:
            participant = state.participants.get(self.actor.participant_id or "")
            return participant is not None and not participant.removed
        return False  # no other role opens a connection

    @property
    def revoked(self) -> str:
        """What to tell the client once `holds` fails."""
        if self.actor.role in LINK_ROLES:
            return "This link was replaced; ask the facilitator for the new one."
        return "You were removed from this exchange."


class Identity:
    def __init__(self, signing_key: str, secure_cookies: bool = False):
        self.serializer = URLSafeSerializer(signing_key, salt="participant")
        self.signing_key = signing_key
        self.secure = secure_cookies

    # -- tokens ------------------------------------------------------------

    def participant_token(self, room: str, participant_id: str) -> str:
        return self.serializer.dumps({"r": room, "p": participant_id})

    def actor_for(self, state: RoomState, token: str | None) -> Actor | None:
        """The actor a token stands for in this room, or None."""
        credential = self.credential_for(state, token)
        return credential.actor if credential is not None else None

    def credential_for(self, state: RoomState, token: str | None) -> Credential | None:
        """What a token proves in this room now, or None."""
        if not token or len(token) > 512:
            return None
        for role in LINK_ROLES:
            stored = state.link_hashes.get(role)
            if secret_matches(token, stored):
                return Credential(Actor(role), link_hash=stored)
        try:
            claims = self.serializer.loads(token)
        except BadSignature:
            return None
        if not isinstance(claims, dict) or claims.get("r") != state.code:
            return None
        participant = state.participants.get(str(claims.get("p")))
        if participant is None or participant.removed:
            return None
        return Credential(Actor(Role.PARTICIPANT, participant.id, self.pseudonym_key(state.code)))

    def refusal(self, connection: HTTPConnection, state: RoomState, surface: str) -> str:
        """Why this client's cookies open no `surface` of the room, said to its person."""
        if surface != "phone":
            return "This link no longer opens this exchange; ask the facilitator for the new one."
        token = connection.cookies.get(self.cookie_name(state.code, Role.PARTICIPANT))
        try:
            claims = self.serializer.loads(token) if token and len(token) <= 512 else None
        except BadSignature:
            claims = None
        if isinstance(claims, dict) and claims.get("r") == state.code:
            participant = state.participants.get(str(claims.get("p")))
            if participant is not None and participant.removed:
                return "You were removed from this exchange."
        return "This phone is no longer recognised in this exchange (the server may have been reset)."

    def pseudonym_key(self, room: str) -> str:
        return keyed_hash(self.signing_key, f"pseudonym:{room}")

    # -- cookies -----------------------------------------------------------

    @staticmethod
    def cookie_name(room: str, role: Role) -> str:
        return f"fac_{room}_{role.value}"

    def from_cookies(self, connection: HTTPConnection, state: RoomState, surface: str) -> Actor | None:
        credential = self.credential_from_cookies(connection, state, surface)
        return credential.actor if credential is not None else None

    def credential_from_cookies(self, connection: HTTPConnection, state: RoomState, surface: str) -> Credential | None:
        return self.credential_from_roles(connection, state, SURFACE_ROLES.get(surface, ()))

    def credential_from_roles(
        self, connection: HTTPConnection, state: RoomState, roles: tuple[Role, ...]
    ) -> Credential | None:
        """The credential of the first of `roles` whose cookie holds a valid secret for that role."""
        for role in roles:
            credential = self.credential_for(state, connection.cookies.get(self.cookie_name(state.code, role)))
            if credential is not None and credential.actor.role is role:
                return credential
        return None

    def remember(self, response: Response, room: str, role: Role, token: str) -> None:
        # Participants stay joined for the year of follow-up after the exchange (their plans'
        # milestones, the check-ins); removing one ends it sooner. Facilitators keep their rooms for
        # a month on one browser (their link opens the room again).
        max_age = 400 * 24 * 3600 if role is Role.PARTICIPANT else 30 * 24 * 3600
        response.set_cookie(
            self.cookie_name(room, role),
            token,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )

    def facilitated_rooms(self, connection: HTTPConnection) -> dict[str, str]:
        """Room code -> facilitator secret, for every facilitator cookie this browser holds."""
        suffix = f"_{Role.FACILITATOR.value}"
        return {
            name[4 : -len(suffix)]: value
            for name, value in connection.cookies.items()
            if name.startswith("fac_") and name.endswith(suffix)
        }
