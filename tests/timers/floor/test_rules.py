"""Pure tests of the floor: hands, the queue, turns, share of voice and budgets.

decide and apply with the time passed in through the Context; no I/O, no clock.
"""

import copy
import itertools

import pytest

from facilitator.features import RULES
from facilitator.rooms.model import Event, RoomState
from facilitator.rooms.views import Scene
from facilitator.timers.floor import accounting as acc
from facilitator.timers.floor import views
from facilitator.timers.floor.model import FACILITATOR as FACILITATOR_ID
from facilitator.timers.floor.model import Floor, Turn, floor_of
from tests.pure import (
    FACILITATOR,
    MIN,
    SCREEN,
    SCRIBE,
    SEC,
    T0,
    context,
    decide,
    join,
    person,
    refusal,
    room_with,
    run,
    types,
)

THREE_ORGS = [("Ana", "St Mary's"), ("Ben", "St Mary's"), ("Cat", "Northfield"), ("Dev", "Eastgate")]


# -- helpers ---------------------------------------------------------------


def floor(state: RoomState) -> Floor:
    return floor_of(state)


def raise_hand(state: RoomState, pid: str, now: int, kind: str = "comment") -> list[Event]:
    return run(state, person(pid), {"type": "hand.raise", "kind": kind}, now)


def give(state: RoomState, now: int, speaker: str | None = None) -> list[Event]:
    raw = {"type": "floor.give"} if speaker is None else {"type": "floor.give", "speaker": speaker}
    return run(state, FACILITATOR, raw, now)


def stop(state: RoomState, now: int) -> list[Event]:
    return run(state, FACILITATOR, {"type": "floor.stop"}, now)


def speak(state: RoomState, speaker: str, start: int, end: int) -> None:
    give(state, start, speaker)
    stop(state, end)


def configure(state: RoomState, now: int = T0 - MIN, **settings) -> None:
    run(state, FACILITATOR, {"type": "floor.configure", **settings}, now)


def queue_ids(state: RoomState) -> list[str]:
    return [hand.participant_id for hand in acc.ordered_queue(state, floor(state))]


def scene(state: RoomState, connected: frozenset[str] = frozenset()) -> Scene:
    return Scene(state, connected)


def three_orgs() -> tuple[RoomState, str, str, str, str]:
    """Ana and Ben of St Mary's, Cat of Northfield, Dev of Eastgate."""
    state, people = room_with(people=THREE_ORGS)
    return state, *people


def start_item(state: RoomState, title: str, now: int) -> str:
    events = run(
        state, FACILITATOR, {"type": "agenda.add", "kind": "discussion", "title": title, "minutes": 10}, now - 1
    )
    item_id = events[0].data["item"]["id"]
    run(state, FACILITATOR, {"type": "timer.start", "item_id": item_id}, now)
    return item_id


# -- hands -------------------------------------------------------------------


def test_a_participant_raises_a_comment_hand_at_server_time():
    state, ana, *_ = three_orgs()
    events = raise_hand(state, ana, T0)
    assert types(events) == ["hand.raised"]
    hand = floor(state).hands[ana]
    assert (hand.participant_id, hand.kind, hand.raised_at) == (ana, "comment", T0)


def test_a_participant_raises_a_clarifying_question():
    state, ana, *_ = three_orgs()
    raise_hand(state, ana, T0, kind="clarify")
    assert floor(state).hands[ana].kind == "clarify"


def test_an_unknown_hand_kind_is_refused():
    state, ana, *_ = three_orgs()
    assert refusal(state, person(ana), {"type": "hand.raise", "kind": "shout"}).status == 400


def test_a_second_raise_lowers_the_hand():
    state, ana, *_ = three_orgs()
    raise_hand(state, ana, T0)
    events = raise_hand(state, ana, T0 + SEC)
    assert types(events) == ["hand.lowered"] and events[0].data == {"participant_id": ana}
    assert ana not in floor(state).hands
    # and a third raises it again, queued from the new time
    raise_hand(state, ana, T0 + 2 * SEC)
    assert floor(state).hands[ana].raised_at == T0 + 2 * SEC


def test_a_participant_lowers_their_own_hand():
    state, ana, *_ = three_orgs()
    raise_hand(state, ana, T0)
    assert types(run(state, person(ana), {"type": "hand.lower"}, T0 + SEC)) == ["hand.lowered"]
    assert floor(state).hands == {}
    raise_hand(state, ana, T0 + 2 * SEC)
    run(state, person(ana), {"type": "hand.lower", "participant_id": ana}, T0 + 3 * SEC)
    assert floor(state).hands == {}


def test_a_participant_cannot_lower_someone_elses_hand():
    state, ana, ben, *_ = three_orgs()
    raise_hand(state, ana, T0)
    error = refusal(state, person(ben), {"type": "hand.lower", "participant_id": ana})
    assert error.status == 403 and "own hand" in error.message
    assert ana in floor(state).hands


def test_the_facilitator_lowers_anyones_hand_but_must_say_whose():
    state, ana, *_ = three_orgs()
    raise_hand(state, ana, T0)
    error = refusal(state, FACILITATOR, {"type": "hand.lower"})
    assert error.status == 400 and "whose" in error.message
    events = run(state, FACILITATOR, {"type": "hand.lower", "participant_id": ana}, T0 + SEC)
    assert types(events) == ["hand.lowered"] and ana not in floor(state).hands


