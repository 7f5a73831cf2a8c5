"""Pure tests of the agenda and its clock: decide and apply with the time passed in, no I/O."""

import copy
from datetime import UTC, datetime

import pytest

from facilitator.features import RULES
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene, duration
from facilitator.timers import feature as timers_feature
from facilitator.timers import views
from facilitator.timers.model import Agenda, Item, agenda_of
from facilitator.timers.rules.decide import EARLY_FIRE_TOLERANCE_MS, next_time_of_day
from tests.pure import CODE, FACILITATOR, MIN, SCREEN, SEC, SYSTEM, T0, context, join, refusal, room_with, run, types

CASE = {"type": "agenda.add", "kind": "case", "organisation": "St Mary's"}


# -- helpers ---------------------------------------------------------------


def add(state: RoomState, raw: dict | None = None, now: int = T0 - 5 * MIN, **fields) -> Item:
    events = run(state, FACILITATOR, {**(raw or CASE), **fields}, now)
    return agenda_of(state).items[events[0].data["item"]["id"]]


def room_with_items(*specs: dict) -> tuple[RoomState, list[Item]]:
    room = room_with(agenda=specs)
    return room.state, [agenda_of(room.state).items[item_id] for item_id in room.items]


def two_cases() -> tuple[RoomState, Item, Item]:
    state, (a, b) = room_with_items(CASE, {**CASE, "organisation": "Northfield"})
    return state, a, b


def agenda(state: RoomState) -> Agenda:
    return agenda_of(state)


def configure(state: RoomState, now: int = T0 - MIN, **settings) -> None:
    run(state, FACILITATOR, {"type": "timer.configure", **settings}, now)


def expire_command(state: RoomState) -> dict:
    clock = agenda(state).clock
    return {
        "type": "timer.expire",
        "run": clock.run,
        "deadline": clock.deadline,
        "id": f"expire-{clock.run}-{clock.deadline}",
    }


def phase_names(item: Item) -> list[tuple[str, int]]:
    return [(phase.name, phase.planned_ms) for phase in item.phases]


# -- agenda ----------------------------------------------------------------


def test_a_case_defaults_to_fifteen_minutes_of_presentation_and_five_of_questions():
    state = room_with().state
    item = add(state)
    assert item.kind == "case" and item.title == "St Mary's" and item.organisation == "St Mary's"
    assert phase_names(item) == [("Presentation", 15 * MIN), ("Questions", 5 * MIN)]
    assert item.planned_ms == 20 * MIN
    assert item.started_at is None and item.runs == [] and not item.done


def test_a_case_with_a_title_and_its_own_durations_keeps_them():
    state = room_with().state
    item = add(state, title="Discharge lounge", presentation_minutes=7.5, qa_minutes=2)
    assert item.title == "Discharge lounge"
    assert phase_names(item) == [("Presentation", 450_000), ("Questions", 2 * MIN)]


def test_a_case_without_questions_has_one_phase():
    state = room_with().state
    item = add(state, qa_minutes=0, presentation_minutes=10)
    assert phase_names(item) == [("Presentation", 10 * MIN)]


@pytest.mark.parametrize(
    "kind, name",
    [
        ("breakout", "Breakout"),
        ("walkthrough", "Walk-through"),
        ("discussion", "Discussion"),
        ("poll", "Poll"),
        ("break", "Break"),
    ],
)
def test_other_kinds_have_one_phase_named_after_the_kind(kind, name):
    state = room_with().state
    item = add(state, {"type": "agenda.add", "kind": kind, "title": "Slot", "minutes": 12})
    assert phase_names(item) == [(name, 12 * MIN)]


@pytest.mark.parametrize("kind", ["breakout", "walkthrough", "discussion", "poll", "break"])
def test_other_kinds_need_minutes(kind):
    state = room_with().state
    error = refusal(state, FACILITATOR, {"type": "agenda.add", "kind": kind, "title": "Slot"})
    assert error.status == 400 and "minutes" in error.message


def test_an_item_needs_a_title_unless_it_is_a_case_with_an_organisation():
    state = room_with().state
    assert "title" in refusal(state, FACILITATOR, {"type": "agenda.add", "kind": "break", "minutes": 5}).message
    assert "title" in refusal(state, FACILITATOR, {"type": "agenda.add", "kind": "case"}).message


def test_add_inserts_at_a_position_and_appends_without_one():
    state = room_with().state
    a = add(state, title="A")
    b = add(state, title="B")
    c = add(state, title="C", position=1)
    d = add(state, title="D", position=0)
    e = add(state, title="E", position=99)
    assert agenda(state).order == [d.id, a.id, c.id, b.id, e.id]
    assert [item.title for item in agenda(state).ordered()] == ["D", "A", "C", "B", "E"]


def test_update_changes_the_plan_and_keeps_the_notebook_of_an_item_that_ran():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 18 * MIN)
    ran = agenda(state).items[a.id]
    record = (ran.started_at, ran.ended_at, copy.deepcopy(ran.runs))

    run(
        state,
        FACILITATOR,
        {"type": "agenda.update", "item_id": a.id, "title": "Renamed", "qa_minutes": 10},
        T0 + 19 * MIN,
    )
    updated = agenda(state).items[a.id]
    assert updated.title == "Renamed"
    assert phase_names(updated) == [("Presentation", 15 * MIN), ("Questions", 10 * MIN)]
    assert (updated.started_at, updated.ended_at, updated.runs) == record
    assert updated.done and updated.organisation == "St Mary's"


def test_update_with_nothing_to_change_or_of_an_unknown_item_is_refused():
    state, a, _ = two_cases()
    assert refusal(state, FACILITATOR, {"type": "agenda.update", "item_id": a.id}).status == 400
    assert refusal(state, FACILITATOR, {"type": "agenda.update", "item_id": "nope", "title": "X"}).status == 404


def test_update_that_would_drop_the_phase_now_running_is_refused():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 15 * MIN)
    assert agenda(state).clock.phase == 1
    error = refusal(state, FACILITATOR, {"type": "agenda.update", "item_id": a.id, "qa_minutes": 0})
    assert error.status == 409
    # Changing the length of the running phase is fine; the clock keeps its own plan.
    run(state, FACILITATOR, {"type": "agenda.update", "item_id": a.id, "qa_minutes": 8}, T0 + 16 * MIN)
    assert agenda(state).clock.planned_ms == 5 * MIN
    views.clock(Scene(state, frozenset()))  # still renders


