"""Helpers for tests of the pure rules: decide and apply with the time passed in, and the room
most tests start from (`room_with`)."""

import copy
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest

from facilitator.features import RULES
from facilitator.rooms.model import Actor, CommandError, Context, Decision, Event, Role, RoomState

T0 = 1_700_000_000_000
SEC, MIN = 1000, 60_000
CODE = "ABCDEF"
KEY = "some-key"  # the pseudonym key the server derives from its secret
FACILITATOR = Actor(Role.FACILITATOR)
SCRIBE = Actor(Role.SCRIBE)
SCREEN = Actor(Role.SCREEN)
VISITOR = Actor(Role.VISITOR)
SYSTEM = Actor(Role.SYSTEM)
CREATE = {
    "type": "room.create",
    "title": "Reducing discharge delays",
    "confidentiality": "What is said here stays here.",
}
JOIN = {"type": "participant.join", "accept_confidentiality": True}
# When a scenario happens, unless a test says otherwise: the room is set up well before T0.
CREATED, JOINED, PLANNED = T0 - 10 * MIN, T0 - 9 * MIN, T0 - 5 * MIN


def context(state: RoomState, now: int) -> Context:
    # Deterministic, and fresh for every step of one room: ids drawn from it never collide.
    return Context(now, hashlib.sha256(f"nonce-{state.seq}-{now}".encode()).digest())


def decide(state: RoomState, actor: Actor, raw: dict, now: int | Context) -> Decision:
    """RULES.decide on a parsed command, checking that decide leaves the state untouched. `now` is
    the time, or a whole Context where the test chooses the nonce or the capacity."""
    before = copy.deepcopy(state)
    try:
        return RULES.decide(state, actor, RULES.parse(raw), now if isinstance(now, Context) else context(state, now))
    finally:
        assert state == before, "decide mutated the state"


def run(state: RoomState, actor: Actor, raw: dict, now: int | Context, key: str | None = None) -> list[Event]:
    """Decide, apply the drafts as events at `now` with consecutive seqs, return the events."""
    decision = decide(state, actor, raw, now)
    at = now.now_ms if isinstance(now, Context) else now
    events = [
        Event(room=state.code, seq=state.seq + i, type=d.type, data=d.data, at=at, command_key=key)
        for i, d in enumerate(decision.events, start=1)
    ]
    for event in events:
        RULES.apply(state, event)
    return events


def refusal(state: RoomState, actor: Actor, raw: dict, now: int | Context = T0) -> CommandError:
    before = copy.deepcopy(state)
    with pytest.raises(CommandError) as caught:
        decide(state, actor, raw, now)
    assert state == before
    return caught.value


def types(events: list[Event]) -> list[str]:
    return [event.type for event in events]


def person(pid: str) -> Actor:
    return Actor(Role.PARTICIPANT, pid, KEY)


def join(state: RoomState, name: str = "Ana", organisation: str = "St Mary's", now: int = JOINED, **fields) -> str:
    """Someone joins from a phone; their participant id."""
    events = run(state, VISITOR, {**JOIN, "name": name, "organisation": organisation, **fields}, now)
    return events[0].data["participant_id"]


@dataclass
class Room:
    """A room as a scenario starts it. Unpacks as (state, participant ids in joining order)."""

    state: RoomState
    links: dict[str, str] = field(default_factory=dict)  # each staff link's secret, as room.create replied
    people: dict[str, str] = field(default_factory=dict)  # participant id by name
    items: list[str] = field(default_factory=list)  # agenda item ids, in the order given
    log: list[Event] = field(default_factory=list)  # every event so far, for tests that fold it again

    def __iter__(self) -> Iterator:
        return iter((self.state, tuple(self.people.values())))

    def do(self, actor: Actor, raw: dict, now: int | Context, key: str | None = None) -> list[Event]:
        """Decide and apply, as the hub would; the events, which the room's log keeps."""
        events = run(self.state, actor, raw, now, key)
        self.log.extend(events)
        return events


def room_with(people: Iterable[tuple[str, str]] = (), agenda: Iterable[dict] = (), **room) -> Room:
    """A created room (with `room`'s fields), then `people` — (name, organisation) pairs — joined,
    then `agenda` — agenda.add specs — added by the facilitator."""
    scenario = Room(RULES.new_state(CODE))
    create = {**CREATE, **room}
    scenario.links = decide(scenario.state, VISITOR, create, CREATED).reply["links"]
    scenario.do(VISITOR, create, CREATED)
    for name, organisation in people:
        assert name not in scenario.people, f"two people called {name}"
        joined = scenario.do(VISITOR, {**JOIN, "name": name, "organisation": organisation}, JOINED)
        scenario.people[name] = joined[0].data["participant_id"]
    for spec in agenda:
        scenario.items.append(scenario.do(FACILITATOR, {"type": "agenda.add", **spec}, PLANNED)[0].data["item"]["id"])
    return scenario
