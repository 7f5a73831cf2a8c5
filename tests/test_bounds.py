"""Every number, list and duration a client sends has a realistic bound, and a value past it
is refused with a sentence before any rule runs: nothing absurd reaches the log.

Pure: commands are parsed and decided with the time passed in.
"""

import math

import pytest

from facilitator.features import RULES
from facilitator.rooms.model import CommandError
from facilitator.timers.commands import LATEST_MS
from facilitator.timers.rules.decide import DAY_MS, SCHEDULE_AHEAD_DAYS
from tests.pure import FACILITATOR, T0, refusal, room_with, run

HUGE = 10**15  # epoch milliseconds in the year 33658
BREAK = {"type": "agenda.add", "kind": "break", "title": "Coffee"}
SPEC = {"kind": "break", "title": "Coffee", "minutes": 10}

OUT_OF_RANGE = [
    # timers
    ({"type": "timer.schedule", "at_ms": HUGE}, f"at_ms: at most {LATEST_MS}, please."),
    ({"type": "timer.schedule", "at_ms": -1}, "at_ms: at least 0, please."),
    (
        {"type": "timer.schedule", "at": "10:00", "utc_offset_minutes": 10**6},
        "utc_offset_minutes: at most 840, please.",
    ),
    ({**BREAK, "minutes": 601}, "minutes: at most 600, please."),
    ({**BREAK, "minutes": -1}, "minutes: at least 0, please."),
    ({**BREAK, "minutes": math.nan}, "minutes: a finite number, please."),
    ({**BREAK, "minutes": math.inf}, "minutes: a finite number, please."),
    (
        {"type": "agenda.add", "kind": "case", "organisation": "St Mary's", "presentation_minutes": 1e308},
        "presentation_minutes: at most 600, please.",
    ),
    (
        {"type": "agenda.add", "kind": "case", "organisation": "St Mary's", "qa_minutes": -math.inf},
        "qa_minutes: a finite number, please.",
    ),
    ({**BREAK, "minutes": 5, "position": 10**9}, "position: at most 1000, please."),
    ({"type": "agenda.update", "item_id": "a", "qa_minutes": math.nan}, "qa_minutes: a finite number, please."),
    ({"type": "agenda.update", "item_id": "a", "minutes": 10**6}, "minutes: at most 600, please."),
    ({"type": "agenda.move", "item_id": "a", "position": -1}, "position: at least 0, please."),
    ({"type": "agenda.move", "item_id": "a", "position": 2**63}, "position: at most 1000, please."),
    ({"type": "agenda.import", "items": [{**SPEC, "minutes": math.inf}]}, "items.0.minutes: a finite number, please."),
    ({"type": "agenda.import", "items": [SPEC] * 61}, "items: at most 60 items, please (this has 61)."),
    ({"type": "timer.start", "phase": 99}, "phase: at most 5, please."),
    ({"type": "timer.adjust", "seconds": 10**9}, "seconds: at most 3600, please."),
    ({"type": "timer.adjust", "seconds": -(10**9)}, "seconds: at least -3600, please."),
    ({"type": "timer.configure", "amber_seconds": 10**9}, "amber_seconds: at most 3600, please."),
    ({"type": "timer.configure", "red_seconds": -1}, "red_seconds: at least 0, please."),
    ({"type": "timer.expire", "run": 2**63, "deadline": T0}, "run: at most 2147483647, please."),
    ({"type": "timer.expire", "run": 1, "deadline": HUGE}, f"deadline: at most {LATEST_MS}, please."),
    ({"type": "timer.begin", "item_id": "a", "at": HUGE}, f"at: at most {LATEST_MS}, please."),
    # the floor
    ({"type": "floor.configure", "turn_limit_seconds": 10**6}, "turn_limit_seconds: at most 3600, please."),
    ({"type": "floor.configure", "dominance_factor": 0.5}, "dominance_factor: at least 1, please."),
    ({"type": "floor.configure", "dominance_factor": math.nan}, "dominance_factor: a finite number, please."),
    ({"type": "budget.start", "minutes": 0}, "minutes: more than 0, please."),
    ({"type": "budget.start", "minutes": math.inf}, "minutes: a finite number, please."),
    ({"type": "budget.add", "organisation": "St Mary's", "minutes": -61}, "minutes: at least -60, please."),
    ({"type": "budget.add", "organisation": "St Mary's", "minutes": math.nan}, "minutes: a finite number, please."),
    # polls
    (
        {"type": "poll.create", "kind": "multiple", "question": "Q?", "max_choices": 13},
        "max_choices: at most 12, please.",
    ),
    ({"type": "poll.update", "poll_id": "p", "max_choices": -1}, "max_choices: at least 0, please."),
    (
        {"type": "poll.create", "kind": "single", "question": "Q?", "options": [f"o{i}" for i in range(13)]},
        "options: at most 12 items, please (this has 13).",
    ),
    ({"type": "poll.answer", "poll_id": "p", "choice": 10**18}, "choice: at most 100, please."),
    ({"type": "poll.answer", "poll_id": "p", "value": -(10**6)}, "value: at least -100, please."),
    ({"type": "poll.answer", "poll_id": "p", "choices": [0, 10**9]}, "choices.1: at most 100, please."),
    (
        {"type": "poll.answer", "poll_id": "p", "choices": list(range(13))},
        "choices: at most 12 items, please (this has 13).",
    ),
    ({"type": "poll.answer", "poll_id": "p", "order": [2**40]}, "order.0: at most 100, please."),
    ({"type": "poll.answer", "poll_id": "p", "impact": [1, 10**6], "effort": [1, 1]}, "impact.1: at most 100, please."),
    ({"type": "poll.answer", "poll_id": "p", "impact": [1], "effort": [-(10**6)]}, "effort.0: at least -100, please."),
    (
        {"type": "poll.answer", "poll_id": "p", "words": ["a", "b", "c", "d"]},
        "words: at most 3 items, please (this has 4).",
    ),
    # the room and the scribe
    (
        {"type": "room.update", "organisations": [f"Org {i}" for i in range(13)]},
        "organisations: at most 12 items, please (this has 13).",
    ),
    (
        {"type": "note.post", "text": "A note", "tags": [f"t{i}" for i in range(13)]},
        "tags: at most 12 items, please (this has 13).",
    ),
]


