"""Follow-up commands. All of them are accepted after the exchange has ended: ending freezes the
live session, not the follow-up. A participant updates only their own organisation's plans."""

import re
from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from facilitator.rooms.model import STAFF, WRITERS, Command, Line, Paragraph, Role
from facilitator.rooms.privacy import Sensitive

NOTE_LENGTH = 1000
Status = Literal["not_started", "on_track", "at_risk", "done", "dropped"]
MilestoneKey = Literal["30", "90", "12"]
Id = Annotated[Line, Field(min_length=1, max_length=40)]


def _after(value: str) -> str:
    match = re.fullmatch(r"(\d{1,3})([dm])", value)
    if match is None:
        raise ValueError("write a length of time as 30d (days) or 12m (months)")
    count, unit = int(match.group(1)), match.group(2)
    if count < 1 or count > (730 if unit == "d" else 24):
        raise ValueError("a check-in falls between one day and two years after the exchange")
    return f"{count}{unit}"


def _day(value: str) -> str:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("write the date as 2025-03-14") from None
    return value


After = Annotated[Line, Field(max_length=4), AfterValidator(_after)]


class UpdateMilestone(Sensitive):
    type: ClassVar[str] = "milestone.update"
    roles: ClassVar = WRITERS | {Role.PARTICIPANT}
    action: ClassVar[str] = "update milestones"
    labels: ClassVar[dict[str, str]] = {"note": "the progress note"}
    allowed_after_end: ClassVar[bool] = True

    plan_id: Id
    milestone: MilestoneKey
    status: Status
    note: Annotated[Paragraph, Field(max_length=NOTE_LENGTH)] = ""


class RelayMilestone(UpdateMilestone):
    """A milestone update made at the next exchange of the series, during its review of
    commitments: the server sends it to this exchange, where the plan lives. That exchange has
    checked who sent it and that their organisation is presenting; this one checks it is its
    successor and that the plan is that organisation's."""

    type: ClassVar[str] = "milestone.relay"
    roles: ClassVar = frozenset({Role.SYSTEM})
    action: ClassVar[str] = "relay milestone updates"

    via: Annotated[Line, Field(min_length=1, max_length=12)]  # the next exchange's code
    organisation: Annotated[Line, Field(min_length=1, max_length=80)]
    name: Annotated[Line, Field(max_length=60)] = ""  # who updated it there


class Configure(Command):
    type: ClassVar[str] = "followup.configure"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "set the exchange's date"
    allowed_after_end: ClassVar[bool] = True

    date: Annotated[Line, Field(max_length=10), AfterValidator(_day)] = ""  # empty: the day it ended


class ScheduleCheckIns(Command):
    type: ClassVar[str] = "checkin.schedule"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "schedule check-ins"
    allowed_after_end: ClassVar[bool] = True

    # How long after the exchange; the default is the three a learning collaborative runs.
    after: list[After] = Field(default_factory=lambda: ["30d", "90d", "12m"], min_length=1, max_length=8)


class CancelCheckIn(Command):
    type: ClassVar[str] = "checkin.cancel"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "cancel check-ins"
    allowed_after_end: ClassVar[bool] = True

    checkin_id: Id


class OpenCheckIn(Command):
    """Sent by the server to itself when a check-in falls due."""

    type: ClassVar[str] = "checkin.open"
    roles: ClassVar = frozenset({Role.SYSTEM})
    action: ClassVar[str] = "open check-ins"
    allowed_after_end: ClassVar[bool] = True

    checkin_id: Id
    at: int = Field(ge=0, le=2**53)


class AnswerPulse(Sensitive):
    type: ClassVar[str] = "pulse.answer"
    roles: ClassVar = frozenset({Role.PARTICIPANT})
    action: ClassVar[str] = "answer the check-in"
    labels: ClassVar[dict[str, str]] = {"helped": "“what helped”", "hindered": "“what got in the way”"}
    allowed_after_end: ClassVar[bool] = True

    checkin_id: Id
    plan_id: Id
    progress: int = Field(ge=1, le=5)
    helped: Annotated[Paragraph, Field(max_length=NOTE_LENGTH)] = ""
    hindered: Annotated[Paragraph, Field(max_length=NOTE_LENGTH)] = ""
    sign: bool = False  # unsigned, the answer is the organisation's, not the person's


def _email(value: str) -> str:
    if value and not re.fullmatch(r"[^@\s<>,;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", value):
        raise ValueError("that is not an e-mail address")
    return value


class SetContact(Command):
    type: ClassVar[str] = "contact.set"
    roles: ClassVar = frozenset({Role.PARTICIPANT})
    action: ClassVar[str] = "give an address for reminders"
    labels: ClassVar[dict[str, str]] = {"email": "the e-mail address"}
    allowed_after_end: ClassVar[bool] = True

    email: Annotated[Line, Field(max_length=200), AfterValidator(_email)] = ""  # empty: forget it
