"""Pure tests of the poll rules: prepare, run and answer polls, who may do what, who sees what.

decide and apply with the time passed in through the Context; no I/O, no clock.
"""

import json

import pytest

from facilitator.polls import views
from facilitator.polls.model import WITH_OPTIONS, Poll, Polls, polls_of
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene
from tests.pure import FACILITATOR, KEY, MIN, SCREEN, SCRIBE, SEC, T0, decide, person, refusal, room_with, run, types

QUESTION = "Which change should we try first?"
OPTIONS = ["Discharge lounge", "Pharmacy first", "Ward rounds"]
PEOPLE = [
    ("Ana Lopez", "St Mary's"),
    ("Ben Okafor", "Northfield Trust"),
    ("Cat Ward", "Eastgate Care"),
    ("Dev Patel", "Riverside Health"),
    ("Eva Novak", "St Mary's"),
]


# -- helpers ---------------------------------------------------------------


def voter(pid: str, poll_id: str) -> str:
    """Where a person's answer to a poll is filed."""
    return person(pid).pseudonym(f"poll:{poll_id}")


def polls(state: RoomState) -> Polls:
    return polls_of(state)


def poll(state: RoomState, poll_id: str) -> Poll:
    return polls_of(state).polls[poll_id]


def create(state: RoomState, kind: str = "single", now: int = T0 - MIN, **fields) -> str:
    """A poll written by the facilitator (a draft unless open=True); options given for kinds that need them."""
    raw = {"type": "poll.create", "kind": kind, "question": QUESTION, **fields}
    if kind in WITH_OPTIONS:
        raw.setdefault("options", OPTIONS)
    return run(state, FACILITATOR, raw, now)[0].data["poll_id"]


def opened(state: RoomState, kind: str = "single", now: int = T0 - MIN, **fields) -> str:
    return create(state, kind, now, open=True, **fields)


def manage(state: RoomState, type_: str, poll_id: str, now: int = T0, **fields) -> list[Event]:
    return run(state, FACILITATOR, {"type": type_, "poll_id": poll_id, **fields}, now)


def answer(state: RoomState, pid: str, poll_id: str, now: int = T0 + SEC, **fields) -> list[Event]:
    return run(state, person(pid), {"type": "poll.answer", "poll_id": poll_id, **fields}, now)


def answering(pid: str, poll_id: str, **fields) -> tuple[Actor, dict]:
    return person(pid), {"type": "poll.answer", "poll_id": poll_id, **fields}


def add_item(state: RoomState, title: str, now: int = T0 - 5 * MIN) -> str:
    events = run(state, FACILITATOR, {"type": "agenda.add", "kind": "discussion", "title": title, "minutes": 10}, now)
    return events[0].data["item"]["id"]


def start_item(state: RoomState, title: str, now: int = T0 - 2 * MIN) -> str:
    item_id = add_item(state, title, now - 1)
    run(state, FACILITATOR, {"type": "timer.start", "item_id": item_id}, now)
    return item_id


def scene(state: RoomState) -> Scene:
    return Scene(state, frozenset())


# -- form-shaped input -----------------------------------------------------


def test_a_single_checked_box_arrives_as_a_string_and_counts_as_one_pick():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "multiple")
    events = answer(state, ana, poll_id, choices="1")
    assert events[0].data["value"] == [1]
    assert poll(state, poll_id).answers[voter(ana, poll_id)].value == [1]


def test_several_checked_boxes_arrive_as_a_list_of_numeric_strings():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "multiple")
    answer(state, ana, poll_id, choices=["2", "0"])
    assert poll(state, poll_id).answers[voter(ana, poll_id)].value == [0, 2]


def test_numeric_strings_are_accepted_for_every_kind_that_takes_numbers():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    single, scale = opened(state, "single"), opened(state, "scale", scale_max="10")
    ranking, matrix = opened(state, "ranking"), opened(state, "matrix", options=["Lounge"])
    answer(state, ana, single, choice="2")
    answer(state, ana, scale, value="9")
    answer(state, ana, ranking, order=["2", "0", "1"])
    answer(state, ana, matrix, impact="4", effort="2")  # one option: one range input each
    assert poll(state, single).answers[voter(ana, single)].value == [2]
    assert poll(state, scale).answers[voter(ana, scale)].value == 9
    assert poll(state, ranking).answers[voter(ana, ranking)].value == [2, 0, 1]
    assert poll(state, matrix).answers[voter(ana, matrix)].value == {"impact": [4], "effort": [2]}


def test_the_scale_chosen_in_a_select_arrives_as_text_and_is_accepted():
    state = room_with().state
    ten = create(state, "scale", scale_max="10")
    five = create(state, "scale", scale_max="5", max_choices="", options="")  # the whole form, as sent
    assert (poll(state, ten).scale_max, poll(state, five).scale_max) == (10, 5)
    assert (
        refusal(
            state, FACILITATOR, {"type": "poll.create", "kind": "scale", "question": "Q?", "scale_max": "7"}
        ).message
        == "scale_max: Input should be 5 or 10."
    )


def test_options_typed_one_per_line_become_a_list_with_blank_lines_dropped():
    state = room_with().state
    poll_id = create(state, "single", options="Discharge lounge\n\n   \r\n  Pharmacy   first \nWard rounds\n")
    assert poll(state, poll_id).options == ["Discharge lounge", "Pharmacy first", "Ward rounds"]


def test_words_typed_in_one_box_arrive_as_a_string_and_blank_boxes_are_ignored():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "words")
    answer(state, ana, poll_id, words="Flow")
    answer(state, ben, poll_id, words=["Lean", "", "  "])
    assert poll(state, poll_id).answers[voter(ana, poll_id)].value == ["Flow"]
    assert poll(state, poll_id).answers[voter(ben, poll_id)].value == ["Lean"]


