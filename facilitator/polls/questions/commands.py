"""Question commands: participants ask, vote and withdraw; the facilitator moderates."""

from typing import Annotated, ClassVar

from pydantic import Field

from facilitator.rooms.model import STAFF, Command, Line, Paragraph, Role
from facilitator.rooms.privacy import Sensitive
from facilitator.rooms.throttle import Limit

PARTICIPANTS = frozenset({Role.PARTICIPANT})
MAX_QUESTION_LENGTH = 500


class AskQuestion(Sensitive):
    type: ClassVar[str] = "question.ask"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "ask questions"
    # Counted by the throttle at the edge, not in the log, where a count per person would
    # link their anonymous questions.
    limit: ClassVar[Limit] = Limit(3, 60.0, "You can ask 3 questions a minute")
    labels: ClassVar[dict[str, str]] = {"text": "your question"}

    text: Annotated[Paragraph, Field(min_length=1, max_length=MAX_QUESTION_LENGTH)]
    named: bool = False  # anonymous unless the author chooses to show their name


class QuestionAction(Command):
    question_id: Annotated[Line, Field(min_length=1, max_length=40)]


class UpvoteQuestion(QuestionAction):
    """An upvote; sent again, it is withdrawn."""

    type: ClassVar[str] = "question.upvote"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "upvote questions"


class WithdrawQuestion(QuestionAction):
    type: ClassVar[str] = "question.withdraw"
    roles: ClassVar = PARTICIPANTS
    action: ClassVar[str] = "withdraw a question"


class ApproveQuestion(QuestionAction):
    type: ClassVar[str] = "question.approve"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "moderate questions"


class DismissQuestion(QuestionAction):
    type: ClassVar[str] = "question.dismiss"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "moderate questions"

    reason: Annotated[Line, Field(max_length=120)] = ""


class EditQuestion(QuestionAction, Sensitive):
    type: ClassVar[str] = "question.edit"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "edit questions"
    labels: ClassVar[dict[str, str]] = {"text": "the question"}

    text: Annotated[Paragraph, Field(min_length=1, max_length=MAX_QUESTION_LENGTH)]


class PinQuestion(Command):
    """Pins a question to the screen; with no question_id, unpins."""

    type: ClassVar[str] = "question.pin"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "pin questions"

    question_id: Annotated[Line, Field(max_length=40)] = ""


class MarkAnswered(QuestionAction):
    type: ClassVar[str] = "question.answered"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "moderate questions"


class ArchiveQuestion(QuestionAction):
    type: ClassVar[str] = "question.archive"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "moderate questions"


class RestoreQuestion(QuestionAction):
    """Brings an answered, dismissed or archived question back to the live list."""

    type: ClassVar[str] = "question.restore"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "moderate questions"


class ConfigureQuestions(Command):
    type: ClassVar[str] = "questions.configure"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the Q&A settings"

    moderated: bool | None = None
    on_screen: bool | None = None
