"""Review commands: the facilitator opens the review and steps through the organisations; the
presenting organisation's participants update their milestones from their phones."""

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from facilitator.rooms.model import STAFF, Command, Line, Paragraph, Role
from facilitator.rooms.privacy import Sensitive

Organisation = Annotated[Line, Field(max_length=80)]


class OpenReview(Command):
    type: ClassVar[str] = "review.open"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "open a review of commitments"

    item_id: Annotated[Line, Field(min_length=1, max_length=40)]
    organisations: list[Annotated[Organisation, Field(min_length=1)]] = Field(default_factory=list, max_length=12)


class Present(Command):
    type: ClassVar[str] = "review.present"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "choose who presents their commitments"

    organisation: Organisation = ""  # empty: nobody


class UpdateStatus(Sensitive):
    """A milestone of the presenting organisation's plan, updated during the review; the plan
    lives in the exchange this one follows, where the server sends the update."""

    type: ClassVar[str] = "review.update"
    roles: ClassVar = frozenset({Role.PARTICIPANT})
    action: ClassVar[str] = "update a plan during the review"
    labels: ClassVar[dict[str, str]] = {"note": "the progress note"}

    plan_id: Annotated[Line, Field(min_length=1, max_length=40)]
    milestone: Literal["30", "90", "12"]
    status: Literal["not_started", "on_track", "at_risk", "done", "dropped"]
    note: Annotated[Paragraph, Field(max_length=1000)] = ""