def test_an_empty_most_picks_box_means_any_number_of_picks():
    state = room_with().state
    poll_id = create(state, "multiple", max_choices="")
    assert poll(state, poll_id).max_choices == 0


# -- vote replacement ------------------------------------------------------


def test_a_second_answer_by_the_same_person_replaces_the_first():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ana, poll_id, choice=0, now=T0 + SEC)
    events = answer(state, ana, poll_id, choice=2, now=T0 + 2 * SEC)
    assert types(events) == ["poll.answered"]
    the_poll = poll(state, poll_id)
    assert list(the_poll.answers) == [voter(ana, poll_id)]
    assert (the_poll.answers[voter(ana, poll_id)].value, the_poll.answers[voter(ana, poll_id)].at) == (
        [2],
        T0 + 2 * SEC,
    )
    assert [(bar.count, bar.percent) for bar in views.tally.choice_bars(the_poll)] == [(0, 0), (0, 0), (1, 100)]
    assert views.answered(scene(state), the_poll)["answered"] == 1


def test_the_same_answer_again_produces_no_event():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    single, multiple = opened(state, "single"), opened(state, "multiple")
    answer(state, ana, single, choice=1)
    answer(state, ana, multiple, choices=[2, 0])
    assert answer(state, ana, single, choice="1", now=T0 + 5 * SEC) == []
    assert answer(state, ana, multiple, choices=[0, 2, 2], now=T0 + 5 * SEC) == []  # same picks, other order
    assert poll(state, single).answers[voter(ana, single)].at == T0 + SEC


def test_two_different_people_count_twice():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ana, poll_id, choice=1)
    answer(state, ben, poll_id, choice=1)
    the_poll = poll(state, poll_id)
    assert len(the_poll.answers) == 2
    assert [bar.count for bar in views.tally.choice_bars(the_poll)] == [0, 2, 0]
    assert views.answered(scene(state), the_poll) == {"answered": 2, "present": 2}


# -- pseudonyms ------------------------------------------------------------


def test_an_answer_is_filed_under_the_voters_pseudonym_for_that_poll():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    events = answer(state, ana, poll_id, choice=0)
    assert events[0].data == {"poll_id": poll_id, "voter": voter(ana, poll_id), "value": [0]}
    assert ana not in poll(state, poll_id).answers
    assert list(poll(state, poll_id).answers) == [voter(ana, poll_id)]


def test_the_pseudonym_differs_between_two_polls_for_the_same_person():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    first, second = opened(state, "single"), opened(state, "single")
    answer(state, ana, first, choice=0)
    answer(state, ana, second, choice=0)
    (in_first,), (in_second,) = poll(state, first).answers, poll(state, second).answers
    assert in_first == voter(ana, first) and in_second == voter(ana, second)
    assert in_first != in_second


def test_two_people_have_different_pseudonyms_in_the_same_poll():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    assert voter(ana, poll_id) != voter(ben, poll_id)


def test_no_poll_event_carries_a_participant_id_a_name_or_an_organisation():
    state, pids = room_with(people=PEOPLE)
    start_item(state, "Discharge planning")
    events = []

    def step(actor: Actor, raw: dict, now: int) -> None:
        events.extend(run(state, actor, raw, now))

    answers = {
        "single": {"choice": 1},
        "multiple": {"choices": ["0", "2"]},
        "scale": {"value": 4},
        "words": {"words": ["Lean", "flow"]},
        "text": {"text": "Ask pharmacy the day before."},
        "ranking": {"order": [2, 0, 1]},
        "matrix": {"impact": [5, 2, 3], "effort": [1, 4, 3]},
    }
    poll_ids = {}
    for n, kind in enumerate(answers):
        fields = {"options": OPTIONS} if kind in WITH_OPTIONS else {}
        before = len(events)
        step(
            FACILITATOR,
            {"type": "poll.create", "kind": kind, "question": QUESTION, "open": True, **fields},
            T0 + n * MIN,
        )
        poll_ids[kind] = events[before].data["poll_id"]
    for n, pid in enumerate(pids):
        for kind, fields in answers.items():
            step(person(pid), {"type": "poll.answer", "poll_id": poll_ids[kind], **fields}, T0 + 10 * MIN + n)
    single = poll_ids["single"]
    step(person(pids[0]), {"type": "poll.answer", "poll_id": single, "choice": 2}, T0 + 11 * MIN)
    for raw in (
        {"type": "poll.update", "poll_id": single, "question": "Which one first?", "item_id": "none"},
        {"type": "poll.close", "poll_id": single},
        {"type": "poll.reveal", "poll_id": single},
        {"type": "poll.duplicate", "poll_id": single},
        {"type": "poll.open", "poll_id": single},
        {"type": "poll.reset", "poll_id": single, "confirm": True},
        {"type": "poll.screen", "poll_id": poll_ids["words"]},
        {"type": "poll.screen"},
        {"type": "poll.delete", "poll_id": poll_ids["text"], "confirm": True},
        {"type": "poll.survey", "open": True},
    ):
        step(FACILITATOR, raw, T0 + 12 * MIN)
    assert {event.type for event in events} == {
        "poll.created",
        "poll.opened",
        "poll.answered",
        "poll.updated",
        "poll.closed",
        "poll.revealed",
        "poll.reset",
        "poll.screened",
        "poll.deleted",
    }
    assert sum(event.type == "poll.answered" for event in events) == 5 * 7 + 1
    secrets = [*pids, *(name for name, _ in PEOPLE), *(org for _, org in PEOPLE), KEY]
    for event in events:
        logged = json.dumps(event.to_json())
        for secret in secrets:
            assert secret not in logged, (event.type, secret)
    assert all(set(event.data) == {"poll_id", "voter", "value"} for event in events if event.type == "poll.answered")


# -- refusals --------------------------------------------------------------


