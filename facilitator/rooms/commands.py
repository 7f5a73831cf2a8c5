"""The room's own commands: create, join, lock, remove, end and rotate links."""

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from facilitator.rooms.model import STAFF, Command, Role, line, paragraph

Name = line(60, min_length=1)
Organisation = line(80, min_length=1)


class CharterFields(BaseModel):
    """What the exchange is for: the three questions of an exchange charter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    focus: paragraph(300) = ""
    outcome: paragraph(200) = ""
    beneficiaries: paragraph(200) = ""


class CreateRoom(Command):
    type: ClassVar[str] = "room.create"
    roles: ClassVar = frozenset({Role.VISITOR})
    action: ClassVar[str] = "create an exchange"

    title: line(120, min_length=1)
    charter: CharterFields = CharterFields()
    confidentiality: paragraph(2000, min_length=1)
    organisations: list[Organisation] = Field(default_factory=list, max_length=12)


class UpdateRoom(Command):
    type: ClassVar[str] = "room.update"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "edit the exchange"

    title: line(120, min_length=1) | None = None
    charter: CharterFields | None = None
    confidentiality: paragraph(2000, min_length=1) | None = None
    organisations: list[Organisation] | None = Field(default=None, max_length=12)


class JoinRoom(Command):
    type: ClassVar[str] = "participant.join"
    roles: ClassVar = frozenset({Role.VISITOR})
    action: ClassVar[str] = "join"

    name: Name
    organisation: Organisation
    job_title: line(80) = ""
    accept_confidentiality: bool = False


class RemoveParticipant(Command):
    type: ClassVar[str] = "participant.remove"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "remove a participant"

    participant_id: line(40, min_length=1)


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


class RotateLink(Command):
    type: ClassVar[str] = "link.rotate"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "replace a secret link"

    role: Literal["scribe", "screen"]
