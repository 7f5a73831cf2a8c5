"""Agenda and timer commands. All are the facilitator's, but for the server's own deadlines."""

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from facilitator.rooms.model import STAFF, Command, Line, Role

Kind = Literal["case", "breakout", "walkthrough", "discussion", "poll", "break"]
SYSTEM = frozenset({Role.SYSTEM})
# A duration as people type it, in whole or fractional minutes: up to ten hours.
Minutes = Annotated[float, Field(ge=0, le=600, allow_inf_nan=False)]
# A place on the agenda; one past the end means last.
Position = Annotated[int, Field(ge=0, le=1000)]
# Epoch milliseconds up to 2100-01-01: beyond any session, well inside what the
# calendar, the scheduler and the database can hold.
LATEST_MS = 4_102_444_800_000
EpochMs = Annotated[int, Field(ge=0, le=LATEST_MS)]


class ItemSpec(BaseModel):
    """One agenda item as written by a person, in a form or an imported file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind = "discussion"
    title: Annotated[Line, Field(max_length=120)] = ""
    minutes: Minutes | None = None
    organisation: Annotated[Line, Field(max_length=80)] = ""
    presenter: Annotated[Line, Field(max_length=80)] = ""
    presenter_id: Annotated[Line, Field(max_length=40)] | None = None
    presentation_minutes: Minutes | None = None
    qa_minutes: Minutes | None = None
    qa_prompt: Annotated[Line, Field(max_length=200)] = ""

    @model_validator(mode="after")
    def _has_a_duration(self) -> "ItemSpec":
        if self.kind != "case" and self.minutes is None:
            raise ValueError("give the item a duration in minutes")
        if not self.title and not (self.kind == "case" and self.organisation):
            raise ValueError("give the item a title")
        return self


class AddItem(Command, ItemSpec):
    type: ClassVar[str] = "agenda.add"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the agenda"

    position: Position | None = None


class UpdateItem(Command):
    type: ClassVar[str] = "agenda.update"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the agenda"

    item_id: Annotated[Line, Field(min_length=1, max_length=40)]
    title: Annotated[Line, Field(max_length=120)] | None = None
    minutes: Minutes | None = None
    organisation: Annotated[Line, Field(max_length=80)] | None = None
    presenter: Annotated[Line, Field(max_length=80)] | None = None
    presenter_id: Annotated[Line, Field(max_length=40)] | None = None
    presentation_minutes: Minutes | None = None
    qa_minutes: Minutes | None = None
    qa_prompt: Annotated[Line, Field(max_length=200)] | None = None


class RemoveItem(Command):
    type: ClassVar[str] = "agenda.remove"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the agenda"

    item_id: Annotated[Line, Field(min_length=1, max_length=40)]


class MoveItem(Command):
    type: ClassVar[str] = "agenda.move"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the agenda"

    item_id: Annotated[Line, Field(min_length=1, max_length=40)]
    position: Position


class ImportAgenda(Command):
    type: ClassVar[str] = "agenda.import"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "import an agenda"

    items: list[ItemSpec] = Field(min_length=1, max_length=60)
    replace: bool = False


class TimerCommand(Command):
    """Acts on the current phase; naming an item guards against acting on the wrong one."""

    roles: ClassVar = STAFF
    action: ClassVar[str] = "control the timer"

    item_id: Annotated[Line, Field(max_length=40)] | None = None


class StartTimer(TimerCommand):
    type: ClassVar[str] = "timer.start"
    phase: int = Field(default=0, ge=0, le=5)


class ScheduleStart(TimerCommand):
    type: ClassVar[str] = "timer.schedule"
    # Either an absolute time, or a time of day in the facilitator's own time zone.
    at_ms: EpochMs | None = None
    at: str | None = Field(default=None, pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")
    utc_offset_minutes: int = Field(default=0, ge=-14 * 60, le=14 * 60)

    @model_validator(mode="after")
    def _has_a_time(self) -> "ScheduleStart":
        if (self.at_ms is None) == (self.at is None):
            raise ValueError("give either at (HH:MM) or at_ms")
        return self


class CancelSchedule(TimerCommand):
    type: ClassVar[str] = "timer.unschedule"


class PauseTimer(TimerCommand):
    type: ClassVar[str] = "timer.pause"


class ResumeTimer(TimerCommand):
    type: ClassVar[str] = "timer.resume"


class AdjustTimer(TimerCommand):
    type: ClassVar[str] = "timer.adjust"
    seconds: int = Field(ge=-3600, le=3600)


class RestartPhase(TimerCommand):
    type: ClassVar[str] = "timer.restart"


class NextPhase(TimerCommand):
    type: ClassVar[str] = "timer.next"


class FinishItem(TimerCommand):
    type: ClassVar[str] = "timer.finish"


class ConfigureTimers(Command):
    type: ClassVar[str] = "timer.configure"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "change the timer settings"

    amber_seconds: int | None = Field(default=None, ge=0, le=3600)
    red_seconds: int | None = Field(default=None, ge=0, le=3600)
    auto_advance_phase: bool | None = None
    auto_advance_item: bool | None = None


class ShowMessage(Command):
    type: ClassVar[str] = "message.show"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "send a message to the screen"
    labels: ClassVar[dict[str, str]] = {"text": "the message"}

    text: Annotated[Line, Field(min_length=1, max_length=120)]
    tone: Literal["neutral", "green", "red"] = "neutral"
    flash: bool = False
    target: Literal["screen", "presenter"] = "screen"


class ClearMessage(Command):
    type: ClassVar[str] = "message.clear"
    roles: ClassVar = STAFF
    action: ClassVar[str] = "clear a message"

    target: Literal["screen", "presenter"] = "screen"


class ExpirePhase(Command):
    """Sent by the scheduler when a deadline passes."""

    type: ClassVar[str] = "timer.expire"
    roles: ClassVar = SYSTEM
    action: ClassVar[str] = "end a phase on time"

    run: int = Field(ge=0, le=2**31 - 1)
    deadline: EpochMs


class BeginScheduled(Command):
    type: ClassVar[str] = "timer.begin"
    roles: ClassVar = SYSTEM
    action: ClassVar[str] = "start a scheduled item"

    item_id: Annotated[Line, Field(min_length=1, max_length=40)]
    at: EpochMs