def test_answering_a_draft_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = create(state, "single")
    error = refusal(state, *answering(ana, poll_id, choice=0))
    assert (error.status, error.message) == (409, "This poll is not open yet.")


def test_answering_a_closed_poll_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    manage(state, "poll.close", poll_id)
    error = refusal(state, *answering(ana, poll_id, choice=0))
    assert (error.status, error.message) == (409, "This poll is closed.")


def test_answering_a_deleted_or_an_unknown_poll_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    manage(state, "poll.delete", poll_id)
    for missing in (poll_id, "no-such-poll"):
        error = refusal(state, *answering(ana, missing, choice=0))
        assert (error.status, error.message) == (404, "There is no such poll; it may have been deleted.")


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("single", {"choice": -1}),
        ("single", {"choice": 3}),
        ("multiple", {"choices": [0, -1]}),
        ("multiple", {"choices": [3]}),
        ("ranking", {"order": [0, 1, 3]}),
        ("ranking", {"order": [-1, 0, 1]}),
    ],
)
def test_an_option_index_out_of_range_is_refused(kind, fields):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, kind)
    error = refusal(state, *answering(ana, poll_id, **fields))
    assert (error.status, error.message) == (400, "That option is not part of this poll.")
    assert poll(state, poll_id).answers == {}


@pytest.mark.parametrize("order", [[0, 0, 1], [0, 1], [2, 1, 0, 1], []])
def test_a_ranking_that_is_not_a_permutation_of_the_options_is_refused(order):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "ranking")
    error = refusal(state, *answering(ana, poll_id, order=order))
    assert error.message == "Put every option in a place, each once."


@pytest.mark.parametrize(
    "fields",
    [
        {"impact": [3, 3], "effort": [3, 3, 3]},
        {"impact": [3, 3, 3], "effort": [3, 3, 3, 3]},
        {"impact": [3, 3, 3]},
        {},
    ],
)
def test_a_matrix_answer_must_place_every_option_on_both_axes(fields):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "matrix")
    error = refusal(state, *answering(ana, poll_id, **fields))
    assert error.message == "Place every option on impact and on effort."


@pytest.mark.parametrize(
    "fields", [{"impact": [0, 3, 3], "effort": [3, 3, 3]}, {"impact": [3, 3, 3], "effort": [3, 6, 3]}]
)
def test_matrix_placements_outside_one_to_five_are_refused(fields):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "matrix")
    error = refusal(state, *answering(ana, poll_id, **fields))
    assert error.message == "Impact and effort go from 1 to 5."


@pytest.mark.parametrize(("scale_max", "value"), [(5, 0), (5, 6), (10, 11), (10, -1), (5, None)])
def test_a_rating_outside_one_to_the_scale_maximum_is_refused(scale_max, value):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "scale", scale_max=scale_max)
    fields = {} if value is None else {"value": value}
    error = refusal(state, *answering(ana, poll_id, **fields))
    assert error.message == f"Choose a rating from 1 to {scale_max}."


def test_the_ends_of_a_scale_are_accepted():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "scale", scale_max=10)
    answer(state, ana, poll_id, value=1)
    answer(state, ben, poll_id, value=10)
    assert sorted(a.value for a in poll(state, poll_id).answers.values()) == [1, 10]


@pytest.mark.parametrize("fields", [{}, {"text": ""}, {"text": "   \n  "}])
def test_an_empty_open_answer_is_refused(fields):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "text")
    assert refusal(state, *answering(ana, poll_id, **fields)).message == "Type an answer first."


@pytest.mark.parametrize("fields", [{}, {"words": []}, {"words": ["", "  ", " "]}, {"words": ""}])
def test_empty_words_are_refused(fields):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "words")
    assert refusal(state, *answering(ana, poll_id, **fields)).message == "Type a word or a short phrase."


def test_a_choice_poll_answered_with_no_pick_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    single, multiple = opened(state, "single"), opened(state, "multiple")
    assert refusal(state, *answering(ana, single)).message == "Pick one option."
    assert refusal(state, *answering(ana, multiple, choices=[])).message == "Pick at least one option."


def test_more_picks_than_allowed_are_refused_and_duplicate_picks_are_folded():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "multiple", max_choices=2)
    assert poll(state, poll_id).max_choices == 2
    assert refusal(state, *answering(ana, poll_id, choices=[0, 1, 2])).message == "Pick at most 2 options."
    answer(state, ana, poll_id, choices=[1, 1, 1, 0])  # two different picks, written four times
    answer(state, ben, poll_id, choices=["2", 2])
    answers = poll(state, poll_id).answers
    assert (answers[voter(ana, poll_id)].value, answers[voter(ben, poll_id)].value) == ([0, 1], [2])


def test_answering_after_the_room_ended_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    run(state, FACILITATOR, {"type": "room.end"}, T0 + MIN)
    error = refusal(state, *answering(ana, poll_id, choice=0))
    assert (error.status, error.message) == (409, "This exchange has ended; its record is read-only.")
    assert refusal(state, FACILITATOR, {"type": "poll.close", "poll_id": poll_id}).status == 409


def test_a_removed_participant_cannot_answer():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0)
    error = refusal(state, *answering(ana, poll_id, choice=0))
    assert (error.status, error.message) == (403, "You are no longer part of this exchange.")


# -- roles -----------------------------------------------------------------