def test_lowering_a_hand_that_is_not_raised_is_refused():
    state, ana, ben, *_ = three_orgs()
    error = refusal(state, person(ana), {"type": "hand.lower"})
    assert error.status == 409 and "Your hand is not raised" in error.message
    error = refusal(state, FACILITATOR, {"type": "hand.lower", "participant_id": ben})
    assert error.status == 409 and "not raised" in error.message


def test_a_removed_participant_can_no_longer_raise_a_hand():
    state, ana, *_ = three_orgs()
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0)
    assert refusal(state, person(ana), {"type": "hand.raise"}).status == 403


# -- queue ordering ----------------------------------------------------------


def test_first_come_first_served_by_default():
    state, ana, _ben, cat, dev = three_orgs()
    raise_hand(state, cat, T0)
    raise_hand(state, ana, T0 + SEC)
    raise_hand(state, dev, T0 + 2 * SEC)
    assert floor(state).settings.order == "first"
    assert queue_ids(state) == [cat, ana, dev]


def test_first_come_ignores_how_much_someone_has_spoken():
    state, ana, _ben, cat, _dev = three_orgs()
    speak(state, ana, T0, T0 + 10 * MIN)
    raise_hand(state, ana, T0 + 11 * MIN)
    raise_hand(state, cat, T0 + 12 * MIN)
    assert queue_ids(state) == [ana, cat]


def test_least_heard_person_first():
    state, ana, ben, cat, _dev = three_orgs()
    configure(state, order="person")
    speak(state, ana, T0, T0 + 3 * MIN)
    speak(state, cat, T0 + 3 * MIN, T0 + 4 * MIN)
    raise_hand(state, ana, T0 + 5 * MIN)
    raise_hand(state, cat, T0 + 5 * MIN + SEC)
    raise_hand(state, ben, T0 + 5 * MIN + 2 * SEC)
    # Ben never spoke (0), Cat 1 min, Ana 3 min; Ben's colleague's time does not count against him.
    assert queue_ids(state) == [ben, cat, ana]


def test_least_heard_organisation_first():
    state, ana, ben, cat, dev = three_orgs()
    configure(state, order="organisation")
    speak(state, ana, T0, T0 + 3 * MIN)  # St Mary's 3 min
    speak(state, cat, T0 + 3 * MIN, T0 + 5 * MIN)  # Northfield 2 min
    raise_hand(state, ben, T0 + 6 * MIN)  # never spoke, but St Mary's has
    raise_hand(state, cat, T0 + 6 * MIN + SEC)
    raise_hand(state, dev, T0 + 6 * MIN + 2 * SEC)  # Eastgate 0
    assert queue_ids(state) == [dev, cat, ben]


def test_the_facilitators_time_counts_against_no_organisation():
    state, ana, _ben, cat, _dev = three_orgs()
    configure(state, order="organisation")
    speak(state, FACILITATOR_ID, T0, T0 + 30 * MIN)
    speak(state, cat, T0 + 30 * MIN, T0 + 31 * MIN)
    raise_hand(state, cat, T0 + 32 * MIN)
    raise_hand(state, ana, T0 + 33 * MIN)
    assert queue_ids(state) == [ana, cat]


@pytest.mark.parametrize("order", ["first", "person", "organisation"])
def test_clarifying_questions_come_before_comments_in_every_order(order):
    state, ana, ben, cat, dev = three_orgs()
    configure(state, order=order)
    speak(state, ana, T0, T0 + 10 * MIN)  # Ana and St Mary's are the most heard
    raise_hand(state, dev, T0 + 11 * MIN)
    raise_hand(state, cat, T0 + 11 * MIN + SEC)
    raise_hand(state, ana, T0 + 11 * MIN + 2 * SEC, kind="clarify")
    raise_hand(state, ben, T0 + 11 * MIN + 3 * SEC, kind="clarify")
    ordered = acc.ordered_queue(state, floor(state))
    assert [h.participant_id for h in ordered][:2] == [ana, ben]  # first come among clarifications
    assert [h.kind for h in ordered] == ["clarify", "clarify", "comment", "comment"]
    assert set(queue_ids(state)[2:]) == {cat, dev}


def test_the_next_speaker_given_the_floor_is_the_clarifying_question():
    state, _ana, _ben, cat, dev = three_orgs()
    raise_hand(state, cat, T0)
    raise_hand(state, dev, T0 + SEC, kind="clarify")
    events = give(state, T0 + 2 * SEC)
    assert events[-1].data["speaker"] == dev


@pytest.mark.parametrize("order", ["first", "person", "organisation"])
def test_ties_go_to_the_earlier_hand(order):
    state, ana, _ben, cat, dev = three_orgs()
    configure(state, order=order)
    raise_hand(state, dev, T0)
    raise_hand(state, cat, T0 + SEC)
    raise_hand(state, ana, T0 + 2 * SEC)
    assert queue_ids(state) == [dev, cat, ana]


def test_equal_time_ties_in_least_heard_go_to_the_earlier_hand():
    state, ana, _ben, cat, _dev = three_orgs()
    configure(state, order="person")
    speak(state, ana, T0, T0 + MIN)
    speak(state, cat, T0 + MIN, T0 + 2 * MIN)
    raise_hand(state, cat, T0 + 3 * MIN)
    raise_hand(state, ana, T0 + 4 * MIN)
    assert queue_ids(state) == [cat, ana]


