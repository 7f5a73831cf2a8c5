"""What each surface shows of the floor: computed here, printed by templates.

Totals here are sums of ended turns. A turn in progress carries its start
time, and static/voice.js adds the seconds since then in the browser, so the
bars and budgets move while someone speaks without any traffic.
"""

from typing import NamedTuple

from facilitator.rooms.changes import EVERYONE, Viewers, participants
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene, duration, people_choices
from facilitator.timers.floor import accounting as acc
from facilitator.timers.floor.model import FACILITATOR, Floor, floor_of
from facilitator.timers.model import agenda_of

# Who spoke is named from the roster; limits and the chair come from the agenda.
FLOOR = frozenset({"floor", "participants", "timers", "room"})


def speaker_name(scene: Scene, speaker: str) -> tuple[str, str]:
    """Name and organisation of whoever holds or held the floor."""
    if speaker == FACILITATOR:
        return "The facilitator", ""
    person = scene.state.participants.get(speaker)
    return (person.name, person.organisation) if person else ("Someone", "")


def _thresholds(scene: Scene) -> dict:
    settings = agenda_of(scene.state).settings
    return {"amber_ms": settings.amber_seconds * 1000, "red_ms": settings.red_seconds * 1000}


def speaker(scene: Scene) -> dict | None:
    """The turn in progress: who, since when, and the deadline of its limit if there is one."""
    floor = floor_of(scene.state)
    if floor.current is None:
        return None
    name, organisation = speaker_name(scene, floor.current.speaker)
    limit = floor.settings.turn_limit_seconds * 1000
    return {
        "id": floor.current.speaker,
        "name": name,
        "organisation": organisation,
        "since": floor.current.started_at,
        "deadline": floor.current.started_at + limit if limit else None,
        **_thresholds(scene),
    }


def queue(scene: Scene) -> list[dict]:
    floor = floor_of(scene.state)
    people, organisations = acc.by_person(floor), acc.by_organisation(floor)
    rows = []
    for position, hand in enumerate(acc.ordered_queue(scene.state, floor), start=1):
        person = scene.state.participants[hand.participant_id]
        rows.append(
            {
                "position": position,
                "id": person.id,
                "name": person.name,
                "organisation": person.organisation,
                "clarify": hand.kind == "clarify",
                "person_time": duration(people.get(person.id, 0)),
                "organisation_time": duration(organisations.get(person.organisation, 0)),
            }
        )
    return rows


def chair(scene: Scene) -> str:
    """The moderator organisation of the current item, rotating item by item when asked to."""
    agenda, floor = agenda_of(scene.state), floor_of(scene.state)
    if not floor.settings.rotate_chair or agenda.clock is None:
        return ""
    organisations = scene.state.organisations or sorted(
        {p.organisation for p in scene.state.present()}, key=str.casefold
    )
    if not organisations:
        return ""
    started = sorted(
        (item for item in agenda.items.values() if item.started_at is not None), key=lambda item: item.started_at or 0
    )
    position = next(i for i, item in enumerate(started) if item.id == agenda.clock.item_id)
    return organisations[position % len(organisations)]


def voice(scene: Scene) -> dict:
    """Share of voice per organisation against the equal share, and the balance figure."""
    floor = floor_of(scene.state)
    spoken = acc.by_organisation(floor)
    names = acc.organisations_in_room(scene.state, floor)
    current = floor.current
    live = current.organisation if current and current.speaker != FACILITATOR else None
    finished = acc.by_organisation(Floor(turns=floor.turns))
    times = [spoken.get(name, 0) for name in names]
    total = sum(times)
    equal = total / len(names) if names else 0
    factor = floor.settings.dominance_factor
    bars = [
        {
            "name": name,
            "base": finished.get(name, 0),
            "since": current.started_at if current and name == live else None,
            "time": duration(spoken.get(name, 0)),
            "share": round(100 * spoken.get(name, 0) / total) if total else 0,
            "dominant": len(names) > 1 and total > 0 and spoken.get(name, 0) > factor * equal,
        }
        for name in names
    ]
    figure = acc.balance(times)
    facilitator = acc.by_person(floor).get(FACILITATOR, 0)
    chaired = chair(scene)
    return {
        "bars": bars,
        "factor": factor,
        "balance": "—" if figure is None else f"{figure:.2f}",
        "silent": total == 0 and live is None and not chaired,
        "facilitator_time": duration(facilitator) if facilitator else "",
        "chair": chaired,
    }


class VoiceRow(NamedTuple):
    """One person's speaking time (templates/rows/voice-person.html)."""

    name: str
    organisation: str
    base: int  # ms of ended turns
    since: int | None  # the start of their turn in progress