MANAGEMENT = [
    ("poll.create", {"kind": "single", "question": QUESTION, "options": OPTIONS}, "create polls"),
    ("poll.update", {"question": "Which one first?"}, "change polls"),
    ("poll.open", {}, "open polls"),
    ("poll.close", {}, "close polls"),
    ("poll.reset", {"confirm": True}, "reset polls"),
    ("poll.duplicate", {}, "duplicate polls"),
    ("poll.delete", {"confirm": True}, "delete polls"),
    ("poll.reveal", {}, "reveal poll results"),
    ("poll.screen", {}, "choose what the screen shows"),
    ("poll.survey", {"open": True}, "create polls"),
]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.SCRIBE, Role.SCREEN])
@pytest.mark.parametrize(("type_", "fields", "action"), MANAGEMENT, ids=[m[0] for m in MANAGEMENT])
def test_only_the_facilitator_manages_polls(role, type_, fields, action):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    running, closed = opened(state, "single"), opened(state, "single")
    answer(state, ana, running, choice=0)
    answer(state, ana, closed, choice=1)
    manage(state, "poll.close", closed)
    run(state, FACILITATOR, {"type": "poll.screen"}, T0)
    actor = person(ana) if role is Role.PARTICIPANT else Actor(role)
    raw = {"type": type_, **fields}
    if type_ not in ("poll.create", "poll.survey"):
        raw["poll_id"] = closed if type_ == "poll.open" else running
    error = refusal(state, actor, raw)
    assert (error.status, error.message) == (403, f"Only the facilitator can {action}.")
    assert decide(state, FACILITATOR, raw, T0).events  # the same command is the facilitator's to send


@pytest.mark.parametrize("actor", [FACILITATOR, SCRIBE, SCREEN])
def test_only_a_participant_answers_polls(actor):
    state = room_with().state
    poll_id = opened(state, "single")
    error = refusal(state, actor, {"type": "poll.answer", "poll_id": poll_id, "choice": 0})
    assert (error.status, error.message) == (403, "Only a participant can answer polls.")


# -- lifecycle -------------------------------------------------------------


def test_a_new_poll_is_a_draft_with_its_fields_and_the_reply_names_it():
    state = room_with().state
    decision = decide(
        state,
        FACILITATOR,
        {
            "type": "poll.create",
            "kind": "multiple",
            "question": QUESTION,
            "options": OPTIONS,
            "max_choices": 2,
            "visibility": "hidden",
        },
        T0,
    )
    (draft,) = decision.events
    assert draft.type == "poll.created" and decision.reply == {"poll_id": draft.data["poll_id"]}
    assert draft.data == {
        "poll_id": draft.data["poll_id"],
        "kind": "multiple",
        "question": QUESTION,
        "options": OPTIONS,
        "max_choices": 2,
        "scale_max": 5,
        "low_label": "",
        "high_label": "",
        "visibility": "hidden",
        "item_id": None,
    }
    poll_id = create(state, "multiple", now=T0, options=OPTIONS, max_choices=2, visibility="hidden")
    the_poll = poll(state, poll_id)
    assert (the_poll.status, the_poll.created_at, the_poll.opened_at, the_poll.answers) == ("draft", T0, None, {})
    assert polls(state).on_screen is None


def test_a_poll_created_open_is_opened_at_once_and_goes_on_the_screen():
    state = room_with().state
    events = run(
        state, FACILITATOR, {"type": "poll.create", "kind": "scale", "question": "How useful?", "open": True}, T0
    )
    assert types(events) == ["poll.created", "poll.opened"]
    poll_id = events[0].data["poll_id"]
    assert (poll(state, poll_id).status, poll(state, poll_id).opened_at) == ("open", T0)
    assert polls(state).on_screen == poll_id


def test_open_close_and_reopen_keep_the_answers():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = create(state, "single")
    manage(state, "poll.open", poll_id, now=T0)
    answer(state, ana, poll_id, choice=0, now=T0 + SEC)
    answer(state, ben, poll_id, choice=1, now=T0 + 2 * SEC)
    manage(state, "poll.close", poll_id, now=T0 + MIN)
    the_poll = poll(state, poll_id)
    assert (the_poll.status, the_poll.opened_at, the_poll.closed_at) == ("closed", T0, T0 + MIN)
    assert len(the_poll.answers) == 2
    manage(state, "poll.open", poll_id, now=T0 + 2 * MIN)
    the_poll = poll(state, poll_id)
    assert (the_poll.status, the_poll.opened_at, the_poll.closed_at) == ("open", T0 + 2 * MIN, None)
    assert {v: a.value for v, a in the_poll.answers.items()} == {voter(ana, poll_id): [0], voter(ben, poll_id): [1]}
    answer(state, ana, poll_id, choice=1, now=T0 + 3 * MIN)  # and they may still change it
    assert [bar.count for bar in views.tally.choice_bars(poll(state, poll_id))] == [0, 2, 0]


def test_opening_an_open_poll_or_closing_one_that_is_not_open_is_refused():
    state = room_with().state
    poll_id = create(state, "single")
    assert refusal(state, FACILITATOR, {"type": "poll.close", "poll_id": poll_id}).message == "This poll is not open."
    manage(state, "poll.open", poll_id)
    error = refusal(state, FACILITATOR, {"type": "poll.open", "poll_id": poll_id})
    assert (error.status, error.message) == (409, "This poll is already open.")
    manage(state, "poll.close", poll_id)
    assert refusal(state, FACILITATOR, {"type": "poll.close", "poll_id": poll_id}).status == 409


def test_managing_an_unknown_poll_is_refused_as_not_found():
    state = room_with().state
    for type_ in (
        "poll.update",
        "poll.open",
        "poll.close",
        "poll.reset",
        "poll.duplicate",
        "poll.delete",
        "poll.reveal",
        "poll.screen",
    ):
        raw = {"type": type_, "poll_id": "no-such-poll"} | ({"question": "Q?"} if type_ == "poll.update" else {})
        assert refusal(state, FACILITATOR, raw).status == 404, type_


