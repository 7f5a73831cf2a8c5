"""Helpers for tests of the pure rules: decide and apply with the time passed in."""

import copy
import hashlib

import pytest

from facilitator.features import RULES
from facilitator.rooms.model import Actor, CommandError, Context, Event, RoomState

T0 = 1_700_000_000_000
SEC, MIN = 1000, 60_000


def context(state: RoomState, now: int) -> Context:
    # Deterministic, and fresh for every step of one room: ids drawn from it never collide.
    return Context(now, hashlib.sha256(f"nonce-{state.seq}-{now}".encode()).digest())


def decide(state: RoomState, actor: Actor, raw: dict, now: int):
    """RULES.decide on a parsed command, checking that decide leaves the state untouched."""
    before = copy.deepcopy(state)
    try:
        return RULES.decide(state, actor, RULES.parse(raw), context(state, now))
    finally:
        assert state == before, "decide mutated the state"


def run(state: RoomState, actor: Actor, raw: dict, now: int) -> list[Event]:
    """Decide, apply the drafts as events at `now` with consecutive seqs, return the events."""
    decision = decide(state, actor, raw, now)
    events = [Event(room=state.code, seq=state.seq + i, type=d.type, data=d.data, at=now)
              for i, d in enumerate(decision.events, start=1)]
    for event in events:
        RULES.apply(state, event)
    return events


def refusal(state: RoomState, actor: Actor, raw: dict, now: int = T0) -> CommandError:
    before = copy.deepcopy(state)
    with pytest.raises(CommandError) as caught:
        decide(state, actor, raw, now)
    assert state == before
    return caught.value


def types(events: list[Event]) -> list[str]:
    return [event.type for event in events]