def test_remove_deletes_a_planned_item():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "agenda.remove", "item_id": b.id}, T0)
    assert agenda(state).order == [a.id] and b.id not in agenda(state).items


def test_remove_is_refused_for_the_current_item_and_for_one_that_already_ran():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    error = refusal(state, FACILITATOR, {"type": "agenda.remove", "item_id": a.id})
    assert error.status == 409 and "Finish the current item" in error.message
    run(state, FACILITATOR, {"type": "timer.start"}, T0 + 20 * MIN)  # finishes a, starts b
    assert agenda(state).items[a.id].done
    error = refusal(state, FACILITATOR, {"type": "agenda.remove", "item_id": a.id})
    assert error.status == 409 and "already run" in error.message
    assert refusal(state, FACILITATOR, {"type": "agenda.remove", "item_id": "nope"}).status == 404


def test_move_reorders_and_refuses_a_move_to_where_the_item_is():
    state, (a, b, c) = room_with_items({**CASE, "title": "A"}, {**CASE, "title": "B"}, {**CASE, "title": "C"})
    run(state, FACILITATOR, {"type": "agenda.move", "item_id": c.id, "position": 0}, T0)
    assert agenda(state).order == [c.id, a.id, b.id]
    run(state, FACILITATOR, {"type": "agenda.move", "item_id": c.id, "position": 50}, T0 + 1)
    assert agenda(state).order == [a.id, b.id, c.id]
    error = refusal(state, FACILITATOR, {"type": "agenda.move", "item_id": c.id, "position": 2})
    assert error.status == 409


def test_import_appends_items_in_order():
    state, a, _ = two_cases()
    run(
        state,
        FACILITATOR,
        {
            "type": "agenda.import",
            "items": [
                {"kind": "case", "organisation": "Eastgate", "qa_minutes": 0},
                {"kind": "break", "title": "Coffee", "minutes": 15},
            ],
        },
        T0,
    )
    ordered = agenda(state).ordered()
    assert [item.title for item in ordered] == ["St Mary's", "Northfield", "Eastgate", "Coffee"]
    assert phase_names(ordered[2]) == [("Presentation", 15 * MIN)]
    assert phase_names(ordered[3]) == [("Break", 15 * MIN)]
    assert len(set(agenda(state).order)) == 4


def test_import_replace_keeps_items_that_ran_and_the_current_one():
    state, (a, b, c, d) = room_with_items(*({**CASE, "title": t} for t in "ABCD"))
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.start"}, T0 + 20 * MIN)  # a done, b current
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": d.id, "at_ms": T0 + 2 * 3600_000}, T0 + 21 * MIN)
    run(
        state,
        FACILITATOR,
        {"type": "agenda.import", "replace": True, "items": [{"kind": "discussion", "title": "E", "minutes": 10}]},
        T0 + 22 * MIN,
    )
    assert [item.title for item in agenda(state).ordered()] == ["A", "B", "E"]
    assert c.id not in agenda(state).items and d.id not in agenda(state).items
    assert agenda(state).clock.item_id == b.id
    assert agenda(state).scheduled_item is None and agenda(state).scheduled_at is None


def test_presenter_id_must_be_a_present_participant():
    state, (ana, ben) = room_with(people=[("Ana", "St Mary's"), ("Ben", "St Mary's")])
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ben}, T0 - 8 * MIN)

    item = add(state, presenter="Ana", presenter_id=ana)
    assert item.presenter_id == ana and item.presenter == "Ana"
    for presenter_id in ("nobody", ben):
        error = refusal(state, FACILITATOR, {**CASE, "presenter_id": presenter_id})
        assert error.status == 400 and "presenter" in error.message
        error = refusal(state, FACILITATOR, {"type": "agenda.update", "item_id": item.id, "presenter_id": presenter_id})
        assert "presenter" in error.message
        error = refusal(
            state,
            FACILITATOR,
            {"type": "agenda.import", "items": [{"kind": "case", "organisation": "X", "presenter_id": presenter_id}]},
        )
        assert "presenter" in error.message


# -- the clock -------------------------------------------------------------


def test_start_runs_the_first_item_not_yet_run_with_its_phase_deadline():
    state, a, b = two_cases()
    events = run(state, FACILITATOR, {"type": "timer.start"}, T0)
    assert types(events) == ["timer.phase_started"]
    clock = agenda(state).clock
    assert (clock.item_id, clock.phase, clock.run) == (a.id, 0, 1)
    assert clock.deadline == T0 + 15 * MIN and clock.planned_ms == 15 * MIN
    assert clock.running and not clock.expired and clock.left(T0 + 1234) == 15 * MIN - 1234
    assert agenda(state).current().id == a.id and agenda(state).items[a.id].started_at == T0


def test_start_with_an_item_leaves_the_current_one_and_starts_that_item():
    state, (a, b, c) = room_with_items(*({**CASE, "title": t} for t in "ABC"))
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    events = run(state, FACILITATOR, {"type": "timer.start", "item_id": c.id}, T0 + 3 * MIN)
    assert types(events) == ["timer.item_finished", "timer.phase_started"]
    assert agenda(state).items[a.id].ended_at == T0 + 3 * MIN
    assert agenda(state).clock.item_id == c.id and agenda(state).clock.run == 2
    # Starting with no item goes on after the current one, then back to what was skipped.
    run(state, FACILITATOR, {"type": "timer.start"}, T0 + 4 * MIN)
    assert agenda(state).clock.item_id == b.id


def test_start_at_a_later_phase():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start", "item_id": a.id, "phase": 1}, T0)
    clock = agenda(state).clock
    assert clock.phase == 1 and clock.deadline == T0 + 5 * MIN
    assert "no phase 3" in refusal(state, FACILITATOR, {"type": "timer.start", "phase": 2}).message


def test_start_is_refused_for_an_item_that_already_ran_or_is_running():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    error = refusal(state, FACILITATOR, {"type": "timer.start", "item_id": a.id})
    assert error.status == 409 and "already running" in error.message
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + MIN)
    error = refusal(state, FACILITATOR, {"type": "timer.start", "item_id": a.id})
    assert error.status == 409 and error.message == "St Mary's has already run."