def test_ties_at_the_same_instant_go_by_participant_id():
    state, ana, ben, cat, dev = three_orgs()
    for pid in (dev, ana, cat, ben):
        raise_hand(state, pid, T0)
    assert queue_ids(state) == sorted([ana, ben, cat, dev])


def test_removed_participants_leave_the_queue():
    state, ana, _ben, cat, _dev = three_orgs()
    raise_hand(state, ana, T0)
    raise_hand(state, cat, T0 + SEC)
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0 + 2 * SEC)
    assert queue_ids(state) == [cat]
    assert give(state, T0 + 3 * SEC)[-1].data["speaker"] == cat
    assert [row["id"] for row in views.queue(scene(state))] == []


def test_a_participant_who_is_away_keeps_their_place_and_their_totals():
    state, ana, _ben, cat, _dev = three_orgs()
    configure(state, order="person")
    speak(state, ana, T0, T0 + 2 * MIN)
    raise_hand(state, ana, T0 + 3 * MIN)
    raise_hand(state, cat, T0 + 4 * MIN)
    # Nobody is connected: presence changes neither the queue nor the totals.
    away = scene(state, frozenset())
    assert queue_ids(state) == [cat, ana]
    rows = views.queue(away)
    assert [(r["id"], r["person_time"]) for r in rows] == [(cat, "0:00"), (ana, "2:00")]
    assert acc.by_person(floor(state)) == {ana: 2 * MIN}
    assert views.queue(scene(state, frozenset({ana, cat}))) == rows


# -- giving and ending the floor ---------------------------------------------


def test_give_with_nobody_waiting_is_refused():
    state, *_ = three_orgs()
    error = refusal(state, FACILITATOR, {"type": "floor.give"})
    assert error.status == 409 and "Nobody is waiting" in error.message


def test_give_without_a_speaker_takes_the_next_in_the_queue_and_clears_their_hand():
    state, ana, _ben, cat, _dev = three_orgs()
    raise_hand(state, cat, T0)
    raise_hand(state, ana, T0 + SEC)
    events = give(state, T0 + 2 * SEC)
    assert types(events) == ["turn.started"]
    assert events[0].data == {"speaker": cat, "organisation": "Northfield", "item_id": None}
    current = floor(state).current
    assert (current.speaker, current.organisation, current.started_at, current.ended_at) == (
        cat,
        "Northfield",
        T0 + 2 * SEC,
        None,
    )
    assert cat not in floor(state).hands and queue_ids(state) == [ana]


def test_give_to_a_roster_participant_without_a_raised_hand():
    state, _ana, _ben, cat, dev = three_orgs()
    raise_hand(state, cat, T0)
    events = give(state, T0 + SEC, dev)
    assert events[0].data["speaker"] == dev and events[0].data["organisation"] == "Eastgate"
    assert queue_ids(state) == [cat]  # Cat keeps waiting


def test_give_to_the_facilitator_belongs_to_no_organisation():
    state, *_ = three_orgs()
    events = give(state, T0, FACILITATOR_ID)
    assert events[0].data["speaker"] == FACILITATOR_ID and events[0].data["organisation"] == ""


def test_give_to_someone_unknown_or_removed_is_refused():
    state, ana, *_ = three_orgs()
    assert refusal(state, FACILITATOR, {"type": "floor.give", "speaker": "nobody"}).status == 404
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0)
    assert refusal(state, FACILITATOR, {"type": "floor.give", "speaker": ana}).status == 404


def test_give_to_the_current_speaker_is_refused():
    state, ana, *_ = three_orgs()
    give(state, T0, ana)
    error = refusal(state, FACILITATOR, {"type": "floor.give", "speaker": ana}, T0 + SEC)
    assert error.status == 409 and "Ana already has the floor" in error.message
    give(state, T0 + 2 * SEC, FACILITATOR_ID)
    error = refusal(state, FACILITATOR, {"type": "floor.give", "speaker": FACILITATOR_ID}, T0 + 3 * SEC)
    assert error.status == 409


def test_giving_to_someone_else_ends_the_current_turn_in_the_same_decision():
    state, ana, _ben, cat, _dev = three_orgs()
    give(state, T0, ana)
    events = give(state, T0 + 90 * SEC, cat)
    assert types(events) == ["turn.ended", "turn.started"]
    assert [e.seq for e in events] == [events[0].seq, events[0].seq + 1]
    assert len(floor(state).turns) == 1
    ended = floor(state).turns[0]
    assert (ended.speaker, ended.started_at, ended.ended_at, ended.length()) == (ana, T0, T0 + 90 * SEC, 90 * SEC)
    assert floor(state).current.speaker == cat and floor(state).current.started_at == T0 + 90 * SEC


def test_only_one_speaker_holds_the_floor_at_a_time():
    state, ana, ben, cat, dev = three_orgs()
    for i, pid in enumerate([ana, cat, dev, FACILITATOR_ID, ben]):
        give(state, T0 + i * MIN, pid)
        turns = acc.all_turns(floor(state))
        assert sum(1 for t in turns if t.ended_at is None) == 1
    stop(state, T0 + 5 * MIN)
    turns = floor(state).turns
    assert floor(state).current is None and len(turns) == 5
    # consecutive turns neither overlap nor leave gaps
    assert all(a.ended_at == b.started_at for a, b in itertools.pairwise(turns))


