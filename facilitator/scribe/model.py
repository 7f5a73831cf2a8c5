"""Notes, case summaries and action plans as plain data folded from the log.

Nothing is overwritten: every edit of a note, a summary or a plan is a new
version appended in log order, so concurrent edits never lose one another.
"""

from dataclasses import dataclass, field

from facilitator.rooms.model import RoomState

# kind -> (label, the key that chooses it on the scribe panel: "/b" for a best practice)
NOTE_KINDS = {
    "insight": ("Insight", "i"),
    "practice": ("Best practice", "b"),
    "barrier": ("Barrier", "r"),
    "action": ("Action item", "a"),
    "decision": ("Decision", "d"),
    "quote": ("Quote", "q"),
}
LEVELS = ("low", "medium", "high")
SUMMARY_FIELDS = {
    "problem": "Problem statement",
    "intervention": "Intervention",
    "baseline": "Outcome metric: baseline",
    "result": "Outcome metric: result",
    "tips": "Implementation tips",
    "barriers": "Barriers",
}
PLAN_FIELDS = {
    "gap": "Gap: where we are against the peer practice",
    "change": "The change we commit to",
    "impact": "Impact",
    "effort": "Effort",
    "owner": "Owner",
    "sponsor": "Sponsor",
    "milestone_30": "By 30 days",
    "milestone_90": "By 90 days",
    "milestone_12": "By 6-12 months",
    "monitoring": "How we will monitor progress and report back",
}


@dataclass
class NoteVersion:
    text: str
    kind: str
    tags: list[str]
    item_id: str | None
    speaker_id: str | None
    at: int
    by: str  # the role that wrote it: facilitator or scribe
    flags: list[str] = field(default_factory=list)  # kinds of identifier the writer confirmed were not
    source: str = ""  # where it comes from when no one spoke it: a breakout group's name


@dataclass
class Note:
    id: str
    versions: list[NoteVersion]
    deleted_at: int | None = None

    @property
    def latest(self) -> NoteVersion:
        return self.versions[-1]

    @property
    def created_at(self) -> int:
        return self.versions[0].at

    @property
    def edited(self) -> bool:
        return len(self.versions) > 1


@dataclass
class Revision:
    """One saved version of a summary or an action plan."""

    fields: dict[str, str]
    at: int
    by: str


@dataclass
class Summary:
    item_id: str
    revisions: list[Revision] = field(default_factory=list)

    @property
    def fields(self) -> dict[str, str]:
        return self.revisions[-1].fields if self.revisions else {}


@dataclass
class ActionPlan:
    id: str
    organisation: str
    revisions: list[Revision] = field(default_factory=list)
    deleted_at: int | None = None

    @property
    def fields(self) -> dict[str, str]:
        return self.revisions[-1].fields


@dataclass
class Notebook:
    notes: dict[str, Note] = field(default_factory=dict)  # in the order posted
    summaries: dict[str, Summary] = field(default_factory=dict)  # by agenda item
    plans: dict[str, ActionPlan] = field(default_factory=dict)
    ticker: bool = False  # the screen shows the latest notes

    def live_notes(self) -> list[Note]:
        return [note for note in self.notes.values() if note.deleted_at is None]

    def live_plans(self) -> list[ActionPlan]:
        return [plan for plan in self.plans.values() if plan.deleted_at is None]


def notebook_of(state: RoomState) -> Notebook:
    """The scribe's notebook (notes, summaries, plans) of a room: the one way any feature reads this slice."""
    return state.slices["scribe"]
