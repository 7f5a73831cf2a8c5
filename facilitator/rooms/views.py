"""What each surface shows of the room itself: computed here, printed by templates."""

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import NamedTuple, TypeVar

from facilitator.rooms.changes import EVERYONE as ALL_VIEWERS
from facilitator.rooms.changes import PRESENCE, Viewers, participants
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Event, Role, RoomState

T = TypeVar("T")

EVERYONE = frozenset({"console", "screen", "phone", "scribe"})


def duration(ms: int | None, signed: bool = False) -> str:
    """m:ss (or h:mm:ss), e.g. 15:00; with `signed`, +1:12 for an overrun.

    Here, not in a feature, because agenda items, speaking turns and the record print lengths alike.
    """
    if ms is None:
        return ""
    sign = "+" if signed and ms > 0 else "-" if ms < 0 else ""
    seconds = round(abs(ms) / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    body = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return sign + body


@dataclass(frozen=True)
class Scene:
    """The room as one render sees it: the folded log plus who is online now."""

    state: RoomState
    connected: frozenset[str]
    # The exchange this one follows (`state.previous`), as its own process holds it: a fragment
    # may show what was committed there; its changes reach this room as the topic "linked".
    previous: RoomState | None = None
    # Figures several fragments need, computed once per render (see `once`).
    _computed: dict = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()`, run at most once for this scene: per-person fragments of a
        hundred phones share what they all derive from the same state."""
        if key not in self._computed:
            self._computed[key] = compute()
        return self._computed[key]


def header(scene: Scene) -> dict:
    state = scene.state
    status = "Ended" if state.ended else "Closed to new participants" if state.locked else ""
    return {
        "title": state.title,
        "focus": state.charter.focus,
        "outcome": state.charter.outcome,
        "status": status,
        "ended": state.ended,
    }


def counts(scene: Scene) -> dict:
    present = scene.state.present()
    online = sum(1 for p in present if p.id in scene.connected)
    organisations = {p.organisation for p in present}
    return {"joined": len(present), "online": online, "organisations": len(organisations)}


class RosterRow(NamedTuple):
    """One person on the staff's roster (templates/rows/roster-person.html)."""

    id: str
    name: str
    job_title: str
    online: bool
    ended: bool


class Choice(NamedTuple):
    """One option of a <select> (templates/rows/choice.html)."""

    value: str
    label: str


def people_choices(scene: Scene) -> list[Choice]:
    """Everyone present, as the choices of a form (a presenter, a speaker), once per render."""
    return scene.once(
        "people.choices", lambda: [Choice(p.id, f"{p.name} ({p.organisation})") for p in scene.state.present()]
    )


def roster(scene: Scene) -> dict:
    present = sorted(scene.state.present(), key=lambda p: (p.organisation.casefold(), p.name.casefold()))
    groups = []
    ended, connected = scene.state.ended, scene.connected
    for organisation, members in groupby(present, key=lambda p: p.organisation):
        people = [RosterRow(p.id, p.name, p.job_title, p.id in connected, ended) for p in members]
        groups.append(
            {"organisation": organisation, "people": people, "online": sum(person.online for person in people)}
        )
    expected = [name for name in scene.state.organisations if name not in {group["organisation"] for group in groups}]
    return {"groups": groups, "missing": expected, "ended": scene.state.ended}


def controls(scene: Scene) -> dict:
    return {"locked": scene.state.locked, "ended": scene.state.ended, "code": scene.state.code}


def join_panel(scene: Scene) -> dict:
    return {"code": scene.state.code, "open": not scene.state.locked and not scene.state.ended}


def me(scene: Scene, viewer: Actor) -> dict:
    participant = scene.state.participants.get(viewer.participant_id or "")
    return {
        "name": participant.name if participant else "",
        "organisation": participant.organisation if participant else "",
        "removed": participant is None or participant.removed,
    }


EXPORT_FORMATS = (
    ("html", "Report (HTML, prints to PDF)"),
    ("docx", "Word document (.docx)"),
    ("md", "Transcript (Markdown)"),
    ("json", "Data (JSON)"),
    ("csv", "Tables (CSV, zipped)"),
    ("zip", "Everything (zip)"),
)


def room_downloads(scene: Scene) -> dict:
    """The console's export links, and whether participants may download the record."""
    downloads = scene.state.downloads
    return {
        "code": scene.state.code,
        "formats": EXPORT_FORMATS,
        "allowed": downloads.allowed,
        "deidentified": downloads.deidentified,
        "imported": scene.state.imported_from is not None,
    }


def record_phone(scene: Scene) -> dict:
    """On a phone, once the facilitator allows it: the record to download, as it will be made
    for a participant (de-identified if the facilitator chose so)."""
    downloads = scene.state.downloads
    return {"code": scene.state.code, "allowed": downloads.allowed, "deidentified": downloads.deidentified}


def _who_changed(state: RoomState, event: Event) -> Viewers:
    participant_id = event.data.get("participant_id")
    return participants(participant_id) if participant_id else ALL_VIEWERS


FRAGMENTS = (
    Fragment("room-header", EVERYONE, header, reads=frozenset({"room"})),
    # Every arrival changes the counts: a hall's phones are told at most every two seconds.
    Fragment("room-counts", EVERYONE, counts, reads=frozenset({"participants", PRESENCE}), pace={"phone": 2.0}),
    # The console's alone: its rows offer "Remove", and the scribe's page has no place for it.
    Fragment("roster", frozenset({"console"}), roster, reads=frozenset({"room", "participants", PRESENCE})),
    Fragment("room-controls", frozenset({"console"}), controls, reads=frozenset({"room"})),
    Fragment("join-panel", frozenset({"screen", "console"}), join_panel, reads=frozenset({"room"})),
    Fragment("room-downloads", frozenset({"console"}), room_downloads, reads=frozenset({"room"})),
    Fragment("record-phone", frozenset({"phone"}), record_phone, reads=frozenset({"room"})),
    Fragment("me", frozenset({"phone"}), me, per_viewer=True, reads=frozenset({"participants"}), touches=_who_changed),
)


def state_view(scene: Scene, viewer: Actor) -> dict:
    """The state API's answer: what this viewer may see, as plain JSON."""
    state = scene.state
    view = {
        "code": state.code,
        "seq": state.seq,
        "title": state.title,
        "charter": {
            "focus": state.charter.focus,
            "outcome": state.charter.outcome,
            "beneficiaries": state.charter.beneficiaries,
        },
        "confidentiality": state.confidentiality,
        "organisations": state.organisations,
        "locked": state.locked,
        "ended": state.ended,
        "counts": counts(scene),
        # The series: the exchange this one follows and the one that follows it.
        "previous": {"code": state.previous.code, "title": state.previous.title} if state.previous else None,
        "next": {"code": state.next.code, "title": state.next.title} if state.next else None,
    }
    if viewer.role in (Role.FACILITATOR, Role.SCRIBE):
        view["participants"] = [
            {
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "job_title": p.job_title,
                "online": p.id in scene.connected,
            }
            for p in state.present()
        ]
    if viewer.role is Role.PARTICIPANT:
        view["me"] = me(scene, viewer)
    return view
