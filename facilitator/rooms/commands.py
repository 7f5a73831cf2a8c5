"""The room's own commands: create, join, lock, remove, end and rotate links."""

from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from facilitator.rooms.model import STAFF, Command, Line, Paragraph, Role

Name = Annotated[Line, Field(min_length=1, max_length=60)]
Organisation = Annotated[Line, Field(min_length=1, max_length=80)]


def _zone(name: str) -> str:
    if name:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{name[:60]!r} is not a time zone; write it as Europe/London or America/Chicago"
            ) from None
    return name


TimeZone = Annotated[Line, Field(max_length=60), AfterValidator(_zone)]


class CharterFields(BaseModel):
    """What the exchange is for: the three questions of an exchange charter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    focus: Annotated[Paragraph, Field(max_length=300)] = ""
    outcome: Annotated[Paragraph, Field(max_length=200)] = ""
    beneficiaries: Annotated[Paragraph, Field(max_length=200)] = ""


class CreateRoom(Command):
    type: ClassVar[str] = "room.create"
    roles: ClassVar = frozenset({Role.VISITOR})
    action: ClassVar[str] = "create an exchange"
    labels: ClassVar[dict[str, str]] = {
        "title": "a title for the exchange",
        "confidentiality": "a confidentiality statement",
        "organisations": "the organisations",
    }

    title: Annotated[Line, Field(min_length=1, max_length=120)]
    charter: CharterFields = CharterFields()
    confidentiality: Annotated[Paragraph, Field(min_length=1, max_length=2000)]
    organisations: list[Organisation] = Field(default_factory=list, max_length=12)
    timezone: TimeZone = ""  # empty: the server's


class UpdateRoom(Command):
    type: ClassVar[str] = "room.update"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "edit the exchange"
    labels: ClassVar[dict[str, str]] = {
        "title": "a title for the exchange",
        "confidentiality": "a confidentiality statement",
        "organisations": "the organisations",
    }

    title: Annotated[Line, Field(min_length=1, max_length=120)] | None = None
    charter: CharterFields | None = None
    confidentiality: Annotated[Paragraph, Field(min_length=1, max_length=2000)] | None = None
    organisations: list[Organisation] | None = Field(default=None, max_length=12)
    timezone: Annotated[TimeZone, Field(min_length=1)] | None = None


class JoinRoom(Command):
    type: ClassVar[str] = "participant.join"
    roles: ClassVar = frozenset({Role.VISITOR})
    action: ClassVar[str] = "join"
    labels: ClassVar[dict[str, str]] = {
        "name": "your name",
        "organisation": "your organisation",
        "job_title": "your role",
    }

    name: Name
    organisation: Organisation
    job_title: Annotated[Line, Field(max_length=80)] = ""
    accept_confidentiality: bool = False


class RemoveParticipant(Command):
    type: ClassVar[str] = "participant.remove"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "remove a participant"
    # Follow-up goes on after the end, for the people who were in it: one removed then loses it.
    allowed_after_end: ClassVar[bool] = True

    participant_id: Annotated[Line, Field(min_length=1, max_length=40)]


class LockRoom(Command):
    type: ClassVar[str] = "room.lock"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "close the exchange to new participants"


class UnlockRoom(Command):
    type: ClassVar[str] = "room.unlock"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "open the exchange to new participants"


class EndRoom(Command):
    type: ClassVar[str] = "room.end"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "end the exchange"


class LinkRoom(Command):
    """Sent by the server alone, once the facilitator of an exchange has planned the next one: the
    new exchange names the one it follows, and that one names its successor."""

    type: ClassVar[str] = "room.link"
    roles: ClassVar = frozenset({Role.SYSTEM})
    action: ClassVar[str] = "link exchanges"
    allowed_after_end: ClassVar[bool] = True

    relation: Literal["previous", "next"]
    code: Annotated[Line, Field(min_length=1, max_length=12)]
    title: Annotated[Line, Field(max_length=120)] = ""


class RotateLink(Command):
    type: ClassVar[str] = "link.rotate"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "replace a secret link"

    role: Literal["scribe", "screen"]


class SetDownloads(Command):
    type: ClassVar[str] = "room.downloads"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "choose whether participants may download the record"
    allowed_after_end: ClassVar[bool] = True  # the record is most wanted once the exchange is over

    allowed: bool
    deidentified: bool = False