def test_start_on_an_empty_or_finished_agenda_is_refused():
    state = room_with().state
    assert refusal(state, FACILITATOR, {"type": "timer.start"}).message == "The agenda is empty."
    add(state)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + MIN)
    error = refusal(state, FACILITATOR, {"type": "timer.start"})
    assert error.status == 409 and error.message == "Every item on the agenda has run."


def test_pause_keeps_the_remaining_time_exact_to_the_millisecond():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    events = run(state, FACILITATOR, {"type": "timer.pause"}, T0 + 123_457)
    assert events[0].data["remaining"] == 15 * MIN - 123_457
    clock = agenda(state).clock
    assert not clock.running and clock.deadline is None
    assert clock.remaining == 776_543 and clock.paused_at == T0 + 123_457
    assert clock.left(T0 + 10 * MIN) == 776_543  # time stands still while paused


def test_resume_sets_the_deadline_from_the_exact_remaining_time():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + 123_457)
    run(state, FACILITATOR, {"type": "timer.resume"}, T0 + 500_001)
    clock = agenda(state).clock
    assert clock.running and clock.deadline == T0 + 500_001 + 776_543
    assert clock.remaining is None and clock.paused_at is None
    assert agenda(state).items[a.id].runs[-1].paused_ms == 500_001 - 123_457


def test_pausing_twice_and_resuming_a_running_timer_are_refused():
    state, _, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    error = refusal(state, FACILITATOR, {"type": "timer.resume"})
    assert error.status == 409 and "already running" in error.message
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + SEC)
    error = refusal(state, FACILITATOR, {"type": "timer.pause"})
    assert error.status == 409 and "already paused" in error.message


def test_adding_a_minute_to_a_running_phase_moves_its_deadline_exactly():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": 60}, T0 + 7_777)
    clock = agenda(state).clock
    assert clock.deadline == T0 + 16 * MIN and clock.planned_ms == 16 * MIN
    assert agenda(state).items[a.id].runs[-1].extended_ms == MIN
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": -60}, T0 + 8_000)
    assert agenda(state).clock.deadline == T0 + 15 * MIN
    assert agenda(state).items[a.id].runs[-1].extended_ms == 0


def test_adding_a_minute_to_a_paused_phase_is_exact_and_survives_resume():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + 100_001)
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": 60}, T0 + 200_000)
    clock = agenda(state).clock
    assert not clock.running and clock.remaining == 15 * MIN - 100_001 + MIN
    run(state, FACILITATOR, {"type": "timer.resume"}, T0 + 300_000)
    assert agenda(state).clock.deadline == T0 + 300_000 + 15 * MIN - 100_001 + MIN


def test_taking_off_more_than_the_phase_is_planned_for_is_refused():
    state = room_with().state
    add(state, presentation_minutes=0.5)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    error = refusal(state, FACILITATOR, {"type": "timer.adjust", "seconds": -60})
    assert error.status == 400 and "shorter than nothing" in error.message
    assert refusal(state, FACILITATOR, {"type": "timer.adjust", "seconds": 0}).status == 400
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": -30}, T0 + SEC)  # down to nothing is allowed
    assert agenda(state).clock.planned_ms == 0


def test_taking_time_off_into_the_past_lets_the_phase_expire_at_once():
    state, a, _ = two_cases()
    configure(state, auto_advance_phase=False)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    now = T0 + 14 * MIN + 30 * SEC
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": -60}, now)
    clock = agenda(state).clock
    assert clock.deadline == T0 + 14 * MIN and clock.left(now) == -30 * SEC and not clock.expired
    [deadline] = timers_feature.deadlines(state)
    assert deadline.at_ms == T0 + 14 * MIN
    events = run(state, SYSTEM, deadline.command, now + 5)
    assert types(events) == ["timer.phase_ended"]
    assert agenda(state).clock.expired


def test_restart_gives_the_phase_a_new_run_and_a_fresh_deadline():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": 120}, T0 + MIN)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + 2 * MIN)
    events = run(state, FACILITATOR, {"type": "timer.restart"}, T0 + 3 * MIN)
    assert types(events) == ["timer.phase_started"]
    clock = agenda(state).clock
    assert (clock.phase, clock.run) == (0, 2)
    assert clock.running and clock.deadline == T0 + 3 * MIN + 15 * MIN and clock.planned_ms == 15 * MIN
    first, second = agenda(state).items[a.id].runs
    assert (first.name, first.started_at, first.ended_at) == ("Presentation", T0, T0 + 3 * MIN)
    assert first.extended_ms == 2 * MIN and first.paused_ms == MIN
    assert (second.name, second.started_at, second.ended_at, second.extended_ms) == (
        "Presentation",
        T0 + 3 * MIN,
        None,
        0,
    )
    # The old run's deadline no longer applies.
    error = refusal(state, SYSTEM, {"type": "timer.expire", "run": 1, "deadline": T0 + 17 * MIN}, T0 + 17 * MIN)
    assert error.status == 409


def test_next_goes_from_presentation_to_questions_then_to_the_next_item():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    events = run(state, FACILITATOR, {"type": "timer.next"}, T0 + 14 * MIN)
    assert types(events) == ["timer.phase_started"]
    clock = agenda(state).clock
    assert (clock.item_id, clock.phase, clock.run, clock.deadline) == (a.id, 1, 2, T0 + 19 * MIN)
    events = run(state, FACILITATOR, {"type": "timer.next"}, T0 + 18 * MIN)
    assert types(events) == ["timer.item_finished", "timer.phase_started"]
    assert agenda(state).items[a.id].ended_at == T0 + 18 * MIN
    clock = agenda(state).clock
    assert (clock.item_id, clock.phase, clock.run, clock.deadline) == (b.id, 0, 3, T0 + 33 * MIN)
    # After the last item, next only finishes it.
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 30 * MIN)
    events = run(state, FACILITATOR, {"type": "timer.next"}, T0 + 35 * MIN)
    assert types(events) == ["timer.item_finished"]
    assert agenda(state).clock is None and agenda(state).items[b.id].done


