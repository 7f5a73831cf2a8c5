"""Scribe commands: scribes and the facilitator write notes and summaries; a participant
writes only their own organisation's action plan."""

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from facilitator.rooms.model import STAFF, WRITERS, Command, Line, Paragraph, Role
from facilitator.rooms.privacy import Sensitive

NOTE_LENGTH = 1000
Kind = Literal["insight", "practice", "barrier", "action", "decision", "quote"]
Level = Literal["", "low", "medium", "high"]
TAG = re.compile(r"#([\w-]{1,40})")


def _tags(value: Any) -> Any:
    """Tags typed as "#lean #ehr-integration", "lean, ehr integration" or a list."""
    if isinstance(value, str):
        value = [tag for tag in re.split(r"[,\s]+", value) if tag]
    return value


def _tag(value: str) -> str:
    if not re.fullmatch(r"#?[\w-]{1,40}", value):
        raise ValueError("a tag is one word of up to 40 letters, digits, - or _")
    return value


Tag = Annotated[str, AfterValidator(_tag)]
Tags = Annotated[list[Tag], BeforeValidator(_tags), Field(max_length=12)]


class PostNote(Sensitive):
    type: ClassVar[str] = "note.post"
    roles: ClassVar = WRITERS
    action: ClassVar[str] = "write notes"
    labels: ClassVar[dict[str, str]] = {"text": "the note"}

    text: Annotated[Paragraph, Field(min_length=1, max_length=NOTE_LENGTH)]
    kind: Kind = "insight"
    tags: Tags = Field(default_factory=list)
    # Left empty: the agenda item running and the person holding the floor (for an edit: the
    # note's own, unchanged). "none": no link.
    item_id: Annotated[Line, Field(max_length=40)] = ""
    speaker_id: Annotated[Line, Field(max_length=40)] = ""


class EditNote(PostNote):
    type: ClassVar[str] = "note.edit"
    action: ClassVar[str] = "edit notes"

    note_id: Annotated[Line, Field(min_length=1, max_length=40)]


class DeleteNote(Command):
    type: ClassVar[str] = "note.delete"
    roles: ClassVar = WRITERS
    action: ClassVar[str] = "delete notes"

    note_id: Annotated[Line, Field(min_length=1, max_length=40)]


class ShowTicker(Command):
    type: ClassVar[str] = "notes.ticker"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "choose what the screen shows"

    shown: bool


class SaveSummary(Command):
    type: ClassVar[str] = "summary.save"
    roles: ClassVar = WRITERS
    action: ClassVar[str] = "write case summaries"

    item_id: Annotated[Line, Field(min_length=1, max_length=40)]
    problem: Annotated[Paragraph, Field(max_length=2000)] = ""
    intervention: Annotated[Paragraph, Field(max_length=2000)] = ""
    baseline: Annotated[Paragraph, Field(max_length=500)] = ""
    result: Annotated[Paragraph, Field(max_length=500)] = ""
    tips: Annotated[Paragraph, Field(max_length=2000)] = ""
    barriers: Annotated[Paragraph, Field(max_length=2000)] = ""


class SavePlan(Command):
    type: ClassVar[str] = "plan.save"
    roles: ClassVar = WRITERS | {Role.PARTICIPANT}
    action: ClassVar[str] = "write action plans"
    labels: ClassVar[dict[str, str]] = {
        "change": "the change you will make",
        "gap": "the gap",
        "owner": "the owner",
        "sponsor": "the sponsor",
    }

    plan_id: Annotated[Line, Field(max_length=40)] = ""  # empty: a new plan
    organisation: Annotated[Line, Field(max_length=80)] = ""  # a participant's plan is always their own organisation's
    gap: Annotated[Paragraph, Field(max_length=2000)] = ""
    change: Annotated[Paragraph, Field(min_length=1, max_length=1000)]
    impact: Level = ""
    effort: Level = ""
    owner: Annotated[Line, Field(max_length=120)] = ""
    sponsor: Annotated[Line, Field(max_length=120)] = ""
    milestone_30: Annotated[Paragraph, Field(max_length=1000)] = ""
    milestone_90: Annotated[Paragraph, Field(max_length=1000)] = ""
    milestone_12: Annotated[Paragraph, Field(max_length=1000)] = ""
    monitoring: Annotated[Paragraph, Field(max_length=1000)] = ""


class DeletePlan(Command):
    type: ClassVar[str] = "plan.delete"
    roles: ClassVar = WRITERS | {Role.PARTICIPANT}
    action: ClassVar[str] = "delete action plans"

    plan_id: Annotated[Line, Field(min_length=1, max_length=40)]
