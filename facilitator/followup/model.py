"""Follow-up as plain data folded from the log: each action plan's milestones with their status
updates, the check-ins after the exchange and the pulse answers each organisation gave.

Nothing is overwritten: every status update and every pulse answer is a new version appended
in log order, with who and when.
"""

from dataclasses import dataclass, field

from facilitator.rooms.model import RoomState

STATUSES = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "done": "Done",
    "dropped": "Dropped",
}
# The plan's milestone fields (see scribe.model.PLAN_FIELDS) and how long after the exchange each is due.
MILESTONES = {"30": ("milestone_30", "30d"), "90": ("milestone_90", "90d"), "12": ("milestone_12", "12m")}
DEFAULT_CHECKINS = ("30d", "90d", "12m")


@dataclass
class Update:
    """One version of a milestone's status."""

    status: str
    note: str
    at: int
    by: str  # the role that wrote it
    participant_id: str = ""  # who, when a participant wrote it
    flags: list[str] = field(default_factory=list)  # kinds of identifier the writer confirmed were not
    # Made at the next exchange's review of commitments: its code, and who updated it there.
    via: str = ""
    name: str = ""


@dataclass
class Milestone:
    plan_id: str
    key: str  # "30", "90" or "12"
    updates: list[Update] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.updates[-1].status if self.updates else "not_started"

    @property
    def updated_at(self) -> int | None:
        return self.updates[-1].at if self.updates else None


@dataclass
class CheckIn:
    id: str
    after: str  # "30d", "90d", "12m": how long after the exchange's date
    opened_at: int | None = None
    cancelled: bool = False


@dataclass
class Pulse:
    """An organisation's answer to a check-in's pulse survey, about one of its plans. Signed only
    when the person chose to sign: otherwise it names the organisation, not the person."""

    checkin_id: str
    plan_id: str
    organisation: str
    progress: int
    helped: str
    hindered: str
    at: int
    signed_by: str = ""  # the participant id of one who chose to sign
    flags: list[str] = field(default_factory=list)  # kinds of identifier the writer confirmed were not


@dataclass
class Followup:
    # The exchange's date (ISO) when the facilitator set it; "": the day it ended, or was created.
    date: str = ""
    milestones: dict[str, Milestone] = field(default_factory=dict)  # by "plan_id/key"
    checkins: dict[str, CheckIn] = field(default_factory=dict)  # in the order scheduled
    pulses: list[Pulse] = field(default_factory=list)  # in the order answered
    # participant id -> the address they gave for reminders; never shown to anyone else.
    contacts: dict[str, str] = field(default_factory=dict)

    def milestone(self, plan_id: str, key: str) -> Milestone:
        return self.milestones.get(f"{plan_id}/{key}") or Milestone(plan_id, key)

    def live_checkins(self) -> list[CheckIn]:
        return [checkin for checkin in self.checkins.values() if not checkin.cancelled]

    def pulse(self, checkin_id: str, plan_id: str) -> Pulse | None:
        """The latest answer about a plan at a check-in."""
        found = [p for p in self.pulses if p.checkin_id == checkin_id and p.plan_id == plan_id]
        return found[-1] if found else None


def followup_of(state: RoomState) -> Followup:
    """The follow-up of a room (milestone status, check-ins, pulses): the one way any feature reads this slice."""
    return state.slices["followup"]