def test_finish_ends_the_item_and_leaves_the_clock_idle():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    events = run(state, FACILITATOR, {"type": "timer.finish", "item_id": a.id}, T0 + 12 * MIN)
    assert types(events) == ["timer.item_finished"]
    assert agenda(state).clock is None and agenda(state).current() is None
    item = agenda(state).items[a.id]
    assert item.ended_at == T0 + 12 * MIN and item.runs[-1].ended_at == T0 + 12 * MIN
    assert agenda(state).next_item().id == b.id


CLOCK_COMMANDS = [
    {"type": "timer.pause"},
    {"type": "timer.resume"},
    {"type": "timer.adjust", "seconds": 60},
    {"type": "timer.restart"},
    {"type": "timer.next"},
    {"type": "timer.finish"},
]


@pytest.mark.parametrize("raw", CLOCK_COMMANDS, ids=lambda raw: raw["type"])
def test_commands_naming_an_item_that_is_not_current_are_refused(raw):
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    error = refusal(state, FACILITATOR, {**raw, "item_id": b.id})
    assert error.status == 409 and error.message == "Northfield is not the current item."
    error = refusal(state, FACILITATOR, {**raw, "item_id": "gone"})
    assert error.status == 409 and error.message == "That item is not the current item."


@pytest.mark.parametrize("raw", CLOCK_COMMANDS, ids=lambda raw: raw["type"])
def test_commands_with_no_running_item_are_refused(raw):
    state, a, _ = two_cases()
    error = refusal(state, FACILITATOR, raw)
    assert error.status == 409 and error.message == "No item is running."
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + MIN)
    error = refusal(state, FACILITATOR, {**raw, "item_id": a.id})  # a finished item
    assert error.status == 409 and error.message == "No item is running."


# -- expiry ----------------------------------------------------------------


def test_expire_applies_only_to_the_current_run_and_deadline():
    state, _, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    deadline = T0 + 15 * MIN
    for raw in (
        {"type": "timer.expire", "run": 2, "deadline": deadline},
        {"type": "timer.expire", "run": 1, "deadline": deadline + 1},
    ):
        error = refusal(state, SYSTEM, raw, deadline + SEC)
        assert error.status == 409 and "no longer applies" in error.message
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + MIN)
    error = refusal(state, SYSTEM, {"type": "timer.expire", "run": 1, "deadline": deadline}, deadline)
    assert error.status == 409


def test_expire_is_refused_before_the_deadline_beyond_the_tolerance():
    state, _, _ = two_cases()
    configure(state, auto_advance_phase=False)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    raw = expire_command(state)
    deadline = raw["deadline"]
    error = refusal(state, SYSTEM, raw, deadline - EARLY_FIRE_TOLERANCE_MS - 1)
    assert error.status == 409 and "not passed yet" in error.message
    events = run(state, SYSTEM, raw, deadline - EARLY_FIRE_TOLERANCE_MS)
    assert types(events) == ["timer.phase_ended"]
    assert events[0].data == {"item_id": agenda(state).clock.item_id, "phase": 0, "run": 1, "deadline": deadline}


def test_expire_happens_exactly_once():
    state, _, _ = two_cases()
    configure(state, auto_advance_phase=False)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    raw = expire_command(state)
    run(state, SYSTEM, raw, raw["deadline"])
    snapshot = copy.deepcopy(state)
    error = refusal(state, SYSTEM, raw, raw["deadline"] + 10)
    assert error.status == 409
    assert state == snapshot


def test_with_auto_advance_phase_expiry_of_the_presentation_starts_the_questions():
    state, a, _ = two_cases()
    assert agenda(state).settings.auto_advance_phase  # the default
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    raw = expire_command(state)
    now = T0 + 15 * MIN + 20
    events = run(state, SYSTEM, raw, now)
    assert types(events) == ["timer.phase_ended", "timer.phase_started"]
    clock = agenda(state).clock
    assert (clock.item_id, clock.phase, clock.run, clock.deadline) == (a.id, 1, 2, now + 5 * MIN)
    assert not clock.expired
    assert refusal(state, SYSTEM, raw, now + 1).status == 409


def test_without_auto_advance_phase_the_clock_stays_expired_in_overtime():
    state, a, _ = two_cases()
    configure(state, auto_advance_phase=False)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    deadline = T0 + 15 * MIN
    run(state, SYSTEM, expire_command(state), deadline)
    clock = agenda(state).clock
    assert clock.expired and clock.running and clock.phase == 0 and clock.item_id == a.id
    assert clock.left(deadline + 72_000) == -72_000
    assert timers_feature.deadlines(state) == []
    # Pausing in overtime keeps the overtime exact; adding time back makes it end again later.
    run(state, FACILITATOR, {"type": "timer.pause"}, deadline + 30_000)
    assert agenda(state).clock.remaining == -30_000
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": 60}, deadline + 40_000)
    run(state, FACILITATOR, {"type": "timer.resume"}, deadline + 50_000)
    clock = agenda(state).clock
    assert not clock.expired and clock.deadline == deadline + 80_000
    assert [d.at_ms for d in timers_feature.deadlines(state)] == [deadline + 80_000]


def test_with_auto_advance_item_expiry_of_the_last_phase_starts_the_next_item():
    state, a, b = two_cases()
    configure(state, auto_advance_item=True)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, SYSTEM, expire_command(state), T0 + 15 * MIN)  # into Questions
    raw = expire_command(state)
    assert raw["deadline"] == T0 + 20 * MIN
    events = run(state, SYSTEM, raw, T0 + 20 * MIN + 3)
    assert types(events) == ["timer.phase_ended", "timer.item_finished", "timer.phase_started"]
    assert agenda(state).items[a.id].ended_at == T0 + 20 * MIN + 3
    clock = agenda(state).clock
    assert (clock.item_id, clock.phase, clock.deadline) == (b.id, 0, T0 + 35 * MIN + 3)
    # The last item's last phase has nothing to advance into: overtime.
    run(state, SYSTEM, expire_command(state), T0 + 35 * MIN + 3)
    events = run(state, SYSTEM, expire_command(state), T0 + 40 * MIN + 3)
    assert types(events) == ["timer.phase_ended"]
    assert agenda(state).clock.expired and not agenda(state).items[b.id].done