def test_reset_asks_for_confirmation_when_there_are_answers_then_clears_them():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ana, poll_id, choice=0)
    answer(state, ben, poll_id, choice=0)
    error = refusal(state, FACILITATOR, {"type": "poll.reset", "poll_id": poll_id})
    assert (error.status, error.message) == (409, "This poll has 2 answers; confirm to reset it.")
    assert types(manage(state, "poll.reset", poll_id, confirm=True)) == ["poll.reset"]
    assert poll(state, poll_id).answers == {}
    assert poll(state, poll_id).status == "open"  # still running, ready for fresh answers
    answer(state, ana, poll_id, choice=1)
    assert [bar.count for bar in views.tally.choice_bars(poll(state, poll_id))] == [0, 1, 0]


def test_reset_with_one_answer_says_answer_and_with_none_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    error = refusal(state, FACILITATOR, {"type": "poll.reset", "poll_id": poll_id, "confirm": True})
    assert (error.status, error.message) == (409, "This poll has no answers to reset.")
    answer(state, ana, poll_id, choice=0)
    error = refusal(state, FACILITATOR, {"type": "poll.reset", "poll_id": poll_id})
    assert error.message == "This poll has 1 answer; confirm to reset it."


def test_delete_asks_for_confirmation_when_there_are_answers_and_takes_the_poll_off_the_screen():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ana, poll_id, choice=0)
    assert polls(state).on_screen == poll_id
    error = refusal(state, FACILITATOR, {"type": "poll.delete", "poll_id": poll_id})
    assert (error.status, error.message) == (409, "This poll has 1 answer; confirm to delete it.")
    assert types(manage(state, "poll.delete", poll_id, confirm=True)) == ["poll.deleted"]
    assert poll_id not in polls(state).polls
    assert polls(state).on_screen is None


def test_a_poll_with_no_answers_is_deleted_without_confirmation_and_the_screen_keeps_its_poll():
    state = room_with().state
    shown, draft = opened(state, "single"), create(state, "text")
    manage(state, "poll.delete", draft)
    assert list(polls(state).polls) == [shown]
    assert polls(state).on_screen == shown


def test_duplicate_copies_the_question_options_and_settings_as_a_new_draft_with_no_answers():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    item_id = add_item(state, "Discharge planning")
    poll_id = opened(state, "multiple", options=OPTIONS, max_choices=2, visibility="on_close", item_id=item_id)
    answer(state, ana, poll_id, choices=[0, 1])
    manage(state, "poll.reveal", poll_id)
    manage(state, "poll.close", poll_id)
    events = manage(state, "poll.duplicate", poll_id, now=T0 + MIN)
    assert types(events) == ["poll.created"]
    copy_id = events[0].data["poll_id"]
    assert copy_id != poll_id and list(polls(state).polls) == [poll_id, copy_id]
    original, copy = poll(state, poll_id), poll(state, copy_id)
    for field in (
        "kind",
        "question",
        "options",
        "max_choices",
        "scale_max",
        "low_label",
        "high_label",
        "item_id",
        "visibility",
    ):
        assert getattr(copy, field) == getattr(original, field), field
    assert (copy.options, copy.max_choices, copy.visibility, copy.item_id) == (OPTIONS, 2, "on_close", item_id)
    assert (copy.status, copy.answers, copy.revealed, copy.created_at, copy.opened_at) == (
        "draft",
        {},
        False,
        T0 + MIN,
        None,
    )
    assert polls(state).on_screen == poll_id
    assert len(poll(state, poll_id).answers) == 1  # the original keeps its answers


def test_a_scale_is_duplicated_with_its_range_and_labels():
    state = room_with().state
    poll_id = create(state, "scale", scale_max=10, low_label="not at all", high_label="completely")
    copy_id = manage(state, "poll.duplicate", poll_id)[0].data["poll_id"]
    copy = poll(state, copy_id)
    assert (copy.kind, copy.scale_max, copy.low_label, copy.high_label) == ("scale", 10, "not at all", "completely")


def test_opening_a_poll_puts_it_on_the_screen_in_place_of_the_one_shown():
    state = room_with().state
    first, second = create(state, "single"), create(state, "text")
    manage(state, "poll.open", first)
    assert polls(state).on_screen == first
    manage(state, "poll.open", second)
    assert polls(state).on_screen == second
    assert [p.id for p in polls(state).open()] == [first, second]


def test_poll_screen_shows_a_chosen_poll_and_with_no_poll_id_clears_the_screen():
    state = room_with().state
    first, second = opened(state, "single"), create(state, "text")
    assert types(manage(state, "poll.screen", second)) == ["poll.screened"]
    assert polls(state).on_screen == second
    events = run(state, FACILITATOR, {"type": "poll.screen"}, T0)
    assert events[0].data == {"poll_id": None} and polls(state).on_screen is None
    assert poll(state, first).status == "open"  # clearing the screen does not close anything
    error = refusal(state, FACILITATOR, {"type": "poll.screen", "poll_id": ""})  # a blank id: no poll
    assert (error.status, error.message) == (409, "The screen already shows that.")
    manage(state, "poll.screen", first)
    assert refusal(state, FACILITATOR, {"type": "poll.screen", "poll_id": first}).status == 409


def test_update_changes_the_question_even_once_there_are_answers():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ana, poll_id, choice=0)
    events = manage(state, "poll.update", poll_id, question="Which change first?", visibility="hidden")
    assert events[0].data == {"poll_id": poll_id, "question": "Which change first?", "visibility": "hidden"}
    the_poll = poll(state, poll_id)
    assert (the_poll.question, the_poll.visibility, the_poll.options) == ("Which change first?", "hidden", OPTIONS)
    assert len(the_poll.answers) == 1


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("single", {"options": ["A", "B"]}),
        ("multiple", {"max_choices": 1}),
        ("scale", {"scale_max": 10}),
    ],
)
def test_update_refuses_to_reshape_a_poll_that_has_answers(kind, fields):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, kind)
    answer(
        state,
        ana,
        poll_id,
        **({"value": 3} if kind == "scale" else {"choice": 0} if kind == "single" else {"choices": [0]}),
    )
    error = refusal(state, FACILITATOR, {"type": "poll.update", "poll_id": poll_id, "question": "New?", **fields})
    assert error.status == 409
    assert error.message == (
        "This poll has answers: its options and scale can no longer change. Reset it first, or duplicate it."
    )