def voice_people(scene: Scene) -> dict:
    floor = floor_of(scene.state)
    finished = acc.by_person(Floor(turns=floor.turns))
    current = floor.current
    live = current.speaker if current else None
    speakers = {p.id: (p.name, p.organisation) for p in scene.state.present()}
    for turn in acc.all_turns(floor):
        speakers.setdefault(turn.speaker, speaker_name(scene, turn.speaker))
    people = [
        VoiceRow(name, organisation, finished.get(pid, 0), current.started_at if current and pid == live else None)
        for pid, (name, organisation) in speakers.items()
    ]
    people.sort(key=lambda row: (-row.base, row.name.casefold()))
    return {"people": people}


def floor_console(scene: Scene) -> dict:
    floor = floor_of(scene.state)
    return {
        "speaker": speaker(scene),
        "queue": queue(scene),
        "roster": people_choices(scene),
        "ended": scene.state.ended,
        "settings": floor.settings,
    }


def budget(scene: Scene) -> dict:
    floor = floor_of(scene.state)
    if floor.budget is None:
        return {"active": False, "ended": scene.state.ended}
    current = floor.current
    live = current.organisation if current and current.speaker != FACILITATOR else None
    rows = []
    for name in floor.budget.organisations:
        left = acc.budget_left(floor, name)  # ended turns only; a live turn counts down in the browser
        counting_from = max(current.started_at, floor.budget.started_at) if current and name == live else None
        rows.append(
            {
                "name": name,
                "left": left,
                "shown": duration(left) if left >= 0 else duration(-left, signed=True),
                "deadline": counting_from + left if counting_from is not None else None,
                "extra": duration(floor.budget.extra_ms.get(name, 0), signed=True),
            }
        )
    return {
        "active": True,
        "rows": rows,
        "each": duration(floor.budget.per_organisation_ms),
        "ended": scene.state.ended,
        **_thresholds(scene),
    }


def my_floor(scene: Scene, viewer: Actor) -> dict:
    floor = floor_of(scene.state)
    me = viewer.participant_id
    positions = scene.once(
        "floor.positions",
        lambda: {
            hand.participant_id: place for place, hand in enumerate(acc.ordered_queue(scene.state, floor), start=1)
        },
    )
    hand = floor.hands.get(me or "")
    current = scene.once("floor.speaker", lambda: speaker(scene))
    return {
        "speaking": current if current and current["id"] == me else None,
        "raised": hand is not None,
        "clarify": hand is not None and hand.kind == "clarify",
        "position": positions.get(me or ""),
        "ended": scene.state.ended,
    }


def _in_line(state: RoomState, event: Event) -> Viewers:
    """Whom a change of the floor concerns: who is in the queue (their places may move), who
    holds or just held the floor, and whoever the event names."""
    if event.type not in ("hand.raised", "hand.lowered", "turn.started", "turn.ended") and not event.type.startswith(
        "participant."
    ):  # someone removed leaves the queue
        return EVERYONE
    floor = floor_of(state)
    previous = floor.turns[-1].speaker if event.type == "turn.ended" and floor.turns else None
    current = floor.current.speaker if floor.current else None
    return participants(*floor.hands, event.data.get("participant_id"), previous, current)


def api_view(scene: Scene, viewer: Actor) -> dict:
    """Totals per person, organisation and agenda item, ready for the record."""
    floor = floor_of(scene.state)
    view = {
        "speaker": speaker(scene),
        "queue": [{"participant_id": row["id"], "clarify": row["clarify"]} for row in queue(scene)],
        "by_organisation": acc.by_organisation(Floor(turns=floor.turns)),
        "by_item": acc.by_item(Floor(turns=floor.turns)),
        "balance": acc.balance(
            [
                acc.by_organisation(Floor(turns=floor.turns)).get(name, 0)
                for name in acc.organisations_in_room(scene.state, floor)
            ]
        ),
    }
    if viewer.role in (Role.FACILITATOR, Role.SCRIBE):
        view["by_person"] = acc.by_person(Floor(turns=floor.turns))
        view["turns"] = [
            {
                "speaker": t.speaker,
                "organisation": t.organisation,
                "item_id": t.item_id,
                "started_at": t.started_at,
                "ended_at": t.ended_at,
            }
            for t in floor.turns
        ]
    return view


FRAGMENTS = (
    Fragment("floor-console", frozenset({"console"}), floor_console, reads=FLOOR),
    Fragment("voice-bars", frozenset({"console"}), voice, reads=FLOOR),
    Fragment("voice-people", frozenset({"console"}), voice_people, reads=FLOOR),
    Fragment("budget", frozenset({"console"}), budget, reads=FLOOR),
    Fragment(
        "my-floor",
        frozenset({"phone"}),
        my_floor,
        per_viewer=True,
        reads=frozenset({"floor", "participants", "room"}),
        touches=_in_line,
    ),
)