def test_a_speaker_who_raises_a_hand_again_waits_after_their_turn():
    state, ana, _ben, _cat, _dev = three_orgs()
    raise_hand(state, ana, T0)
    give(state, T0 + SEC)
    assert ana not in floor(state).hands
    raise_hand(state, ana, T0 + 2 * SEC)
    assert queue_ids(state) == [ana]


def test_the_next_least_heard_counts_the_turn_being_ended():
    state, ana, ben, cat, _dev = three_orgs()
    configure(state, order="organisation")
    speak(state, cat, T0, T0 + MIN)  # Northfield 1 min
    give(state, T0 + MIN, ana)  # St Mary's is speaking now...
    raise_hand(state, ben, T0 + MIN + SEC)
    raise_hand(state, cat, T0 + MIN + 2 * SEC)
    # ...for five minutes by the time the facilitator gives the floor to the next:
    # St Mary's has then been heard more than Northfield.
    events = give(state, T0 + 6 * MIN)
    assert types(events) == ["turn.ended", "turn.started"]
    assert events[-1].data["speaker"] == cat


def test_a_turn_records_the_current_agenda_item():
    state, ana, _ben, cat, dev = three_orgs()
    give(state, T0, ana)
    assert floor(state).current.item_id is None
    item = start_item(state, "Discharge lounge", T0 + MIN)
    events = give(state, T0 + 2 * MIN, cat)
    assert events[-1].data["item_id"] == item
    assert floor(state).turns[0].item_id is None and floor(state).current.item_id == item
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 3 * MIN)
    events = give(state, T0 + 4 * MIN, dev)
    assert events[-1].data["item_id"] is None


def test_stop_ends_the_turn_at_server_time():
    state, ana, *_ = three_orgs()
    give(state, T0, ana)
    events = stop(state, T0 + 75 * SEC)
    assert types(events) == ["turn.ended"]
    assert floor(state).current is None
    turn = floor(state).turns[-1]
    assert (turn.started_at, turn.ended_at, turn.length()) == (T0, T0 + 75 * SEC, 75 * SEC)


def test_stop_with_nobody_speaking_is_refused():
    state, ana, *_ = three_orgs()
    error = refusal(state, FACILITATOR, {"type": "floor.stop"})
    assert error.status == 409 and "Nobody has the floor" in error.message
    speak(state, ana, T0, T0 + SEC)
    assert refusal(state, FACILITATOR, {"type": "floor.stop"}, T0 + 2 * SEC).status == 409


def test_every_turn_is_in_the_log_with_who_organisation_item_start_and_end():
    state, ana, _ben, cat, _dev = three_orgs()
    item = start_item(state, "Discharge lounge", T0)
    before = copy.deepcopy(state)
    log = []
    log += give(state, T0 + MIN, ana)
    log += give(state, T0 + 3 * MIN, cat)
    log += stop(state, T0 + 4 * MIN)
    turns = [e for e in log if e.type.startswith("turn.")]
    assert [(e.type, e.at, e.data) for e in turns] == [
        ("turn.started", T0 + MIN, {"speaker": ana, "organisation": "St Mary's", "item_id": item}),
        ("turn.ended", T0 + 3 * MIN, {}),
        ("turn.started", T0 + 3 * MIN, {"speaker": cat, "organisation": "Northfield", "item_id": item}),
        ("turn.ended", T0 + 4 * MIN, {}),
    ]
    # Folding these events again onto the state before them gives the same floor.
    replayed = copy.deepcopy(before)
    for event in log:
        RULES.apply(replayed, event)
    assert replayed == state


def test_floor_configure_sets_only_what_is_given_and_refuses_nothing():
    state, *_ = three_orgs()
    configure(state, order="organisation", dominance_factor=2.0)
    settings = floor(state).settings
    assert (settings.order, settings.dominance_factor, settings.turn_limit_seconds, settings.rotate_chair) == (
        "organisation",
        2.0,
        0,
        False,
    )
    assert refusal(state, FACILITATOR, {"type": "floor.configure"}).status == 400
    assert refusal(state, FACILITATOR, {"type": "floor.configure", "order": "loudest"}).status == 400


# -- accounting ----------------------------------------------------------------


def test_totals_are_exact_sums_of_end_minus_start():
    state, ana, ben, cat, _dev = three_orgs()
    item = start_item(state, "Discharge lounge", T0)
    speak(state, ana, T0 + 1_001, T0 + 62_347)  # 61_346
    speak(state, cat, T0 + 70_000, T0 + 70_001)  # 1
    speak(state, ben, T0 + 80_000, T0 + 95_555)  # 15_555
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 100_000)
    speak(state, ana, T0 + 100_000, T0 + 100_999)  # 999, no item
    speak(state, FACILITATOR_ID, T0 + 110_000, T0 + 113_000)  # 3_000
    f = floor(state)
    assert acc.by_person(f) == {ana: 61_346 + 999, cat: 1, ben: 15_555, FACILITATOR_ID: 3_000}
    assert acc.by_organisation(f) == {"St Mary's": 61_346 + 15_555 + 999, "Northfield": 1}
    assert acc.by_item(f) == {item: 61_346 + 1 + 15_555, "": 999 + 3_000}
    assert (
        sum(acc.by_person(f).values())
        == sum(acc.by_item(f).values())
        == sum(t.ended_at - t.started_at for t in f.turns)
    )