def test_update_with_the_same_options_is_allowed_on_a_poll_with_answers():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ana, poll_id, choice=0)
    events = manage(state, "poll.update", poll_id, question="New?", options=OPTIONS)
    assert events[0].data["question"] == "New?"
    assert len(poll(state, poll_id).answers) == 1


def test_update_reshapes_a_poll_with_no_answers():
    state = room_with().state
    poll_id = create(state, "multiple", max_choices=2)
    manage(state, "poll.update", poll_id, options="Lounge\nPharmacy\nRounds\nTransport", max_choices=3)
    the_poll = poll(state, poll_id)
    assert (the_poll.options, the_poll.max_choices) == (["Lounge", "Pharmacy", "Rounds", "Transport"], 3)
    scale_id = create(state, "scale")
    manage(state, "poll.update", scale_id, scale_max="10", low_label="never", high_label="always")
    scale = poll(state, scale_id)
    assert (scale.scale_max, scale.low_label, scale.high_label) == (10, "never", "always")


def test_update_with_nothing_to_change_is_refused():
    state = room_with().state
    poll_id = create(state, "single")
    assert refusal(state, FACILITATOR, {"type": "poll.update", "poll_id": poll_id}).message == "Nothing to change."


@pytest.mark.parametrize(
    "options", [["Lean", "lean"], ["Discharge lounge", "DISCHARGE  LOUNGE", "Pharmacy"], "Flow\nKanban\nflow"]
)
def test_options_must_be_distinct_ignoring_case(options):
    state = room_with().state
    error = refusal(
        state, FACILITATOR, {"type": "poll.create", "kind": "single", "question": QUESTION, "options": options}
    )
    assert (error.status, error.message) == (400, "Two options are the same; make each one different.")
    poll_id = create(state, "single")
    error = refusal(state, FACILITATOR, {"type": "poll.update", "poll_id": poll_id, "options": options})
    assert error.message == "Two options are the same; make each one different."


@pytest.mark.parametrize(
    ("kind", "name"), [("single", "single choice"), ("multiple", "multiple choice"), ("ranking", "ranking")]
)
def test_a_choice_or_ranking_poll_needs_two_options(kind, name):
    state = room_with().state
    for options in (["Only one"], [], "\n \n"):
        error = refusal(
            state, FACILITATOR, {"type": "poll.create", "kind": kind, "question": QUESTION, "options": options}
        )
        assert error.message == f"A {name} poll needs at least 2 options, one per line."
    poll_id = create(state, kind, options=["One", "Two"])
    assert poll(state, poll_id).options == ["One", "Two"]
    error = refusal(state, FACILITATOR, {"type": "poll.update", "poll_id": poll_id, "options": ["One"]})
    assert error.message == f"A {name} poll needs at least 2 options, one per line."


def test_a_matrix_needs_one_option():
    state = room_with().state
    error = refusal(state, FACILITATOR, {"type": "poll.create", "kind": "matrix", "question": QUESTION})
    assert error.message == "An impact and effort poll needs at least one option to place."
    poll_id = create(state, "matrix", options=["Discharge lounge"])
    assert poll(state, poll_id).options == ["Discharge lounge"]


def test_kinds_without_options_drop_any_options_and_most_picks():
    state = room_with().state
    for kind in ("scale", "words", "text"):
        poll_id = create(state, kind, options=OPTIONS, max_choices=2)
        assert (poll(state, poll_id).options, poll(state, poll_id).max_choices) == ([], 0), kind


def test_most_picks_is_kept_only_when_it_limits_a_multiple_choice_poll():
    state = room_with().state
    assert poll(state, create(state, "multiple", max_choices=2)).max_choices == 2
    assert poll(state, create(state, "multiple", max_choices=3)).max_choices == 0  # 3 of 3: no limit
    assert poll(state, create(state, "single", max_choices=2)).max_choices == 0
    assert (
        refusal(
            state,
            FACILITATOR,
            {"type": "poll.create", "kind": "multiple", "question": QUESTION, "options": OPTIONS, "max_choices": -1},
        ).status
        == 400
    )


def test_a_poll_belongs_by_default_to_the_agenda_item_running_when_it_is_created():
    state = room_with().state
    assert poll(state, create(state, "single")).item_id is None  # nothing running yet
    running = start_item(state, "Discharge planning")
    later = add_item(state, "Wrap-up", now=T0 - MIN)
    assert poll(state, create(state, "single")).item_id == running
    assert poll(state, create(state, "single", item_id="")).item_id == running  # the form's blank choice
    assert poll(state, create(state, "single", item_id=later)).item_id == later
    assert poll(state, create(state, "single", item_id="none")).item_id is None


def test_an_unknown_agenda_item_is_refused():
    state = room_with().state
    error = refusal(
        state, FACILITATOR, {"type": "poll.create", "kind": "text", "question": QUESTION, "item_id": "no-such-item"}
    )
    assert (error.status, error.message) == (404, "That agenda item does not exist.")
    poll_id = create(state, "text")
    error = refusal(state, FACILITATOR, {"type": "poll.update", "poll_id": poll_id, "item_id": "no-such-item"})
    assert (error.status, error.message) == (404, "That agenda item does not exist.")


def test_update_moves_a_poll_to_another_item_or_detaches_it():
    state = room_with().state
    running = start_item(state, "Discharge planning")
    other = add_item(state, "Wrap-up", now=T0 - MIN)
    poll_id = create(state, "text")
    manage(state, "poll.update", poll_id, item_id=other)
    assert poll(state, poll_id).item_id == other
    events = manage(state, "poll.update", poll_id, item_id="none")
    assert events[0].data == {"poll_id": poll_id, "item_id": None}
    assert poll(state, poll_id).item_id is None
    assert running != other