def test_without_auto_advance_item_the_last_phase_stays_in_overtime():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start", "phase": 1}, T0)
    events = run(state, SYSTEM, expire_command(state), T0 + 5 * MIN)
    assert types(events) == ["timer.phase_ended"]
    clock = agenda(state).clock
    assert clock.item_id == a.id and clock.expired and clock.left(T0 + 6 * MIN) == -MIN
    assert not agenda(state).items[a.id].done


def test_auto_advance_item_alone_does_not_skip_the_questions():
    state, a, _ = two_cases()
    configure(state, auto_advance_phase=False, auto_advance_item=True)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    events = run(state, SYSTEM, expire_command(state), T0 + 15 * MIN)
    assert types(events) == ["timer.phase_ended"]
    assert agenda(state).clock.phase == 0 and agenda(state).clock.expired


# -- scheduling ------------------------------------------------------------


def utc(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    "now, hh_mm, offset, expected",
    [
        (utc(2024, 3, 5, 9, 0), "10:00", 0, utc(2024, 3, 5, 10, 0)),  # later today
        (utc(2024, 3, 5, 9, 0), "08:00", 0, utc(2024, 3, 6, 8, 0)),  # passed: tomorrow
        (utc(2024, 3, 5, 9, 0), "09:00", 0, utc(2024, 3, 6, 9, 0)),  # now is not later
        (utc(2024, 3, 5, 9, 0), "10:30", 60, utc(2024, 3, 5, 9, 30)),  # UTC+1, local 10:00
        (utc(2024, 3, 5, 9, 0), "09:30", 60, utc(2024, 3, 6, 8, 30)),
        (utc(2024, 3, 5, 9, 0), "05:00", -300, utc(2024, 3, 5, 10, 0)),  # UTC-5, local 04:00
        (utc(2024, 3, 5, 9, 0), "03:00", -300, utc(2024, 3, 6, 8, 0)),
        (utc(2024, 3, 5, 23, 30), "00:45", 60, utc(2024, 3, 5, 23, 45)),  # local day already tomorrow
        (utc(2024, 3, 6, 1, 0), "21:00", -300, utc(2024, 3, 6, 2, 0)),  # local day still yesterday
        (utc(2024, 3, 5, 9, 0), "09:01", 0, utc(2024, 3, 5, 9, 1)),
    ],
)
def test_next_time_of_day_is_today_if_still_ahead_else_tomorrow(now, hh_mm, offset, expected):
    assert next_time_of_day(hh_mm, offset, now) == expected


def test_schedule_at_a_time_of_day_in_the_facilitators_zone():
    state, a, _ = two_cases()
    now = utc(2024, 3, 5, 9, 0)
    events = run(state, FACILITATOR, {"type": "timer.schedule", "at": "10:30", "utc_offset_minutes": 60}, now)
    assert events[0].data == {"item_id": a.id, "at": utc(2024, 3, 5, 9, 30)}
    assert (agenda(state).scheduled_item, agenda(state).scheduled_at) == (a.id, utc(2024, 3, 5, 9, 30))


def test_schedule_in_the_past_or_with_no_or_two_times_is_refused():
    state, a, _ = two_cases()
    for at_ms in (T0 - 1, T0):
        error = refusal(state, FACILITATOR, {"type": "timer.schedule", "at_ms": at_ms}, T0)
        assert error.status == 400 and "already passed" in error.message
    assert refusal(state, FACILITATOR, {"type": "timer.schedule"}).status == 400
    assert refusal(state, FACILITATOR, {"type": "timer.schedule", "at": "10:00", "at_ms": T0 + MIN}).status == 400
    assert refusal(state, FACILITATOR, {"type": "timer.schedule", "at": "24:00"}).status == 400


def test_begin_starts_the_scheduled_item_and_clears_the_schedule():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": b.id, "at_ms": T0 + MIN}, T0)
    events = run(state, SYSTEM, {"type": "timer.begin", "item_id": b.id, "at": T0 + MIN}, T0 + MIN)
    assert types(events) == ["timer.unscheduled", "timer.phase_started"]
    assert agenda(state).clock.item_id == b.id and agenda(state).clock.deadline == T0 + 16 * MIN
    assert agenda(state).scheduled_item is None and agenda(state).scheduled_at is None


def test_begin_is_refused_before_its_time():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": b.id, "at_ms": T0 + MIN}, T0)
    error = refusal(state, SYSTEM, {"type": "timer.begin", "item_id": b.id, "at": T0 + MIN}, T0 + MIN - 1000)
    assert error.status == 409 and "not time" in error.message
    assert agenda(state).scheduled_item == b.id


def test_begin_is_refused_for_a_cancelled_or_replaced_schedule():
    state, a, b = two_cases()
    error = refusal(state, SYSTEM, {"type": "timer.begin", "item_id": a.id, "at": T0 + MIN}, T0 + MIN)
    assert error.status == 409
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": a.id, "at_ms": T0 + MIN}, T0)
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": a.id, "at_ms": T0 + 2 * MIN}, T0 + 1)
    stale = {"type": "timer.begin", "item_id": a.id, "at": T0 + MIN}
    error = refusal(state, SYSTEM, stale, T0 + MIN)
    assert error.status == 409 and "cancelled or replaced" in error.message
    run(state, FACILITATOR, {"type": "timer.unschedule"}, T0 + 2)
    error = refusal(state, SYSTEM, {"type": "timer.begin", "item_id": a.id, "at": T0 + 2 * MIN}, T0 + 2 * MIN)
    assert error.status == 409
    assert refusal(state, FACILITATOR, {"type": "timer.unschedule"}).status == 409


@pytest.mark.parametrize("which", ["scheduled", "other", "next"])
def test_starting_by_hand_clears_the_schedule(which):
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": b.id, "at_ms": T0 + 30 * MIN}, T0)
    raw = (
        {"type": "timer.start", "item_id": b.id}
        if which == "scheduled"
        else {"type": "timer.start", "item_id": a.id}
        if which == "other"
        else {"type": "timer.start"}
    )
    events = run(state, FACILITATOR, raw, T0 + MIN)
    assert types(events)[0] == "timer.unscheduled"
    assert agenda(state).scheduled_item is None and timers_feature.deadlines(state)[0].command["type"] == "timer.expire"
    assert len(timers_feature.deadlines(state)) == 1