def test_a_live_turn_counts_up_to_now_only_when_now_is_given():
    state, ana, _ben, cat, _dev = three_orgs()
    speak(state, ana, T0, T0 + MIN)
    give(state, T0 + 2 * MIN, cat)
    f = floor(state)
    assert acc.by_person(f) == {ana: MIN, cat: 0}
    assert acc.by_person(f, now=T0 + 2 * MIN + 7 * SEC) == {ana: MIN, cat: 7 * SEC}
    assert acc.by_organisation(f, now=T0 + 3 * MIN) == {"St Mary's": MIN, "Northfield": MIN}
    assert acc.by_item(f, now=T0 + 3 * MIN) == {"": 2 * MIN}


def test_turn_length():
    assert Turn("a", "A", None, started_at=10, ended_at=25).length() == 15
    assert Turn("a", "A", None, started_at=10, ended_at=25).length(now=1000) == 15
    assert Turn("a", "A", None, started_at=10).length() == 0
    assert Turn("a", "A", None, started_at=10).length(now=40) == 30


def test_the_facilitators_time_is_left_out_of_organisations():
    f = Floor(turns=[Turn(FACILITATOR_ID, "", None, 0, 500), Turn("p", "A", None, 500, 600)])
    assert acc.by_organisation(f) == {"A": 100}
    assert acc.by_person(f) == {FACILITATOR_ID: 500, "p": 100}


@pytest.mark.parametrize("times", [[], [0], [42], [0, 0], [0, 0, 0]])
def test_balance_is_none_with_nothing_to_compare(times):
    assert acc.balance(times) is None


@pytest.mark.parametrize("times", [[5, 5], [7, 7, 7], [1, 1, 1, 1, 1, 1]])
def test_balance_is_one_for_equal_times(times):
    assert acc.balance(times) == pytest.approx(1.0)


@pytest.mark.parametrize("times", [[9, 0], [0, 9, 0], [0, 0, 0, 0, 1]])
def test_balance_is_zero_when_one_organisation_holds_the_floor(times):
    assert acc.balance(times) == pytest.approx(0.0)


def test_balance_on_known_inputs():
    # [1, 2, 3]: sum|xi-xj| over ordered pairs = 2 * (1 + 2 + 1) = 8; mean 2; n 3.
    # gini = 8 / (2 * 9 * 2) = 2/9; scaled by n/(n-1) = 3/2 -> 1/3; balance = 2/3.
    assert acc.balance([1, 2, 3]) == pytest.approx(2 / 3)
    assert acc.balance([3, 1, 2]) == pytest.approx(2 / 3)
    # [1, 3]: sum = 2 * 2 = 4; gini = 4 / (2 * 4 * 2) = 1/4; scaled by 2 -> 1/2.
    assert acc.balance([1, 3]) == pytest.approx(0.5)
    # scale-free: milliseconds or minutes give the same figure
    assert acc.balance([MIN, 2 * MIN, 3 * MIN]) == pytest.approx(2 / 3)


def test_organisations_in_room_includes_silent_present_orgs_and_removed_speakers_orgs():
    state, _ana, _ben, _cat, dev = three_orgs()
    eve = join(state, "Eve", "Westfield")
    assert acc.organisations_in_room(state, floor(state)) == ["Eastgate", "Northfield", "St Mary's", "Westfield"]
    speak(state, eve, T0, T0 + MIN)
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": eve}, T0 + 2 * MIN)
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": dev}, T0 + 2 * MIN + 1)
    # Eastgate's only member left without speaking; Westfield's spoke, so it stays.
    assert acc.organisations_in_room(state, floor(state)) == ["Northfield", "St Mary's", "Westfield"]
    assert acc.by_person(floor(state)) == {eve: MIN}


def test_organisations_in_room_leaves_out_the_facilitator_and_is_empty_in_an_empty_room():
    state = room_with().state
    assert acc.organisations_in_room(state, floor(state)) == []
    speak(state, FACILITATOR_ID, T0, T0 + MIN)
    assert acc.organisations_in_room(state, floor(state)) == []


# -- views -----------------------------------------------------------------------


def test_voice_with_no_organisations():
    state = room_with().state
    voice = views.voice(scene(state))
    assert voice["bars"] == [] and voice["balance"] == "—" and voice["facilitator_time"] == ""
    speak(state, FACILITATOR_ID, T0, T0 + 90 * SEC)
    voice = views.voice(scene(state))
    assert voice["bars"] == [] and voice["balance"] == "—" and voice["facilitator_time"] == "1:30"


def test_voice_with_one_organisation_is_never_dominant():
    state, (ana,) = room_with(people=[("Ana", "St Mary's")])
    assert [(b["name"], b["share"], b["dominant"]) for b in views.voice(scene(state))["bars"]] == [
        ("St Mary's", 0, False)
    ]
    speak(state, ana, T0, T0 + MIN)
    voice = views.voice(scene(state))
    assert [(b["name"], b["time"], b["share"], b["dominant"]) for b in voice["bars"]] == [
        ("St Mary's", "1:00", 100, False)
    ]
    assert voice["balance"] == "—"


