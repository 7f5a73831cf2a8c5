"""The plain data every feature speaks: actors, commands, events and the room state.

`decide` and `apply` (see `feature.py`) are pure functions of these types.
The only facts from the outside world, the time and a fresh random nonce,
arrive in a `Context` with each command.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from facilitator.rooms.secrets import keyed_hash


class Role(StrEnum):
    FACILITATOR = "facilitator"
    SCRIBE = "scribe"
    SCREEN = "screen"
    PARTICIPANT = "participant"
    # Someone with no identity yet: creating an exchange or joining one.
    VISITOR = "visitor"
    # The server itself, firing a deadline (a phase that ends, a scheduled start).
    SYSTEM = "system"


STAFF = frozenset({Role.FACILITATOR})
WRITERS = frozenset({Role.FACILITATOR, Role.SCRIBE})


@dataclass(frozen=True)
class Actor:
    role: Role
    participant_id: str | None = None
    # Derived by the server from its secret key, per room: lets records that must
    # not name a participant (poll answers, anonymous questions) tell them apart.
    pseudonym_key: str = field(default="", repr=False, compare=False)
    # Pseudonyms already derived, by scope: a connection's actor lives as long as the socket,
    # and every render that looks for "my answer" would otherwise compute an HMAC again.
    _pseudonyms: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> str:
        """Identifies the sender for idempotency; never written to the log."""
        return f"{self.role}:{self.participant_id or ''}"

    def pseudonym(self, scope: str) -> str:
        """Stable for one participant within one scope (a poll, the Q&A), different
        across scopes, and meaningless to anyone without the server's secret key."""
        known = self._pseudonyms.get(scope)
        if known is None:
            known = self._pseudonyms[scope] = keyed_hash(
                self.pseudonym_key, f"{scope}:{self.role}:{self.participant_id or ''}"
            )
        return known


@dataclass(frozen=True)
class Context:
    now_ms: int
    # Fresh random bytes per command: the source of new ids and secrets, so
    # that decide stays deterministic for a given context.
    nonce: bytes
    # The most people one exchange takes (the server's `max_participants`).
    capacity: int = 2000
    # The server's time zone: an exchange created without one of its own takes it.
    timezone: str = "UTC"


class CommandError(Exception):
    """A refused command. The message is written for the person who sent it."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        # Seconds until the same command may succeed, when it was refused for coming too often.
        self.retry_after = retry_after


class Command(BaseModel):
    """A request to change a room, named `feature.verb`.

    Subclasses set `type`, the `roles` allowed to send it and `action`, the
    words used in the refusal ("Only the facilitator can lock the room.").
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    type: ClassVar[str]
    roles: ClassVar[frozenset[Role]]
    action: ClassVar[str]
    # Commands still allowed once the exchange has ended (reading is not a command).
    allowed_after_end: ClassVar[bool] = False
    # How a sentence names a field a person fills in ("Please give your name."), by its dotted
    # path; a field not named here is called by its own words ("the job title").
    labels: ClassVar[dict[str, str]] = {}

    id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")

    def changes(self, *keep_out: str) -> dict[str, Any]:
        """The fields this edit sets, for commands whose unset fields mean "leave as it is"."""
        changed = self.model_dump(exclude_none=True, exclude={"id", *keep_out})
        if not changed:
            raise CommandError("Nothing to change.")
        return changed


class NeedsConfirmation(CommandError):
    """Refused until the sender confirms or changes it: text that looks like a patient identifier.
    `findings` say what was found, so the page can offer to redact it or to post it anyway."""

    def __init__(self, message: str, findings: list[dict[str, str]]):
        super().__init__(message, status=422)
        self.findings = findings


