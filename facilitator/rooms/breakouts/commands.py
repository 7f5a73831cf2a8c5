"""Breakout commands: the facilitator sets up, adjusts, opens, closes and reports back a round;
a participant picks or ranks topics, and a group's members (with the facilitator and the
scribe) write its worksheet."""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from facilitator.rooms.model import STAFF, WRITERS, Command, Line, Paragraph, Role
from facilitator.rooms.privacy import Sensitive

PARTICIPANTS = frozenset({Role.PARTICIPANT})
MAX_GROUPS = 200
MAX_SECTIONS = 6
SECTION_LENGTH = 2000
Strategy = Literal["mix", "roles", "random", "choose", "preference"]
GroupId = Annotated[Line, Field(min_length=1, max_length=8)]


def _lines(value: Any) -> Any:
    """Topics or section titles typed one per line in a text box arrive as one string."""
    if isinstance(value, str):
        return [part for part in value.splitlines() if part.strip()]
    return value


def _blank_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _listed(value: Any) -> Any:
    """A form sends one value as a value and several as a list."""
    if value is None or isinstance(value, list):
        return value
    return [value]


Count = Annotated[Annotated[int, Field(ge=1, le=MAX_GROUPS)] | None, BeforeValidator(_blank_as_none)]
Seed = Annotated[Annotated[int, Field(ge=0, le=2**31)] | None, BeforeValidator(_blank_as_none)]
Topics = Annotated[
    list[Annotated[Line, Field(min_length=1, max_length=120)]], BeforeValidator(_lines), Field(max_length=MAX_GROUPS)
]
Titles = Annotated[
    list[Annotated[Line, Field(min_length=1, max_length=80)]], BeforeValidator(_lines), Field(max_length=MAX_SECTIONS)
]


class SetUp(Command):
    type: ClassVar[str] = "breakouts.setup"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "set up breakout groups"

    item_id: Annotated[Line, Field(max_length=40)] = ""  # empty: the agenda item running, if any
    groups: Count = None
    group_size: Count = None
    topics: Topics = Field(default_factory=list)  # one per group, or one for all
    strategy: Strategy = "mix"
    cap: Count = None
    avoid_repeats: bool = False
    keep_same_groups: bool = False
    sections: Titles = Field(default_factory=list)  # empty: the three usual ones
    seed: Seed = None


class Move(Command):
    type: ClassVar[str] = "breakouts.move"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "move people between breakout groups"

    participant_id: Annotated[Line, Field(min_length=1, max_length=40)]
    group_id: GroupId


class Reshuffle(Command):
    type: ClassVar[str] = "breakouts.reshuffle"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "reshuffle breakout groups"

    seed: Seed = None


class Rename(Command):
    type: ClassVar[str] = "breakouts.rename"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "rename breakout groups"
    labels: ClassVar[dict[str, str]] = {"name": "the group's name"}

    group_id: GroupId
    name: Annotated[Line, Field(min_length=1, max_length=60)]


class Open(Command):
    type: ClassVar[str] = "breakouts.open"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "open breakout rounds"

    minutes: Annotated[
        Annotated[float, Field(gt=0, le=240, allow_inf_nan=False)] | None, BeforeValidator(_blank_as_none)
    ] = None


class Close(Command):
    type: ClassVar[str] = "breakouts.close"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "close breakout rounds"


class Message(Command):
    type: ClassVar[str] = "breakouts.message"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "message breakout groups"
    labels: ClassVar[dict[str, str]] = {"text": "the message"}

    text: Annotated[Line, Field(min_length=1, max_length=200)]
    group_id: Annotated[Line, Field(max_length=8)] = ""  # empty: every group


class Choose(Command):
    type: ClassVar[str] = "breakouts.choose"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "choose a breakout topic"

    choice: Annotated[int, Field(ge=0, lt=MAX_GROUPS)]


class Rank(Command):
    type: ClassVar[str] = "breakouts.rank"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "rank breakout topics"

    order: Annotated[
        list[Annotated[int, Field(ge=0, lt=MAX_GROUPS)]], BeforeValidator(_listed), Field(min_length=1, max_length=3)
    ]


class Write(Sensitive):
    type: ClassVar[str] = "breakouts.write"
    roles: ClassVar = WRITERS | PARTICIPANTS
    action: ClassVar[str] = "write breakout worksheets"
    labels: ClassVar[dict[str, str]] = {"text": "the worksheet section"}

    group_id: Annotated[Line, Field(max_length=8)] = ""  # empty: the writer's own group
    section: Annotated[int, Field(ge=0, lt=MAX_SECTIONS)]
    text: Annotated[Paragraph, Field(max_length=SECTION_LENGTH)]
    based_on: Annotated[int, Field(ge=0, le=100_000)] = 0  # how many versions the writer had seen


class Recommend(Sensitive):
    type: ClassVar[str] = "breakouts.recommend"
    roles: ClassVar = WRITERS | PARTICIPANTS
    action: ClassVar[str] = "recommend a breakout group's idea"

    group_id: Annotated[Line, Field(max_length=8)] = ""
    idea: Annotated[Line, Field(max_length=300)]  # empty: no recommendation


class Report(Command):
    type: ClassVar[str] = "breakouts.report"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "run the report-back"

    step: Literal["start", "next", "previous", "stop"] = "start"
    seconds: Annotated[int, Field(ge=10, le=1800)] = 120