def test_voice_with_many_organisations_and_some_who_never_spoke():
    state, ana, ben, cat, _dev = three_orgs()
    voice = views.voice(scene(state))
    assert [(b["name"], b["share"], b["dominant"]) for b in voice["bars"]] == [
        ("Eastgate", 0, False),
        ("Northfield", 0, False),
        ("St Mary's", 0, False),
    ]
    assert voice["balance"] == "—"
    speak(state, ana, T0, T0 + MIN)
    speak(state, cat, T0 + MIN, T0 + 3 * MIN)
    speak(state, ben, T0 + 3 * MIN, T0 + 5 * MIN)
    # St Mary's 3, Northfield 2, Eastgate 0 minutes
    voice = views.voice(scene(state))
    bars = {b["name"]: b for b in voice["bars"]}
    assert {n: (b["time"], b["share"], b["base"]) for n, b in bars.items()} == {
        "Eastgate": ("0:00", 0, 0),
        "Northfield": ("2:00", 40, 2 * MIN),
        "St Mary's": ("3:00", 60, 3 * MIN),
    }
    assert voice["balance"] == f"{acc.balance([0, 2 * MIN, 3 * MIN]):.2f}"
    # equal share is 5/3 min; 1.5 x that is 2.5 min: only St Mary's is over it
    assert [n for n, b in bars.items() if b["dominant"]] == ["St Mary's"]


def test_dominance_follows_the_configured_factor():
    state, ana, _ben, cat, _dev = three_orgs()
    speak(state, ana, T0, T0 + 3 * MIN)
    speak(state, cat, T0 + 3 * MIN, T0 + 5 * MIN)
    configure(state, T0 + 6 * MIN, dominance_factor=2.0)  # 2 x 5/3 = 3.33 min
    assert not any(b["dominant"] for b in views.voice(scene(state))["bars"])
    configure(state, T0 + 7 * MIN, dominance_factor=1.0)  # anyone over 5/3 min
    assert [b["name"] for b in views.voice(scene(state))["bars"] if b["dominant"]] == ["Northfield", "St Mary's"]


def test_voice_marks_the_live_organisation_and_leaves_its_base_at_ended_turns():
    state, ana, ben, _cat, _dev = three_orgs()
    speak(state, ana, T0, T0 + MIN)
    give(state, T0 + 2 * MIN, ben)
    bars = {b["name"]: b for b in views.voice(scene(state))["bars"]}
    assert bars["St Mary's"]["base"] == MIN and bars["St Mary's"]["since"] == T0 + 2 * MIN
    assert bars["Northfield"]["since"] is None
    give(state, T0 + 3 * MIN, FACILITATOR_ID)
    assert all(b["since"] is None for b in views.voice(scene(state))["bars"])


def test_queue_view_shows_person_and_organisation_times():
    state, ana, ben, _cat, dev = three_orgs()
    speak(state, ana, T0, T0 + 90 * SEC)
    speak(state, ben, T0 + 2 * MIN, T0 + 2 * MIN + 30 * SEC)
    raise_hand(state, ben, T0 + 3 * MIN)
    raise_hand(state, dev, T0 + 4 * MIN, kind="clarify")
    rows = views.queue(scene(state))
    assert [
        (r["position"], r["name"], r["organisation"], r["clarify"], r["person_time"], r["organisation_time"])
        for r in rows
    ] == [(1, "Dev", "Eastgate", True, "0:00", "0:00"), (2, "Ben", "St Mary's", False, "0:30", "2:00")]


def test_my_floor_shows_a_participants_own_hand_and_place():
    state, ana, _ben, cat, _dev = three_orgs()
    raise_hand(state, cat, T0)
    raise_hand(state, ana, T0 + SEC, kind="clarify")
    assert views.my_floor(scene(state), person(cat))["position"] == 2
    mine = views.my_floor(scene(state), person(ana))
    assert (mine["raised"], mine["clarify"], mine["position"], mine["speaking"]) == (True, True, 1, None)
    give(state, T0 + 2 * SEC)
    mine = views.my_floor(scene(state), person(ana))
    assert mine["raised"] is False and mine["speaking"]["id"] == ana


def test_api_view_gives_totals_per_person_organisation_and_item():
    state, ana, _ben, cat, _dev = three_orgs()
    item = start_item(state, "Discharge lounge", T0)
    speak(state, ana, T0, T0 + MIN)
    speak(state, cat, T0 + MIN, T0 + 3 * MIN)
    view = views.api_view(scene(state), FACILITATOR)
    assert view["by_person"] == {ana: MIN, cat: 2 * MIN}
    assert view["by_organisation"] == {"St Mary's": MIN, "Northfield": 2 * MIN}
    assert view["by_item"] == {item: 3 * MIN}
    assert view["balance"] == pytest.approx(acc.balance([0, 2 * MIN, MIN]))
    assert view["turns"] == [
        {"speaker": ana, "organisation": "St Mary's", "item_id": item, "started_at": T0, "ended_at": T0 + MIN},
        {
            "speaker": cat,
            "organisation": "Northfield",
            "item_id": item,
            "started_at": T0 + MIN,
            "ended_at": T0 + 3 * MIN,
        },
    ]
    public = views.api_view(scene(state), person(ana))
    assert "by_person" not in public and "turns" not in public


def test_chair_is_empty_when_rotation_is_off():
    state, *_ = three_orgs()
    start_item(state, "One", T0)
    assert views.chair(scene(state)) == ""
    assert views.voice(scene(state))["chair"] == ""


def test_chair_is_empty_with_rotation_on_but_no_item_running():
    state, *_ = three_orgs()
    configure(state, rotate_chair=True)
    assert views.chair(scene(state)) == ""