def test_reaching_the_scheduled_item_with_next_clears_its_schedule():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": b.id, "at_ms": T0 + 60 * MIN}, T0 + 1)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 15 * MIN)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 20 * MIN)
    assert agenda(state).clock.item_id == b.id
    assert agenda(state).scheduled_item is None
    assert [d.command["type"] for d in RULES.deadlines(state)] == ["timer.expire"]


def test_the_running_item_cannot_be_scheduled():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    error = refusal(state, FACILITATOR, {"type": "timer.schedule", "item_id": a.id, "at_ms": T0 + MIN})
    assert error.status == 409
    # Without an item, the schedule is for the item after the current one.
    events = run(state, FACILITATOR, {"type": "timer.schedule", "at_ms": T0 + 30 * MIN}, T0 + 1)
    assert events[0].data["item_id"] == b.id


def test_an_item_that_already_ran_cannot_be_scheduled():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + MIN)
    error = refusal(state, FACILITATOR, {"type": "timer.schedule", "item_id": a.id, "at_ms": T0 + 30 * MIN})
    assert error.status == 409


# -- deadlines -------------------------------------------------------------


def test_a_running_phase_has_one_expire_deadline_keyed_by_its_run_and_deadline():
    state, _, _ = two_cases()
    assert timers_feature.deadlines(state) == [] and RULES.deadlines(state) == []
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    [deadline] = timers_feature.deadlines(state)
    assert RULES.deadlines(state) == [deadline]
    assert deadline.at_ms == T0 + 15 * MIN
    assert deadline.command == {
        "type": "timer.expire",
        "run": 1,
        "deadline": T0 + 15 * MIN,
        "id": f"expire-1-{T0 + 15 * MIN}",
    }
    assert deadline.key == f"expire-1-{T0 + 15 * MIN}"
    # The deadline's command is one the server may send, and parses as is.
    events = run(state, SYSTEM, deadline.command, deadline.at_ms)
    assert types(events)[0] == "timer.phase_ended"
    # A new run is a new key, even for the same phase.
    run(state, FACILITATOR, {"type": "timer.restart"}, T0 + 16 * MIN)
    keys = [d.key for d in RULES.deadlines(state)]
    assert keys != [deadline.key] and len(keys) == 1


def test_an_adjusted_phase_gets_a_new_deadline_key():
    state, _, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": 60}, T0 + SEC)
    [deadline] = RULES.deadlines(state)
    assert deadline.at_ms == T0 + 16 * MIN and deadline.key == f"expire-1-{T0 + 16 * MIN}"


def test_a_paused_or_expired_phase_has_no_deadline():
    state, _, _ = two_cases()
    configure(state, auto_advance_phase=False)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + MIN)
    assert RULES.deadlines(state) == []
    run(state, FACILITATOR, {"type": "timer.resume"}, T0 + 2 * MIN)
    run(state, SYSTEM, expire_command(state), T0 + 16 * MIN)
    assert RULES.deadlines(state) == []


def test_a_schedule_has_a_begin_deadline():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": a.id, "at_ms": T0 + 30 * MIN}, T0)
    [deadline] = timers_feature.deadlines(state)
    assert RULES.deadlines(state) == [deadline]
    assert deadline.at_ms == T0 + 30 * MIN
    assert deadline.command == {
        "type": "timer.begin",
        "item_id": a.id,
        "at": T0 + 30 * MIN,
        "id": f"begin-{a.id}-{T0 + 30 * MIN}",
    }
    run(state, SYSTEM, deadline.command, deadline.at_ms)
    assert [d.command["type"] for d in RULES.deadlines(state)] == ["timer.expire"]


def test_an_ended_room_has_no_deadlines():
    state, a, b = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": b.id, "at_ms": T0 + 30 * MIN}, T0 + 1)
    assert len(RULES.deadlines(state)) == 2
    run(state, FACILITATOR, {"type": "room.end"}, T0 + 2)
    assert RULES.deadlines(state) == []
    error = refusal(state, SYSTEM, expire_command(state), T0 + 15 * MIN)
    assert error.status == 409 and "ended" in error.message


# -- roles -----------------------------------------------------------------

FACILITATOR_COMMANDS = {
    "agenda.add": CASE,
    "agenda.update": {"type": "agenda.update", "item_id": "x", "title": "T"},
    "agenda.remove": {"type": "agenda.remove", "item_id": "x"},
    "agenda.move": {"type": "agenda.move", "item_id": "x", "position": 0},
    "agenda.import": {"type": "agenda.import", "items": [{"kind": "case", "organisation": "X"}]},
    "timer.start": {"type": "timer.start"},
    "timer.schedule": {"type": "timer.schedule", "at": "10:00"},
    "timer.unschedule": {"type": "timer.unschedule"},
    "timer.pause": {"type": "timer.pause"},
    "timer.resume": {"type": "timer.resume"},
    "timer.adjust": {"type": "timer.adjust", "seconds": 60},
    "timer.restart": {"type": "timer.restart"},
    "timer.next": {"type": "timer.next"},
    "timer.finish": {"type": "timer.finish"},
    "timer.configure": {"type": "timer.configure", "auto_advance_item": True},
    "message.show": {"type": "message.show", "text": "Two minutes"},
    "message.clear": {"type": "message.clear"},
}
SERVER_COMMANDS = {
    "timer.expire": {"type": "timer.expire", "run": 1, "deadline": T0 + 15 * MIN},
    "timer.begin": {"type": "timer.begin", "item_id": "x", "at": T0 + 15 * MIN},
}


def test_every_timers_command_is_covered_by_the_role_checks():
    installed = {command.type for command in timers_feature.feature.deciders}
    assert installed == set(FACILITATOR_COMMANDS) | set(SERVER_COMMANDS)


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.SCRIBE, Role.SCREEN, Role.VISITOR, Role.SYSTEM])
@pytest.mark.parametrize("kind", sorted(FACILITATOR_COMMANDS))
def test_only_the_facilitator_can_control_the_agenda_timers_and_messages(kind, role):
    state, _, _ = two_cases()
    participant = join(state)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    actor = Actor(role, participant) if role is Role.PARTICIPANT else Actor(role)
    error = refusal(state, actor, FACILITATOR_COMMANDS[kind])
    assert error.status == 403
    assert error.message.startswith("Only the facilitator can"), error.message


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.PARTICIPANT, Role.SCRIBE, Role.SCREEN])
@pytest.mark.parametrize("kind", sorted(SERVER_COMMANDS))
def test_only_the_server_can_expire_a_phase_or_begin_a_scheduled_item(kind, role):
    state, _, _ = two_cases()
    participant = join(state)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    actor = Actor(role, participant) if role is Role.PARTICIPANT else Actor(role)
    error = refusal(state, actor, SERVER_COMMANDS[kind], T0 + 15 * MIN)
    assert error.status == 403
    assert error.message.startswith("Only the server can"), error.message