# -- visibility ------------------------------------------------------------


def test_live_results_are_shown_in_every_status():
    state = room_with().state
    poll_id = create(state, "single")
    assert poll(state, poll_id).results_shown
    manage(state, "poll.open", poll_id)
    assert poll(state, poll_id).results_shown
    manage(state, "poll.close", poll_id)
    assert poll(state, poll_id).results_shown


def test_hidden_results_are_shown_only_once_revealed():
    state = room_with().state
    poll_id = opened(state, "single", visibility="hidden")
    assert not poll(state, poll_id).results_shown
    manage(state, "poll.close", poll_id)
    assert not poll(state, poll_id).results_shown  # closing does not reveal
    events = manage(state, "poll.reveal", poll_id)
    assert events[0].data == {"poll_id": poll_id, "shown": True}
    assert poll(state, poll_id).results_shown
    manage(state, "poll.reveal", poll_id, shown=False)
    assert not poll(state, poll_id).results_shown


def test_results_shown_on_close_appear_once_closed_or_revealed():
    state = room_with().state
    poll_id = opened(state, "single", visibility="on_close")
    assert not poll(state, poll_id).results_shown
    manage(state, "poll.close", poll_id)
    assert poll(state, poll_id).results_shown
    manage(state, "poll.open", poll_id)
    assert not poll(state, poll_id).results_shown  # reopened: hidden again while voting
    manage(state, "poll.reveal", poll_id, shown="true")
    assert poll(state, poll_id).results_shown


def test_revealing_twice_or_hiding_what_is_hidden_is_refused():
    state = room_with().state
    poll_id = opened(state, "single", visibility="hidden")
    error = refusal(state, FACILITATOR, {"type": "poll.reveal", "poll_id": poll_id, "shown": False})
    assert (error.status, error.message) == (409, "The results are already hidden.")
    manage(state, "poll.reveal", poll_id)
    error = refusal(state, FACILITATOR, {"type": "poll.reveal", "poll_id": poll_id})
    assert (error.status, error.message) == (409, "The results are already shown.")


def visibility_room() -> tuple[RoomState, dict[str, str]]:
    """A draft, a live poll, a hidden one, one shown on close (still open): each with an answer."""
    state, (ana, _) = room_with(people=PEOPLE[:2])
    ids = {
        "draft": create(state, "single"),
        "live": opened(state, "single"),
        "hidden": opened(state, "single", visibility="hidden"),
        "on_close": opened(state, "single", visibility="on_close"),
    }
    for name in ("live", "hidden", "on_close"):
        answer(state, ana, ids[name], choice=1)
    return state, ids


def test_the_api_view_hides_drafts_and_unshown_results_from_a_participant():
    state, ids = visibility_room()
    ana = next(iter(state.participants))
    seen = views.api_view(scene(state), person(ana))
    assert [entry["id"] for entry in seen["polls"]] == [ids["live"], ids["hidden"], ids["on_close"]]
    by_id = {entry["id"]: entry for entry in seen["polls"]}
    assert by_id[ids["live"]]["results"] == {
        "bars": [
            {"label": OPTIONS[0], "count": 0, "percent": 0},
            {"label": OPTIONS[1], "count": 1, "percent": 100},
            {"label": OPTIONS[2], "count": 0, "percent": 0},
        ]
    }
    assert "results" not in by_id[ids["hidden"]] and "results" not in by_id[ids["on_close"]]
    assert by_id[ids["hidden"]]["answered"] == 1  # how many answered is no secret
    assert seen["on_screen"] == ids["on_close"]
    assert views.api_view(scene(state), SCREEN) == seen


def test_the_api_view_shows_a_participant_results_once_revealed_or_closed():
    state, ids = visibility_room()
    ana = next(iter(state.participants))
    manage(state, "poll.reveal", ids["hidden"])
    manage(state, "poll.close", ids["on_close"])
    by_id = {entry["id"]: entry for entry in views.api_view(scene(state), person(ana))["polls"]}
    assert [bar["count"] for bar in by_id[ids["hidden"]]["results"]["bars"]] == [0, 1, 0]
    assert [bar["count"] for bar in by_id[ids["on_close"]]["results"]["bars"]] == [0, 1, 0]


@pytest.mark.parametrize("staff", [FACILITATOR, SCRIBE])
def test_the_facilitator_and_the_scribe_see_every_poll_and_every_result(staff):
    state, ids = visibility_room()
    seen = views.api_view(scene(state), staff)
    assert [entry["id"] for entry in seen["polls"]] == list(ids.values())
    assert all("results" in entry for entry in seen["polls"])
    draft = seen["polls"][0]
    assert (draft["status"], draft["answered"], draft["opened_at"], draft["closed_at"]) == ("draft", 0, None, None)
    assert [bar["count"] for bar in seen["polls"][2]["results"]["bars"]] == [0, 1, 0]


# -- the survey ------------------------------------------------------------


def test_the_survey_adds_three_scales_and_an_open_question_as_drafts():
    state = room_with().state
    item_id = start_item(state, "Closing round")
    events = run(state, FACILITATOR, {"type": "poll.survey"}, T0)
    assert types(events) == ["poll.created"] * 4
    added = list(polls(state).polls.values())
    assert [(p.kind, p.question) for p in added] == [
        ("scale", "How satisfied are you with this exchange?"),
        ("scale", "How relevant was it to your organisation?"),
        ("scale", "How confident are you in applying what you learned?"),
        ("text", "One thing I will try"),
    ]
    assert [(p.scale_max, p.low_label, p.high_label) for p in added[:3]] == [(5, "not at all", "very")] * 3
    assert all(p.status == "draft" and p.item_id == item_id and p.visibility == "live" for p in added)
    assert len({p.id for p in added}) == 4
    assert polls(state).on_screen is None