def test_chair_rotates_across_started_items():
    state, *_ = three_orgs()
    configure(state, rotate_chair=True)
    chairs = []
    for i, title in enumerate(["One", "Two", "Three", "Four"]):
        start_item(state, title, T0 + i * 20 * MIN)
        chairs.append(views.chair(scene(state)))
    assert chairs == ["Eastgate", "Northfield", "St Mary's", "Eastgate"]


def test_chair_follows_the_peer_group_when_one_is_set():
    state = room_with(people=[("Ana", "Zeta")], organisations=["Zeta", "Alpha"]).state
    configure(state, rotate_chair=True)
    chairs = []
    for i, title in enumerate(["One", "Two", "Three"]):
        start_item(state, title, T0 + i * 20 * MIN)
        chairs.append(views.chair(scene(state)))
    assert chairs == [state.organisations[0], state.organisations[1], state.organisations[0]]


# -- budgets -----------------------------------------------------------------------


def test_budget_divides_the_minutes_between_organisations_present():
    state, *_ = three_orgs()
    events = run(state, FACILITATOR, {"type": "budget.start", "minutes": 15}, T0)
    assert types(events) == ["budget.started"]
    budget = floor(state).budget
    assert budget.organisations == ["Eastgate", "Northfield", "St Mary's"]
    assert budget.per_organisation_ms == 5 * MIN and budget.started_at == T0 and budget.item_id is None
    for name in budget.organisations:
        assert acc.budget_left(floor(state), name) == 5 * MIN


def test_budget_leaves_out_removed_participants_orgs_and_records_the_item():
    state, _ana, _ben, _cat, dev = three_orgs()
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": dev}, T0 - MIN)
    item = start_item(state, "Discussion", T0)
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 10}, T0 + 1)
    budget = floor(state).budget
    assert budget.organisations == ["Northfield", "St Mary's"] and budget.per_organisation_ms == 5 * MIN
    assert budget.item_id == item


def test_budget_with_nobody_present_is_refused():
    state = room_with().state
    assert refusal(state, FACILITATOR, {"type": "budget.start", "minutes": 10}).status == 409


def test_budget_counts_only_turns_since_it_started_and_goes_negative_when_overrun():
    state, ana, ben, _cat, _dev = three_orgs()
    speak(state, ana, T0 - 5 * MIN, T0 - 2 * MIN)  # before the budget: not counted
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)  # 2 min each
    speak(state, ana, T0 + MIN, T0 + 2 * MIN)
    speak(state, FACILITATOR_ID, T0 + 2 * MIN, T0 + 10 * MIN)  # the facilitator spends no one's budget
    f = floor(state)
    assert acc.budget_left(f, "St Mary's") == MIN
    speak(state, ben, T0 + 10 * MIN, T0 + 11 * MIN + 30 * SEC)
    f = floor(state)
    assert acc.budget_used(f, "St Mary's") == 2 * MIN + 30 * SEC
    assert acc.budget_left(f, "St Mary's") == -30 * SEC
    assert acc.budget_left(f, "Northfield") == 2 * MIN
    rows = {r["name"]: r for r in views.budget(scene(state))["rows"]}
    assert (
        rows["St Mary's"]["left"] == -30 * SEC and rows["St Mary's"]["shown"] == "+0:30"
    )  # overrun, as clocks show it
    assert rows["Northfield"]["left"] == 2 * MIN


def test_a_turn_under_way_when_the_budget_starts_counts_from_that_moment():
    state, ana, *_ = three_orgs()
    give(state, T0 - MIN, ana)
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)  # 2 min each
    f = floor(state)
    assert acc.budget_left(f, "St Mary's", now=T0 + 30 * SEC) == 90 * SEC
    row = next(r for r in views.budget(scene(state))["rows"] if r["name"] == "St Mary's")
    assert row["deadline"] == T0 + 2 * MIN  # counts down from the budget's start, not the turn's


def test_budget_left_counts_a_live_turn_up_to_now():
    state, ana, *_ = three_orgs()
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)
    give(state, T0 + MIN, ana)
    f = floor(state)
    assert acc.budget_left(f, "St Mary's") == 2 * MIN
    assert acc.budget_left(f, "St Mary's", now=T0 + 2 * MIN + 15 * SEC) == 45 * SEC
    row = next(r for r in views.budget(scene(state))["rows"] if r["name"] == "St Mary's")
    assert row["deadline"] == T0 + MIN + 2 * MIN


def test_the_facilitator_adds_time_to_one_organisation():
    state, *_ = three_orgs()
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)
    events = run(state, FACILITATOR, {"type": "budget.add", "organisation": "Northfield", "minutes": 1.5}, T0 + 1)
    assert events[0].data == {"organisation": "Northfield", "delta_ms": 90 * SEC}
    run(state, FACILITATOR, {"type": "budget.add", "organisation": "Northfield", "minutes": -0.5}, T0 + 2)
    f = floor(state)
    assert acc.budget_left(f, "Northfield") == 3 * MIN
    assert acc.budget_left(f, "Eastgate") == acc.budget_left(f, "St Mary's") == 2 * MIN