# -- messages --------------------------------------------------------------


def test_a_message_is_shown_on_the_screen_and_cleared():
    state, _, _ = two_cases()
    run(state, FACILITATOR, {"type": "message.show", "text": "Two minutes left", "tone": "red", "flash": True}, T0)
    message = agenda(state).screen_message
    assert (message.text, message.tone, message.flash, message.at) == ("Two minutes left", "red", True, T0)
    assert views.clock(Scene(state, frozenset()))["message"] == {
        "text": "Two minutes left",
        "tone": "red",
        "flash": True,
    }
    run(state, FACILITATOR, {"type": "message.clear"}, T0 + 1)
    assert agenda(state).screen_message is None
    error = refusal(state, FACILITATOR, {"type": "message.clear"})
    assert error.status == 409


def test_a_presenter_message_needs_a_current_item_with_a_presenter_on_the_roster():
    state, (ana,) = room_with(people=[("Ana", "St Mary's")])
    plain = add(state, title="No presenter")
    presented = add(state, presenter="Ana", presenter_id=ana)
    show = {"type": "message.show", "text": "Wrap up", "target": "presenter"}
    assert refusal(state, FACILITATOR, show).status == 409  # nothing running
    run(state, FACILITATOR, {"type": "timer.start", "item_id": plain.id}, T0)
    assert refusal(state, FACILITATOR, show).status == 409  # no presenter_id
    run(state, FACILITATOR, {"type": "timer.start", "item_id": presented.id}, T0 + MIN)
    run(state, FACILITATOR, show, T0 + 2 * MIN)
    assert agenda(state).presenter_message.text == "Wrap up" and agenda(state).screen_message is None
    scene = Scene(state, frozenset())
    assert views.presenter_message(scene, Actor(Role.PARTICIPANT, ana))["message"]["text"] == "Wrap up"
    assert views.presenter_message(scene, Actor(Role.PARTICIPANT, "someone"))["message"] is None
    run(state, FACILITATOR, {"type": "message.clear", "target": "presenter"}, T0 + 3 * MIN)
    assert agenda(state).presenter_message is None


def _with_messages(state: RoomState, ana: str, now: int) -> None:
    run(state, FACILITATOR, {"type": "message.show", "text": "Screen"}, now)
    run(state, FACILITATOR, {"type": "message.show", "text": "You", "target": "presenter"}, now + 1)


def test_a_new_phase_of_the_same_item_keeps_messages_and_a_new_item_clears_them():
    state, (ana,) = room_with(people=[("Ana", "St Mary's")])
    first = add(state, presenter_id=ana)
    add(state, organisation="Northfield", presenter_id=ana)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    _with_messages(state, ana, T0 + MIN)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 15 * MIN)
    assert agenda(state).clock.item_id == first.id
    assert agenda(state).screen_message is not None and agenda(state).presenter_message is not None
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 20 * MIN)
    assert agenda(state).clock.item_id != first.id
    assert agenda(state).screen_message is None and agenda(state).presenter_message is None


def test_finishing_an_item_clears_messages_and_starting_one_from_idle_clears_the_screen():
    state, (ana,) = room_with(people=[("Ana", "St Mary's")])
    add(state, presenter_id=ana)
    add(state, organisation="Northfield")
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    _with_messages(state, ana, T0 + MIN)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 2 * MIN)
    assert agenda(state).screen_message is None and agenda(state).presenter_message is None
    run(state, FACILITATOR, {"type": "message.show", "text": "Back at 10:30"}, T0 + 3 * MIN)
    run(state, FACILITATOR, {"type": "timer.start"}, T0 + 4 * MIN)
    assert agenda(state).screen_message is None


# -- the record ------------------------------------------------------------


def _recorded_session() -> tuple[RoomState, Item, Item]:
    """A case that overran by three minutes, then a discussion that kept to time."""
    state, (a, b) = room_with_items(
        CASE, {"type": "agenda.add", "kind": "discussion", "title": "Open floor", "minutes": 10}
    )
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + MIN)
    run(state, FACILITATOR, {"type": "timer.resume"}, T0 + 2 * MIN)
    run(state, FACILITATOR, {"type": "timer.adjust", "seconds": 60}, T0 + 3 * MIN)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 16 * MIN)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 23 * MIN)  # finishes a, starts b
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 31 * MIN)
    return state, agenda(state).items[a.id], agenda(state).items[b.id]


def test_phase_runs_record_start_end_extension_and_pauses():
    state, a, b = _recorded_session()
    presentation, questions = a.runs
    assert (presentation.name, presentation.planned_ms, presentation.started_at, presentation.ended_at) == (
        "Presentation",
        15 * MIN,
        T0,
        T0 + 16 * MIN,
    )
    assert (presentation.extended_ms, presentation.paused_ms) == (MIN, MIN)
    assert (questions.name, questions.planned_ms, questions.started_at, questions.ended_at) == (
        "Questions",
        5 * MIN,
        T0 + 16 * MIN,
        T0 + 23 * MIN,
    )
    assert (questions.extended_ms, questions.paused_ms) == (0, 0)
    [discussion] = b.runs
    assert (discussion.name, discussion.started_at, discussion.ended_at) == ("Discussion", T0 + 23 * MIN, T0 + 31 * MIN)


def test_a_pause_still_open_when_the_item_finishes_is_counted():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + MIN)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 4 * MIN)
    assert agenda(state).items[a.id].runs[-1].paused_ms == 3 * MIN


