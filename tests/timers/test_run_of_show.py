"""The run of show as a pure function of the agenda: worked examples with the time passed in.

Three items planned at 10 + 20 + 5 minutes: a discussion, a case (15 presentation + 5 questions)
and a break. Everything starts at T0 unless a test says otherwise.
"""

from facilitator.timers.model import agenda_of
from facilitator.timers.run_of_show import Moment, run_of_show
from tests.pure import FACILITATOR, MIN, T0, room_with

DISCUSSION = {"kind": "discussion", "title": "Warm-up", "minutes": 10}
CASE = {"kind": "case", "organisation": "St Mary's", "presentation_minutes": 15, "qa_minutes": 5}
BREAK = {"kind": "break", "title": "Coffee", "minutes": 5}


def three_items():
    room = room_with(agenda=[DISCUSSION, CASE, BREAK])
    return room, room.items


def act(room, now: int, type: str, **fields) -> None:
    room.do(FACILITATOR, {"type": type, **fields}, now)


def starts(room, now: int) -> list[int]:
    return [slot.start.at(now) for slot in run_of_show(agenda_of(room.state)).slots]


def test_a_moment_is_fixed_or_moves_with_the_clock_once_the_present_passes_it():
    assert Moment(T0).at(T0 + 5 * MIN) == T0
    later = Moment(T0, 2 * MIN)  # e.g. a phase's deadline at T0, then two more minutes planned
    assert later.at(T0 - 10 * MIN) == T0
    assert later.at(T0 - MIN) == T0 + MIN
    assert later.at(T0 + 3 * MIN) == T0 + 5 * MIN
    assert later.plus(MIN).at(T0 + 3 * MIN) == T0 + 6 * MIN


def test_before_anything_starts_the_agenda_runs_from_now_and_is_neither_ahead_nor_behind():
    room, (warmup, case, coffee) = three_items()
    show = run_of_show(agenda_of(room.state))
    assert starts(room, T0) == [T0, T0 + 10 * MIN, T0 + 30 * MIN]
    assert show.end.at(T0) == T0 + 35 * MIN
    assert show.end.at(T0 + MIN) == T0 + 36 * MIN  # still "from now": nothing has started
    assert show.behind_ms(T0) is None
    assert [slot.status for slot in show.slots] == ["waiting"] * 3
    assert show.slots[1].planned_start is None


def test_on_time_the_projection_is_the_plan():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    show = run_of_show(agenda_of(room.state))
    at = T0 + 4 * MIN
    assert starts(room, at) == [T0, T0 + 10 * MIN, T0 + 30 * MIN]
    assert show.end.at(at) == T0 + 35 * MIN
    assert show.planned_end == T0 + 35 * MIN
    assert show.behind_ms(at) == 0
    assert show.slot(case).slip_ms(at) == 0


def test_an_overrun_moves_every_later_item_and_the_end():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    # Twelve minutes into a ten-minute discussion: two minutes of overtime so far.
    at = T0 + 12 * MIN
    show = run_of_show(agenda_of(room.state))
    assert starts(room, at) == [T0, T0 + 12 * MIN, T0 + 32 * MIN]
    assert show.behind_ms(at) == 2 * MIN
    assert show.slot(coffee).slip_ms(at) == 2 * MIN
    # A minute later, still talking: the overrun keeps growing with the clock.
    assert show.behind_ms(at + MIN) == 3 * MIN


def test_a_finished_overrun_stays_absorbed_and_time_between_items_counts_too():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    act(room, T0 + 13 * MIN, "timer.finish")  # three minutes over
    show = run_of_show(agenda_of(room.state))
    warmup_slot = show.slot(warmup)
    assert (warmup_slot.status, warmup_slot.end.at(T0 + 20 * MIN)) == ("done", T0 + 13 * MIN)
    # Nothing runs: the case starts when someone starts it, no sooner than now.
    assert show.slot(case).start.at(T0 + 13 * MIN) == T0 + 13 * MIN
    assert show.behind_ms(T0 + 13 * MIN) == 3 * MIN
    assert show.behind_ms(T0 + 15 * MIN) == 5 * MIN
    act(room, T0 + 15 * MIN, "timer.start")
    show = run_of_show(agenda_of(room.state))
    assert show.slot(case).status == "current"
    assert show.slot(coffee).start.at(T0 + 16 * MIN) == T0 + 35 * MIN
    assert show.behind_ms(T0 + 16 * MIN) == 5 * MIN


def test_a_short_item_puts_the_exchange_ahead():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    act(room, T0 + 6 * MIN, "timer.next")  # the discussion ends early and the case starts
    show = run_of_show(agenda_of(room.state))
    at = T0 + 7 * MIN
    assert show.slot(coffee).start.at(at) == T0 + 26 * MIN
    assert show.behind_ms(at) == -4 * MIN


def test_a_paused_phase_slips_everything_while_it_stays_paused():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    act(room, T0 + 4 * MIN, "timer.pause")  # six minutes left
    show = run_of_show(agenda_of(room.state))
    assert show.slot(case).start.at(T0 + 4 * MIN) == T0 + 10 * MIN
    assert show.slot(case).start.at(T0 + 9 * MIN) == T0 + 15 * MIN
    assert show.behind_ms(T0 + 9 * MIN) == 5 * MIN


def test_the_current_item_counts_its_later_phases_and_added_minutes():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start", item_id=case)  # the case first: 15 + 5 minutes
    act(room, T0 + MIN, "timer.adjust", seconds=120)
    show = run_of_show(agenda_of(room.state))
    at = T0 + 2 * MIN
    assert show.slot(case).end.at(at) == T0 + 22 * MIN
    # Then the items the agenda would start next: the break after the case, then the skipped warm-up.
    assert show.slot(coffee).start.at(at) == T0 + 22 * MIN
    assert show.slot(warmup).start.at(at) == T0 + 27 * MIN
    assert show.end.at(at) == T0 + 37 * MIN
    assert show.behind_ms(at) == 2 * MIN


def test_a_scheduled_start_holds_its_item_back_until_its_time():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    act(room, T0 + MIN, "timer.schedule", item_id=case, at_ms=T0 + 40 * MIN)
    show = run_of_show(agenda_of(room.state))
    at = T0 + 2 * MIN
    assert show.slot(case).start.at(at) == T0 + 40 * MIN
    assert show.slot(coffee).start.at(at) == T0 + 60 * MIN
    assert show.behind_ms(at) == 30 * MIN


def test_when_every_item_has_run_the_end_is_when_the_last_one_ended():
    room, (warmup, case, coffee) = three_items()
    act(room, T0, "timer.start")
    act(room, T0 + 10 * MIN, "timer.next")
    act(room, T0 + 25 * MIN, "timer.next")
    act(room, T0 + 30 * MIN, "timer.next")
    act(room, T0 + 34 * MIN, "timer.finish")
    show = run_of_show(agenda_of(room.state))
    assert show.end.at(T0 + 60 * MIN) == T0 + 34 * MIN
    assert show.behind_ms(T0 + 60 * MIN) == -MIN


def test_an_empty_agenda_ends_now():
    show = run_of_show(agenda_of(room_with().state))
    assert show.slots == [] and show.end.at(T0) == T0 and show.behind_ms(T0) is None