def test_budget_add_for_an_unknown_organisation_or_without_a_budget_is_refused():
    state, *_ = three_orgs()
    raw = {"type": "budget.add", "organisation": "Northfield", "minutes": 1}
    assert refusal(state, FACILITATOR, raw).status == 409
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)
    assert refusal(state, FACILITATOR, {**raw, "organisation": "Nowhere"}).status == 404
    assert refusal(state, FACILITATOR, {**raw, "minutes": 0}).status == 400


def test_budget_clear():
    state, *_ = three_orgs()
    assert refusal(state, FACILITATOR, {"type": "budget.clear"}).status == 409
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)
    assert types(run(state, FACILITATOR, {"type": "budget.clear"}, T0 + MIN)) == ["budget.cleared"]
    assert floor(state).budget is None
    assert views.budget(scene(state))["active"] is False
    assert refusal(state, FACILITATOR, {"type": "budget.clear"}, T0 + 2 * MIN).status == 409


def test_a_new_budget_starts_afresh():
    state, ana, *_ = three_orgs()
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 6}, T0)
    speak(state, ana, T0, T0 + 5 * MIN)
    run(state, FACILITATOR, {"type": "budget.add", "organisation": "St Mary's", "minutes": 3}, T0 + 5 * MIN)
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 9}, T0 + 6 * MIN)
    assert acc.budget_left(floor(state), "St Mary's") == 3 * MIN
    assert floor(state).budget.extra_ms == {}


# -- roles -------------------------------------------------------------------------


STAFF_ONLY = [
    ({"type": "floor.give"}, "give the floor"),
    ({"type": "floor.stop"}, "end a turn"),
    ({"type": "floor.configure", "order": "person"}, "change the floor settings"),
    ({"type": "budget.start", "minutes": 10}, "set speaking budgets"),
    ({"type": "budget.add", "organisation": "Northfield", "minutes": 1}, "change speaking budgets"),
    ({"type": "budget.clear"}, "change speaking budgets"),
]


@pytest.mark.parametrize("raw, action", STAFF_ONLY)
@pytest.mark.parametrize("who", ["participant", "scribe", "screen"])
def test_only_the_facilitator_gives_ends_and_configures_the_floor(raw, action, who):
    state, ana, *_ = three_orgs()
    actor = {"participant": person(ana), "scribe": SCRIBE, "screen": SCREEN}[who]
    error = refusal(state, actor, raw)
    assert error.status == 403 and error.message == f"Only the facilitator can {action}."


@pytest.mark.parametrize("actor", [FACILITATOR, SCRIBE, SCREEN])
def test_only_a_participant_can_raise_a_hand(actor):
    state, *_ = three_orgs()
    error = refusal(state, actor, {"type": "hand.raise"})
    assert error.status == 403 and error.message == "Only a participant can raise a hand."


@pytest.mark.parametrize("actor", [SCRIBE, SCREEN])
def test_scribe_and_screen_cannot_lower_hands(actor):
    state, ana, *_ = three_orgs()
    raise_hand(state, ana, T0)
    error = refusal(state, actor, {"type": "hand.lower", "participant_id": ana})
    assert error.status == 403 and error.message.startswith("Only the facilitator")


def test_nothing_on_the_floor_changes_after_the_exchange_ended():
    state, ana, *_ = three_orgs()
    raise_hand(state, ana, T0)
    run(state, FACILITATOR, {"type": "room.end"}, T0 + MIN)
    assert refusal(state, person(ana), {"type": "hand.raise"}).status == 409
    assert refusal(state, FACILITATOR, {"type": "floor.give"}).status == 409


# -- purity ------------------------------------------------------------------------


def test_decide_never_mutates_the_state():
    state, ana, ben, cat, dev = three_orgs()
    item = start_item(state, "Discussion", T0)
    run(state, FACILITATOR, {"type": "budget.start", "minutes": 9}, T0)
    raise_hand(state, ana, T0 + SEC)
    raise_hand(state, cat, T0 + 2 * SEC, kind="clarify")
    give(state, T0 + 3 * SEC, dev)
    commands = [
        (person(ben), {"type": "hand.raise"}),
        (person(ana), {"type": "hand.raise"}),
        (person(ana), {"type": "hand.lower"}),
        (FACILITATOR, {"type": "hand.lower", "participant_id": cat}),
        (FACILITATOR, {"type": "floor.give"}),
        (FACILITATOR, {"type": "floor.give", "speaker": ben}),
        (FACILITATOR, {"type": "floor.give", "speaker": FACILITATOR_ID}),
        (FACILITATOR, {"type": "floor.stop"}),
        (FACILITATOR, {"type": "floor.configure", "order": "organisation", "rotate_chair": True}),
        (FACILITATOR, {"type": "budget.start", "minutes": 3}),
        (FACILITATOR, {"type": "budget.add", "organisation": "Eastgate", "minutes": 2}),
        (FACILITATOR, {"type": "budget.clear"}),
    ]
    for actor, raw in commands:
        before = copy.deepcopy(state)
        RULES.decide(state, actor, RULES.parse(raw), context(state, T0 + MIN))
        assert state == before, raw
    assert floor(state).current.item_id == item


def test_the_same_decision_for_the_same_state_and_time():
    state, ana, _ben, cat, _dev = three_orgs()
    raise_hand(state, ana, T0)
    raise_hand(state, cat, T0 + SEC)
    first = decide(state, FACILITATOR, {"type": "floor.give"}, T0 + MIN)
    second = decide(copy.deepcopy(state), FACILITATOR, {"type": "floor.give"}, T0 + MIN)
    assert first == second
