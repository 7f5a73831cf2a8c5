"""Poll commands: the facilitator prepares and runs polls, a participant only answers."""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from facilitator.rooms.model import STAFF, Command, Line, Paragraph, Role

PARTICIPANTS = frozenset({Role.PARTICIPANT})
MAX_OPTIONS = 12
Kind = Literal["single", "multiple", "scale", "words", "text", "ranking", "matrix"]
Visibility = Literal["live", "hidden", "on_close"]
NO_ITEM = "none"


def _lines(value: Any) -> Any:
    """Options typed one per line in a text box arrive as one string."""
    if isinstance(value, str):
        return [part for part in value.splitlines() if part.strip()]
    return value


def _listed(value: Any) -> Any:
    """A form sends one checked box as a value and several as a list."""
    if value is None or isinstance(value, list):
        return value
    return [value]


def _blank_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _number(value: Any) -> Any:
    """A form's select sends its number as text: "10" for 10 (a Literal accepts no text)."""
    return int(value) if isinstance(value, str) and value.strip().isdecimal() else value


Options = Annotated[
    list[Annotated[Line, Field(min_length=1, max_length=120)]], BeforeValidator(_lines), Field(max_length=MAX_OPTIONS)
]
PollId = Annotated[Line, Field(min_length=1, max_length=40)]
# An option's index, a rating, a place on impact or effort. The rules check it against the
# poll and say what is wrong in the poll's own terms; this bound only keeps absurd numbers out.
SmallNumber = Annotated[int, Field(ge=-100, le=100)]
# Constraints sit on the list, not on the optional: pydantic cannot apply them to an explicit null.
Picks = Annotated[Annotated[list[SmallNumber], Field(max_length=MAX_OPTIONS)] | None, BeforeValidator(_listed)]


class PollFields(Command):
    """What a poll asks and how its results are shown; unset fields keep their value on update."""

    labels: ClassVar[dict[str, str]] = {"question": "the question", "options": "the options"}

    question: Annotated[Line, Field(min_length=1, max_length=200)] | None = None
    options: Options | None = None
    max_choices: Annotated[Annotated[int, Field(ge=0, le=MAX_OPTIONS)] | None, BeforeValidator(_blank_as_none)] = None
    scale_max: Annotated[Literal[5, 10] | None, BeforeValidator(_number)] = None
    low_label: Annotated[Line, Field(max_length=40)] | None = None
    high_label: Annotated[Line, Field(max_length=40)] | None = None
    # Left out: the agenda item running when the poll is created; NO_ITEM: none.
    item_id: Annotated[Annotated[Line, Field(max_length=40)] | None, BeforeValidator(_blank_as_none)] = None
    visibility: Visibility | None = None


class CreatePoll(PollFields):
    type: ClassVar[str] = "poll.create"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "create polls"

    kind: Kind
    question: Annotated[Line, Field(min_length=1, max_length=200)]
    open: bool = False


class UpdatePoll(PollFields):
    type: ClassVar[str] = "poll.update"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change polls"

    poll_id: PollId


class PollAction(Command):
    """A command about one poll, named by its id."""

    poll_id: PollId


class OpenPoll(PollAction):
    """Opens a draft, or reopens a closed poll with its answers kept."""

    type: ClassVar[str] = "poll.open"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "open polls"


class ClosePoll(PollAction):
    type: ClassVar[str] = "poll.close"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "close polls"


class ResetPoll(PollAction):
    type: ClassVar[str] = "poll.reset"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "reset polls"

    confirm: bool = False


class DuplicatePoll(PollAction):
    type: ClassVar[str] = "poll.duplicate"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "duplicate polls"


class DeletePoll(PollAction):
    type: ClassVar[str] = "poll.delete"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "delete polls"

    confirm: bool = False


class RevealResults(PollAction):
    type: ClassVar[str] = "poll.reveal"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "reveal poll results"

    shown: bool = True


class ShowPoll(Command):
    """Puts a poll on the screen, or takes the screen back with no poll_id."""

    type: ClassVar[str] = "poll.screen"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "choose what the screen shows"

    poll_id: Annotated[PollId | None, BeforeValidator(_blank_as_none)] = None


class AddSurvey(Command):
    type: ClassVar[str] = "poll.survey"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "create polls"

    open: bool = False


class OpenSurvey(Command):
    """Opens every poll of a survey that is not open yet, at once: the phones show them together."""

    type: ClassVar[str] = "poll.open_survey"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "open polls"

    survey_id: PollId


class RetractAnswer(PollAction):
    """Takes back one's own answer (a word cloud's words) while the poll is open."""

    type: ClassVar[str] = "poll.retract"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "answer polls"


class AnswerPoll(PollAction):
    """One participant's answer; the field that matters depends on the poll's kind."""

    type: ClassVar[str] = "poll.answer"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "answer polls"
    labels: ClassVar[dict[str, str]] = {"text": "your answer", "words": "your words"}

    choice: SmallNumber | None = None  # single choice: option index
    choices: Picks = None  # multiple choice: option indexes
    value: SmallNumber | None = None  # rating scale
    words: Annotated[
        Annotated[list[Annotated[Line, Field(max_length=40)]], Field(max_length=3)] | None, BeforeValidator(_listed)
    ] = None
    text: Annotated[Paragraph, Field(max_length=500)] | None = None
    order: Picks = None  # ranking: option indexes, best first
    impact: Picks = None  # matrix: per option, 1..5
    effort: Picks = None
