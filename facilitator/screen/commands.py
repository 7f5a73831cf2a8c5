"""The one command that chooses what the screen shows."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from facilitator.rooms.model import STAFF, Command, Line


class ShowOnScreen(Command):
    """Puts a poll, a question, the questions, the share of voice or the join code on the
    screen until the agenda moves on; "agenda" gives the screen back to the agenda."""

    type: ClassVar[str] = "screen.show"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "choose what the screen shows"

    what: Literal["agenda", "poll", "question", "questions", "voice", "join"]
    # The poll or the question to show (`id` is the command's own id).
    target: Annotated[Line, Field(max_length=40)] = ""