def test_items_record_actual_duration_and_overrun():
    state, a, b = _recorded_session()
    assert (a.planned_ms, a.actual_ms, a.overrun_ms) == (20 * MIN, 23 * MIN, 3 * MIN)
    assert (b.planned_ms, b.actual_ms, b.overrun_ms) == (10 * MIN, 8 * MIN, 0)
    planned = add(state, title="Later", raw={"type": "agenda.add", "kind": "break", "minutes": 5})
    assert (planned.actual_ms, planned.overrun_ms) == (None, None)


def test_discipline_counts_items_on_time_and_the_total_overrun():
    state, a, b = _recorded_session()
    add(state, {"type": "agenda.add", "kind": "break", "title": "Coffee", "minutes": 15})
    summary = views.discipline(Scene(state, frozenset()))
    assert summary == {"done": 2, "total": 3, "on_time": 1, "overrun": "+3:00", "planned": "45:00", "actual": "31:00"}


def test_discipline_before_anything_ran():
    state, _, _ = two_cases()
    assert views.discipline(Scene(state, frozenset())) == {
        "done": 0,
        "total": 2,
        "on_time": 0,
        "overrun": "0:00",
        "planned": "40:00",
        "actual": "0:00",
    }


def test_the_state_api_shows_plan_against_actual_per_item():
    state, a, b = _recorded_session()
    view = RULES.views(Scene(state, frozenset()), FACILITATOR)["timers"]
    first = view["items"][0]
    assert (first["planned_ms"], first["actual_ms"], first["overrun_ms"]) == (20 * MIN, 23 * MIN, 3 * MIN)
    assert first["phases"][0] == {
        "name": "Presentation",
        "planned_ms": 15 * MIN,
        "started_at": T0,
        "ended_at": T0 + 16 * MIN,
        "extended_ms": MIN,
        "paused_ms": MIN,
    }
    assert view["discipline"]["on_time"] == 1 and "settings" in view
    assert "settings" not in RULES.views(Scene(state, frozenset()), SCREEN)["timers"]


@pytest.mark.parametrize(
    "ms, signed, shown",
    [
        (900_000, False, "15:00"),
        (-72_000, True, "-1:12"),
        (72_000, True, "+1:12"),
        (3_725_000, False, "1:02:05"),
        (0, True, "0:00"),
        (None, False, ""),
        (59_999, False, "1:00"),
        (-72_000, False, "-1:12"),
    ],
)
def test_duration_formats(ms, signed, shown):
    assert duration(ms, signed=signed) == shown


def test_the_clock_view_of_a_running_phase():
    state, a, _ = two_cases()
    run(state, FACILITATOR, {"type": "agenda.update", "item_id": a.id, "qa_prompt": "What would you keep?"}, T0 - MIN)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    shown = views.clock(Scene(state, frozenset()))
    assert shown["active"] and shown["phase"] == "Presentation" and shown["phase_count"] == 2
    assert shown["deadline"] == T0 + 15 * MIN and shown["planned"] == "15:00" and not shown["paused"]
    assert shown["prompt"] == "" and shown["next"] == "Northfield"
    run(state, FACILITATOR, {"type": "timer.next"}, T0 + 10 * MIN)
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 + 11 * MIN)
    shown = views.clock(Scene(state, frozenset()))
    assert shown["paused"] and shown["shown"] == "4:00" and shown["prompt"] == "What would you keep?"


# -- purity ----------------------------------------------------------------


def test_decide_never_mutates_the_state_for_any_command():
    state, a, b = two_cases()
    ana = join(state)
    run(state, FACILITATOR, {"type": "timer.start"}, T0)
    run(state, FACILITATOR, {"type": "timer.schedule", "item_id": b.id, "at_ms": T0 + 30 * MIN}, T0 + 1)
    run(state, FACILITATOR, {"type": "message.show", "text": "Hi"}, T0 + 2)
    commands = [
        {**CASE, "presenter_id": ana},
        {"type": "agenda.update", "item_id": a.id, "qa_minutes": 9},
        {"type": "agenda.remove", "item_id": b.id},
        {"type": "agenda.move", "item_id": b.id, "position": 0},
        {"type": "agenda.import", "replace": True, "items": [{"kind": "case", "organisation": "X"}]},
        {"type": "timer.start"},
        {"type": "timer.schedule", "at": "23:59"},
        {"type": "timer.unschedule"},
        {"type": "timer.pause"},
        {"type": "timer.adjust", "seconds": -60},
        {"type": "timer.restart"},
        {"type": "timer.next"},
        {"type": "timer.finish"},
        {"type": "timer.configure", "red_seconds": 10},
        {"type": "message.show", "text": "Bye"},
        {"type": "message.clear"},
    ]
    snapshot = copy.deepcopy(state)
    for raw in commands:
        assert RULES.decide(state, FACILITATOR, RULES.parse(raw), context(state, T0 + MIN)).events
        assert state == snapshot, raw["type"]
    for raw in (expire_command(state), {"type": "timer.begin", "item_id": b.id, "at": T0 + 30 * MIN}):
        assert RULES.decide(state, SYSTEM, RULES.parse(raw), context(state, T0 + 30 * MIN)).events
        assert state == snapshot, raw["type"]


def test_folding_the_log_rebuilds_the_same_agenda():
    room = room_with(people=[("Ana", "St Mary's")])
    state, step, ana = room.state, room.do, room.people["Ana"]
    step(FACILITATOR, {**CASE, "presenter_id": ana}, T0 - 5 * MIN)
    step(FACILITATOR, {"type": "agenda.add", "kind": "break", "title": "Coffee", "minutes": 10}, T0 - 4 * MIN)
    step(FACILITATOR, {"type": "timer.start"}, T0)
    step(FACILITATOR, {"type": "timer.pause"}, T0 + 5)
    step(FACILITATOR, {"type": "timer.adjust", "seconds": 30}, T0 + 6)
    step(FACILITATOR, {"type": "timer.resume"}, T0 + 7)
    step(SYSTEM, expire_command(state), agenda(state).clock.deadline)
    step(FACILITATOR, {"type": "message.show", "text": "Questions now"}, T0 + 16 * MIN)
    step(FACILITATOR, {"type": "timer.next"}, T0 + 30 * MIN)
    rebuilt = RULES.fold(CODE, [Event.from_json(copy.deepcopy(event.to_json())) for event in room.log])
    assert rebuilt == state
    assert agenda(rebuilt).items[agenda(rebuilt).order[0]].runs[0].paused_ms == 2