def test_the_survey_opens_its_polls_at_once_when_asked():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    events = run(state, FACILITATOR, {"type": "poll.survey", "open": "true"}, T0)
    assert types(events) == ["poll.created", "poll.opened"] * 4
    added = list(polls(state).polls.values())
    assert all(p.status == "open" and p.opened_at == T0 for p in added)
    answer(state, ana, added[0].id, value=5)
    answer(state, ana, added[3].id, text="Call pharmacy the day before discharge.")
    assert views.tally.scale(added[0])["average"] == 5.0


def test_the_survey_is_opened_as_one_with_its_first_question_on_the_screen():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    events = run(state, FACILITATOR, {"type": "poll.survey"}, T0)
    survey = events[0].data["survey"]
    added = list(polls(state).polls.values())
    assert {p.survey for p in added} == {survey} and survey
    other = opened(state, "words")  # not part of it
    manage(state, "poll.open", added[1].id, now=T0 + SEC)  # one opened on its own before

    opened_now = run(state, FACILITATOR, {"type": "poll.open_survey", "survey_id": survey}, T0 + 2 * SEC)
    assert types(opened_now) == ["poll.opened"] * 3
    assert all(p.status == "open" for p in added)
    assert polls(state).on_screen == added[0].id
    assert poll(state, other).survey == ""
    error = refusal(state, FACILITATOR, {"type": "poll.open_survey", "survey_id": survey})
    assert (error.status, error.message) == (409, "Every poll of this survey is open already.")
    error = refusal(state, FACILITATOR, {"type": "poll.open_survey", "survey_id": "nope"})
    assert error.status == 404
    error = refusal(state, person(ana), {"type": "poll.open_survey", "survey_id": survey})
    assert error.status == 403


def test_the_phone_shows_a_survey_s_open_polls_together_under_one_heading():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    before = opened(state, "single")
    survey = run(state, FACILITATOR, {"type": "poll.survey", "open": True}, T0)[0].data["survey"]
    sections = views.my_polls(scene(state), person(ana))["sections"]
    assert [(section["survey"], section["count"]) for section in sections] == [("", 1), (survey, 4)]
    assert sections[0]["polls"][0]["id"] == before


def test_a_participant_removes_their_own_words_while_the_poll_is_open():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    words = opened(state, "words")
    answer(state, ana, words, words=["flow", "beds"])
    answer(state, ben, words, words=["flow"])
    events = run(state, person(ana), {"type": "poll.retract", "poll_id": words}, T0 + 2 * SEC)
    assert [(e.type, e.data) for e in events] == [("poll.retracted", {"poll_id": words, "voter": voter(ana, words)})]
    assert set(poll(state, words).answers) == {voter(ben, words)}
    assert [(w["word"], w["count"]) for w in views.results_view(poll(state, words))["words"]] == [("flow", 1)]
    # Nothing in the event names Ana: only the poll's pseudonym, as her answer had.
    assert ana not in json.dumps([e.data for e in events])

    error = refusal(state, person(ana), {"type": "poll.retract", "poll_id": words})
    assert (error.status, error.message) == (409, "You have no answer to this poll to remove.")
    manage(state, "poll.close", words, now=T0 + 3 * SEC)
    error = refusal(state, person(ben), {"type": "poll.retract", "poll_id": words})
    assert (error.status, error.message) == (409, "This poll is closed: its answers stay as they are.")
    assert set(poll(state, words).answers) == {voter(ben, words)}
    error = refusal(state, FACILITATOR, {"type": "poll.retract", "poll_id": words})
    assert error.status == 403


# -- the phone ---------------------------------------------------------------


def test_the_phone_shows_a_person_their_own_answer_and_not_someone_elses():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    single, words, draft = opened(state, "single"), opened(state, "words"), create(state, "text")
    answer(state, ana, single, choice=2)
    answer(state, ben, words, words=["flow"])
    mine = views.my_polls(scene(state), person(ana))
    assert [p["id"] for p in mine["polls"]] == [single, words]  # open polls only, not the draft
    assert draft not in [p["id"] for p in mine["polls"]]
    assert mine["mine"] == {single: [2]}
    assert views.my_polls(scene(state), person(ben))["mine"] == {words: ["flow"]}


def test_the_phone_view_does_not_change_when_someone_else_votes():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    single, scale = opened(state, "single", visibility="on_close"), opened(state, "scale")
    answer(state, ana, single, choice=0)
    before = views.my_polls(scene(state), person(ana))
    answer(state, ben, single, choice=1, now=T0 + 2 * SEC)
    answer(state, cat, scale, value=3, now=T0 + 3 * SEC)
    answer(state, ben, scale, value=5, now=T0 + 4 * SEC)
    assert views.my_polls(scene(state), person(ana)) == before
    assert all("answered" not in p for p in before["polls"])


def test_the_phone_shows_nothing_answered_by_someone_else_under_a_shared_scene():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    poll_id = opened(state, "single")
    answer(state, ben, poll_id, choice=1)
    shared = scene(state)  # one render serves every phone
    assert views.my_polls(shared, person(ben))["mine"] == {poll_id: [1]}
    assert views.my_polls(shared, person(ana))["mine"] == {}


def test_new_options_clear_a_maximum_of_picks_they_no_longer_leave_room_for():
    state = room_with().state
    poll_id = create(state, "multiple", options=["A", "B", "C", "D"], max_choices=3)
    assert poll(state, poll_id).max_choices == 3
    events = manage(state, "poll.update", poll_id, options="A\nB\nC")
    assert events[0].data == {"poll_id": poll_id, "options": ["A", "B", "C"], "max_choices": 0}
    assert poll(state, poll_id).max_choices == 0