@pytest.mark.parametrize(
    ("raw", "sentence"), OUT_OF_RANGE, ids=[f"{raw['type']}-{i}" for i, (raw, _) in enumerate(OUT_OF_RANGE)]
)
def test_a_value_out_of_range_is_refused_with_a_sentence(raw, sentence):
    with pytest.raises(CommandError) as refused:
        RULES.parse(raw)
    assert (refused.value.status, refused.value.message) == (400, sentence)


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "timer.schedule", "at_ms": LATEST_MS},
        {**BREAK, "minutes": 600, "position": 1000},
        {"type": "timer.expire", "run": 2**31 - 1, "deadline": LATEST_MS},
        {"type": "floor.configure", "dominance_factor": 10, "turn_limit_seconds": 3600},
        {"type": "budget.add", "organisation": "St Mary's", "minutes": -60},
        {"type": "poll.answer", "poll_id": "p", "choices": [0, 100], "value": -100},
    ],
)
def test_the_bounds_themselves_are_accepted(raw):
    assert RULES.parse(raw).type == raw["type"]


# -- a scheduled start --------------------------------------------------------


def test_a_start_more_than_a_week_ahead_is_refused_with_a_sentence():
    state = room_with(agenda=[SPEC]).state
    for at_ms in (T0 + SCHEDULE_AHEAD_DAYS * DAY_MS + 1, LATEST_MS):
        error = refusal(state, FACILITATOR, {"type": "timer.schedule", "at_ms": at_ms}, T0)
        assert (error.status, error.message) == (400, "A start can be scheduled at most 7 days ahead.")


def test_a_start_exactly_a_week_ahead_or_at_a_time_of_day_is_scheduled():
    state = room_with(agenda=[SPEC]).state
    week = T0 + SCHEDULE_AHEAD_DAYS * DAY_MS
    assert run(state, FACILITATOR, {"type": "timer.schedule", "at_ms": week}, T0)[0].data["at"] == week
    events = run(state, FACILITATOR, {"type": "timer.schedule", "at": "23:59", "utc_offset_minutes": 840}, T0 + 1)
    assert T0 < events[0].data["at"] <= T0 + DAY_MS