@dataclass(frozen=True)
class Draft:
    """An event decided but not yet in the log: it has no sequence number yet."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Decision:
    events: list[Draft]
    # Said to the sender alone and never logged: a new secret link, a token.
    reply: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    room: str
    seq: int
    type: str
    data: dict[str, Any]
    at: int
    # Keyed hash of (sender, command id): lets a retried command be answered
    # with its first result without naming the sender in the log.
    command_key: str | None = None
    # The version of the payload's shape (rooms/upcast.py): events are folded in the current one.
    v: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "room": self.room,
            "seq": self.seq,
            "type": self.type,
            "data": self.data,
            "at": self.at,
            "command_key": self.command_key,
            "v": self.v,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Event":
        return cls(
            room=raw["room"],
            seq=raw["seq"],
            type=raw["type"],
            data=raw["data"],
            at=raw["at"],
            command_key=raw.get("command_key"),
            v=raw.get("v", 1),
        )


@dataclass
class Participant:
    id: str
    name: str
    organisation: str
    job_title: str
    joined_at: int
    removed: bool = False


@dataclass
class Charter:
    focus: str = ""
    outcome: str = ""
    beneficiaries: str = ""


@dataclass(frozen=True)
class Linked:
    """Another exchange of the same series: the one this follows, or the one that follows it."""

    code: str
    title: str


@dataclass
class Downloads:
    """Whether participants may download the record, and whether theirs is de-identified."""

    allowed: bool = False
    deidentified: bool = False


@dataclass
class RoomState:
    code: str
    seq: int = 0
    created_at: int | None = None
    title: str = ""
    charter: Charter = field(default_factory=Charter)
    confidentiality: str = ""
    # The peer group: when set, joiners pick their organisation from it, so
    # that speaking time and breakouts never split "St Mary's" from "St. Mary's".
    organisations: list[str] = field(default_factory=list)
    # The IANA zone its dates (milestones, check-ins) are computed and shown in; "" in an
    # exchange created before it had one: UTC.
    timezone: str = ""
    link_hashes: dict[str, str] = field(default_factory=dict)
    locked: bool = False
    ended_at: int | None = None
    # The series: the exchange this one follows and the one planned after it, linked by the server
    # when the facilitator plans the next exchange ("room.linked"), never by a client.
    previous: Linked | None = None
    next: Linked | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    downloads: Downloads = field(default_factory=Downloads)
    # The code the exchange had on the server it was exported from, once imported here:
    # an imported exchange is a record to read, and refuses every command.
    imported_from: str | None = None
    # command key -> seq of the first event it produced
    applied: dict[str, int] = field(default_factory=dict)
    # One slice per feature, by feature name.
    slices: dict[str, Any] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.created_at is not None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def present(self) -> list[Participant]:
        """Participants who joined and were not removed, in joining order."""
        return [p for p in self.participants.values() if not p.removed]

    def person_of(self, actor: Actor) -> Participant:
        """The participant who acts, or a refusal for an actor who is not (or no longer) one."""
        participant = self.participants.get(actor.participant_id or "")
        if participant is None or participant.removed:
            raise CommandError("You are no longer part of this exchange.", status=403)
        return participant


def _clean_line(value: str) -> str:
    # Control characters and runs of spaces never belong in a name or a title.
    return " ".join("".join(ch for ch in value if ch.isprintable()).split())


def _clean_text(value: str) -> str:
    kept = "".join(ch for ch in value if ch.isprintable() or ch == "\n")
    return "\n".join(line.rstrip() for line in kept.strip().splitlines())


def _cleaned(clean: Callable[[str], str]) -> BeforeValidator:
    return BeforeValidator(lambda value: clean(value) if isinstance(value, str) else value)


# Text fields, given their lengths where they are used: `Annotated[Line, Field(max_length=80)]`.
# The length is checked after cleaning, so what is stored is what was measured.
Line = Annotated[str, _cleaned(_clean_line)]  # one line: control characters and runs of spaces dropped
Paragraph = Annotated[str, _cleaned(_clean_text)]  # line breaks kept, other control characters dropped
