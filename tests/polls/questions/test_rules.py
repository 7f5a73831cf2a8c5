"""Pure tests of the question rules: asking, upvotes, moderation and who may do what.

decide and apply with the time passed in through the Context; no I/O, no clock.
What each surface shows of the questions is tested in test_views.py; the limit of three
questions a minute, kept out of the log, in test_anonymity.py and tests/rooms/test_throttle.py.
"""

import json

import pytest

from facilitator.polls.questions.model import Question, author_scope, questions_of, vote_scope
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.timers.model import agenda_of
from tests.pure import (
    FACILITATOR,
    KEY,
    MIN,
    SCREEN,
    SCRIBE,
    SEC,
    T0,
    VISITOR,
    decide,
    person,
    refusal,
    room_with,
    run,
    types,
)

PEOPLE = [
    ("Ana Lopez", "St Mary's"),
    ("Ben Okafor", "Northfield Trust"),
    ("Cat Ward", "Eastgate Care"),
    ("Dev Patel", "Riverside Health"),
    ("Eva Novak", "Hillside Hospice"),
    ("Finn Byrne", "Lakeside Trust"),
]
TEXT = "Who signs off a discharge at the weekend?"
CASE_ORG = "Westbrook Clinic"  # an organisation no asker belongs to


# -- helpers ---------------------------------------------------------------


def author_hash(pid: str, question_id: str) -> str:
    return person(pid).pseudonym(author_scope(question_id))


def vote_hash(pid: str, question_id: str) -> str:
    return person(pid).pseudonym(vote_scope(question_id))


def asking(pid: str, text: str = TEXT, **fields) -> tuple[Actor, dict]:
    return person(pid), {"type": "question.ask", "text": text, **fields}


def ask(state: RoomState, pid: str, text: str = TEXT, now: int = T0, **fields) -> str:
    events = run(state, *asking(pid, text, **fields), now)
    assert types(events) == ["question.asked"]
    return events[0].data["question_id"]


def upvote(state: RoomState, pid: str, question_id: str, now: int = T0 + SEC) -> list[Event]:
    return run(state, person(pid), {"type": "question.upvote", "question_id": question_id}, now)


def withdraw(state: RoomState, pid: str, question_id: str, now: int = T0 + SEC) -> list[Event]:
    return run(state, person(pid), {"type": "question.withdraw", "question_id": question_id}, now)


def moderate(state: RoomState, type_: str, question_id: str, now: int = T0 + SEC, **fields) -> list[Event]:
    return run(state, FACILITATOR, {"type": type_, "question_id": question_id, **fields}, now)


def configure(state: RoomState, now: int = T0 - MIN, **settings) -> list[Event]:
    return run(state, FACILITATOR, {"type": "questions.configure", **settings}, now)


def question(state: RoomState, question_id: str) -> Question:
    return questions_of(state).questions[question_id]


def add_case(state: RoomState, organisation: str = CASE_ORG, now: int = T0 - 5 * MIN) -> str:
    events = run(state, FACILITATOR, {"type": "agenda.add", "kind": "case", "organisation": organisation}, now)
    return events[0].data["item"]["id"]


def add_discussion(state: RoomState, title: str = "Open floor", now: int = T0 - 5 * MIN) -> str:
    events = run(state, FACILITATOR, {"type": "agenda.add", "kind": "discussion", "title": title, "minutes": 10}, now)
    return events[0].data["item"]["id"]


def start(state: RoomState, item_id: str, now: int = T0 - 2 * MIN) -> None:
    run(state, FACILITATOR, {"type": "timer.start", "item_id": item_id}, now)


def in_questions_phase(state: RoomState, item_id: str, now: int = T0 - MIN) -> None:
    """The case started, then moved on from its presentation to its Questions phase."""
    start(state, item_id, now - MIN)
    run(state, FACILITATOR, {"type": "timer.next"}, now)
    agenda = agenda_of(state)
    assert agenda.clock.item_id == item_id and agenda.current().phases[agenda.clock.phase].name == "Questions"


def in_status(state: RoomState, pid: str, status: str, now: int = T0) -> str:
    """A question by `pid` brought to `status` the way the room would."""
    if status == "pending":
        configure(state, now - 1, moderated=True)
        question_id = ask(state, pid, now=now)
        configure(state, now + 1, moderated=False)
        return question_id
    question_id = ask(state, pid, now=now)
    if status == "answered":
        moderate(state, "question.answered", question_id, now + 2)
    elif status == "dismissed":
        moderate(state, "question.dismiss", question_id, now + 2)
    elif status == "archived":
        moderate(state, "question.archive", question_id, now + 2)
    elif status == "withdrawn":
        withdraw(state, pid, question_id, now + 2)
    assert question(state, question_id).status == status
    return question_id


def logged(events: list[Event]) -> str:
    return json.dumps([event.to_json() for event in events])


# -- asking ------------------------------------------------------------------


def test_a_question_is_anonymous_by_default_and_carries_only_its_authors_hash_for_it():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    decision = decide(state, *asking(ana), T0)
    question_id = decision.reply["question_id"]
    events = run(state, *asking(ana), T0)
    assert types(events) == ["question.asked"]
    assert events[0].data == {
        "question_id": question_id,
        "text": TEXT,
        "author": author_hash(ana, question_id),
        "flags": [],
        "item_id": None,
        "status": "live",
    }
    text = logged(events)
    for secret in (ana, "Ana Lopez", "St Mary's", "Ana", "Lopez"):
        assert secret not in text
    asked = question(state, question_id)
    assert (asked.text, asked.author, asked.name, asked.organisation, asked.anonymous) == (
        TEXT,
        author_hash(ana, question_id),
        "",
        "",
        True,
    )
    assert (asked.status, asked.asked_at, asked.votes, asked.edited, asked.reason) == ("live", T0, set(), False, "")
    assert list(questions_of(state).questions) == [question_id]


def test_a_persons_hashes_are_stable_per_question_and_repeat_across_no_question_person_or_act():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    assert author_hash(ana, "q1") == Actor(Role.PARTICIPANT, ana, KEY).pseudonym("question:q1:author")
    hashes = [
        make(pid, question_id)
        for pid in (ana, ben)
        for question_id in ("q1", "q2")
        for make in (author_hash, vote_hash)
    ]
    assert len(set(hashes)) == 8
    assert author_hash(ana, "q1") != person(ana).pseudonym("poll:q1")
    assert not any(ana in value or ben in value for value in hashes)


def test_two_questions_of_one_person_share_no_value_but_their_text():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    first = run(state, *asking(ana, named=True), T0)[0].data
    second = run(state, *asking(ana, "Is the lounge staffed at night?"), T0 + SEC)[0].data
    assert first["author"] != second["author"] and first["question_id"] != second["question_id"]
    same = {key for key in first.keys() & second.keys() if first[key] == second[key]}
    assert same == {"flags", "item_id", "status"}  # none, no agenda item, both live


def test_a_named_question_carries_the_name_and_organisation_of_its_asker_and_never_the_id():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    events = run(state, *asking(ben, named=True), T0)
    question_id = events[0].data["question_id"]
    assert events[0].data == {
        "question_id": question_id,
        "text": TEXT,
        "author": author_hash(ben, question_id),
        "flags": [],
        "item_id": None,
        "status": "live",
        "name": "Ben Okafor",
        "organisation": "Northfield Trust",
    }
    assert ben not in logged(events)
    asked = question(state, question_id)
    assert (asked.name, asked.organisation, asked.anonymous) == ("Ben Okafor", "Northfield Trust", False)


def test_named_false_is_anonymous():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    events = run(state, *asking(ana, named=False), T0)
    assert "name" not in events[0].data and "organisation" not in events[0].data


def test_a_question_is_linked_to_the_agenda_item_running():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    case, discussion = add_case(state), add_discussion(state)
    before = ask(state, ana, now=T0 - 4 * MIN)
    start(state, case, T0 - 3 * MIN)  # the presentation
    during_presentation = ask(state, ben, now=T0 - 3 * MIN + SEC)
    run(state, FACILITATOR, {"type": "timer.next"}, T0 - 2 * MIN)  # the Questions phase
    during_questions = ask(state, cat, now=T0 - 2 * MIN + SEC)
    start(state, discussion, T0 - MIN)
    during_discussion = ask(state, ana, now=T0 - MIN + SEC)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0)
    after = ask(state, ben, now=T0 + SEC)
    asked = (before, during_presentation, during_questions, during_discussion, after)
    assert [question(state, q).item_id for q in asked] == [None, case, case, discussion, None]


def test_a_question_of_500_characters_is_taken_and_one_of_501_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana, "a" * 500)
    assert question(state, question_id).text == "a" * 500
    error = refusal(state, *asking(ana, "a" * 501))
    assert (error.status, error.message) == (
        400,
        "Your question is too long: at most 500 characters, please (this has 501).",
    )


@pytest.mark.parametrize("text", ["", "   ", "\n \t\n"], ids=["empty", "spaces", "blank-lines"])
def test_an_empty_or_blank_question_is_refused(text):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    error = refusal(state, *asking(ana, text))
    assert (error.status, error.message) == (400, "Please give your question.")
    assert questions_of(state).questions == {}


def test_a_question_is_trimmed():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana, "  Why wait for pharmacy?  \n")
    assert question(state, question_id).text == "Why wait for pharmacy?"


def test_a_question_is_live_at_once_or_pending_when_moderated():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    assert question(state, ask(state, ana, now=T0)).status == "live"
    assert types(configure(state, T0 + SEC, moderated=True)) == ["questions.configured"]
    pending = ask(state, ben, now=T0 + 2 * SEC)
    assert question(state, pending).status == "pending"
    configure(state, T0 + 3 * SEC, moderated=False)
    assert question(state, ask(state, ben, now=T0 + 4 * SEC)).status == "live"
    assert question(state, pending).status == "pending"  # switching moderation off approves nothing


def test_each_question_gets_its_own_id():
    state, people = room_with(people=PEOPLE[:3])
    ids = [ask(state, pid, now=T0 + i) for i, pid in enumerate(people)]
    assert len(set(ids)) == 3 and list(questions_of(state).questions) == ids
    assert all(len(question_id) == 10 for question_id in ids)


# -- upvotes -------------------------------------------------------------------


def test_an_upvote_is_one_per_person_and_a_second_tap_withdraws_it():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    events = upvote(state, ben, question_id)
    assert types(events) == ["question.upvoted"]
    assert events[0].data == {"question_id": question_id, "voter": vote_hash(ben, question_id)}
    assert ben not in logged(events) and "Ben" not in logged(events)
    assert question(state, question_id).votes == {vote_hash(ben, question_id)}
    events = upvote(state, ben, question_id, T0 + 2 * SEC)
    assert types(events) == ["question.unvoted"]
    assert events[0].data == {"question_id": question_id, "voter": vote_hash(ben, question_id)}
    assert question(state, question_id).votes == set()
    upvote(state, ben, question_id, T0 + 3 * SEC)
    assert question(state, question_id).votes == {vote_hash(ben, question_id)}


@pytest.mark.parametrize("named", [False, True], ids=["anonymous", "named"])
def test_one_cannot_upvote_ones_own_question(named):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana, named=named)
    error = refusal(state, person(ana), {"type": "question.upvote", "question_id": question_id})
    assert (error.status, error.message) == (409, "You cannot upvote your own question.")


@pytest.mark.parametrize("status", ["pending", "dismissed", "archived", "answered", "withdrawn"])
def test_only_live_questions_can_be_upvoted(status):
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, status)
    error = refusal(state, person(ben), {"type": "question.upvote", "question_id": question_id}, T0 + MIN)
    assert (error.status, error.message) == (409, "Only questions still waiting for an answer can be upvoted.")


def test_a_vote_can_still_be_withdrawn_after_the_question_was_answered():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    question_id = ask(state, ana)
    upvote(state, ben, question_id)
    upvote(state, cat, question_id)
    moderate(state, "question.answered", question_id, T0 + 2 * SEC)
    events = upvote(state, ben, question_id, T0 + 3 * SEC)
    assert types(events) == ["question.unvoted"]
    assert question(state, question_id).votes == {vote_hash(cat, question_id)}
    # ... but not given again.
    error = refusal(state, person(ben), {"type": "question.upvote", "question_id": question_id})
    assert error.message == "Only questions still waiting for an answer can be upvoted."


def test_vote_counts_are_exact_with_several_voters():
    state, (ana, ben, cat, dev, eva) = room_with(people=PEOPLE[:5])
    first, second = ask(state, ana), ask(state, ben, "Is the lounge staffed at night?", T0 + 1)
    for voter in (ben, cat, dev, eva):
        upvote(state, voter, first)
    for voter in (ana, cat):
        upvote(state, voter, second)
    upvote(state, dev, first, T0 + 2 * SEC)  # Dev takes his vote back
    assert question(state, first).votes == {vote_hash(p, first) for p in (ben, cat, eva)}
    assert question(state, second).votes == {vote_hash(p, second) for p in (ana, cat)}
    assert (len(question(state, first).votes), len(question(state, second).votes)) == (3, 2)


def test_an_unknown_question_is_refused_for_every_command():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    ask(state, ana)
    for actor, type_ in [
        (person(ana), "question.upvote"),
        (person(ana), "question.withdraw"),
        (FACILITATOR, "question.approve"),
        (FACILITATOR, "question.dismiss"),
        (FACILITATOR, "question.answered"),
        (FACILITATOR, "question.archive"),
        (FACILITATOR, "question.restore"),
        (FACILITATOR, "question.pin"),
    ]:
        error = refusal(state, actor, {"type": type_, "question_id": "nope"})
        assert (error.status, error.message) == (404, "There is no such question."), type_
    error = refusal(state, FACILITATOR, {"type": "question.edit", "question_id": "nope", "text": "New?"})
    assert (error.status, error.message) == (404, "There is no such question.")


# -- moderation ------------------------------------------------------------------


def test_approve_puts_a_pending_question_on_the_list():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, "pending")
    events = moderate(state, "question.approve", question_id)
    assert types(events) == ["question.moved"]
    assert events[0].data == {"question_id": question_id, "status": "live"}
    assert question(state, question_id).status == "live"


@pytest.mark.parametrize("start_status", ["pending", "live"])
def test_dismiss_with_a_reason_keeps_the_reason(start_status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, start_status)
    events = moderate(state, "question.dismiss", question_id, reason="  Off topic  ")
    assert events[0].data == {"question_id": question_id, "status": "dismissed", "reason": "Off topic"}
    asked = question(state, question_id)
    assert (asked.status, asked.reason) == ("dismissed", "Off topic")


def test_archiving_a_dismissed_question_keeps_why_it_was_dismissed_and_restoring_clears_it():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, "live")
    moderate(state, "question.dismiss", question_id, reason="Off topic")
    moderate(state, "question.archive", question_id)
    assert (question(state, question_id).status, question(state, question_id).reason) == ("archived", "Off topic")
    moderate(state, "question.restore", question_id)
    assert (question(state, question_id).status, question(state, question_id).reason) == ("live", "")


@pytest.mark.parametrize("start_status", ["pending", "live"])
def test_dismiss_without_a_reason(start_status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, start_status)
    events = moderate(state, "question.dismiss", question_id)
    assert events[0].data == {"question_id": question_id, "status": "dismissed"}
    asked = question(state, question_id)
    assert (asked.status, asked.reason) == ("dismissed", "")


def test_a_dismissal_reason_is_at_most_120_characters():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    error = refusal(state, FACILITATOR, {"type": "question.dismiss", "question_id": question_id, "reason": "x" * 121})
    assert error.message == "The reason is too long: at most 120 characters, please (this has 121)."


def test_marking_answered_records_when_and_restore_brings_it_back():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    upvote(state, ben, question_id)
    events = moderate(state, "question.answered", question_id, T0 + 5 * SEC)
    assert events[0].data == {"question_id": question_id, "status": "answered"}
    asked = question(state, question_id)
    assert (asked.status, asked.answered_at, asked.votes) == ("answered", T0 + 5 * SEC, {vote_hash(ben, question_id)})
    moderate(state, "question.restore", question_id, T0 + 6 * SEC)
    assert (asked.status, asked.answered_at, asked.votes) == ("live", None, {vote_hash(ben, question_id)})


@pytest.mark.parametrize("start_status", ["live", "answered", "dismissed"])
def test_archive_keeps_a_question_off_the_lists_and_restore_brings_it_back(start_status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, start_status)
    events = moderate(state, "question.archive", question_id, T0 + MIN)
    assert events[0].data == {"question_id": question_id, "status": "archived"}
    assert question(state, question_id).status == "archived"
    moderate(state, "question.restore", question_id, T0 + 2 * MIN)
    assert question(state, question_id).status == "live"


def test_restore_of_a_dismissed_question_clears_its_reason():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    moderate(state, "question.dismiss", question_id, reason="Asked already")
    events = moderate(state, "question.restore", question_id, T0 + 2 * SEC)
    assert events[0].data == {"question_id": question_id, "status": "live"}
    asked = question(state, question_id)
    assert (asked.status, asked.reason) == ("live", "")


@pytest.mark.parametrize("start_status", ["pending", "live"])
def test_the_author_withdraws_their_own_question(start_status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, start_status)
    events = withdraw(state, ana, question_id, T0 + MIN)
    assert types(events) == ["question.moved"]
    assert events[0].data == {"question_id": question_id, "status": "withdrawn"}
    assert question(state, question_id).status == "withdrawn"


@pytest.mark.parametrize("named", [False, True], ids=["anonymous", "named"])
def test_another_participant_cannot_withdraw_a_question_even_knowing_its_id(named):
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana, named=named)
    error = refusal(state, person(ben), {"type": "question.withdraw", "question_id": question_id})
    assert (error.status, error.message) == (403, "You can withdraw only your own questions.")
    # Nor with another pseudonym key for the same person: the pseudonym is what ties a question to its author.
    forged = Actor(Role.PARTICIPANT, ana, "another-key")
    error = refusal(state, forged, {"type": "question.withdraw", "question_id": question_id})
    assert error.status == 403
    assert question(state, question_id).status == "live"


# (command, the status it is refused from, the message)
REFUSED = [
    ("question.approve", "live", "This question is already on the list."),
    ("question.approve", "answered", "Only a question awaiting approval can be approved."),
    ("question.approve", "dismissed", "Only a question awaiting approval can be approved."),
    ("question.approve", "archived", "Only a question awaiting approval can be approved."),
    ("question.approve", "withdrawn", "Only a question awaiting approval can be approved."),
    ("question.dismiss", "answered", "This question cannot be dismissed now."),
    ("question.dismiss", "dismissed", "This question cannot be dismissed now."),
    ("question.dismiss", "archived", "This question cannot be dismissed now."),
    ("question.dismiss", "withdrawn", "This question cannot be dismissed now."),
    ("question.answered", "pending", "Only a question on the list can be marked answered."),
    ("question.answered", "answered", "Only a question on the list can be marked answered."),
    ("question.answered", "dismissed", "Only a question on the list can be marked answered."),
    ("question.answered", "archived", "Only a question on the list can be marked answered."),
    ("question.answered", "withdrawn", "Only a question on the list can be marked answered."),
    ("question.archive", "pending", "This question cannot be archived now."),
    ("question.archive", "archived", "This question cannot be archived now."),
    ("question.archive", "withdrawn", "This question cannot be archived now."),
    ("question.restore", "live", "This question is already on the list."),
    ("question.restore", "pending", "Only an answered, dismissed or archived question can be restored."),
    ("question.restore", "withdrawn", "Only an answered, dismissed or archived question can be restored."),
]


@pytest.mark.parametrize(("type_", "status", "message"), REFUSED, ids=[f"{t}-from-{s}" for t, s, _ in REFUSED])
def test_a_refused_move_says_why_and_changes_nothing(type_, status, message):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, status)
    error = refusal(state, FACILITATOR, {"type": type_, "question_id": question_id}, T0 + MIN)
    assert (error.status, error.message) == (409, message)
    assert question(state, question_id).status == status


@pytest.mark.parametrize("status", ["answered", "dismissed", "archived", "withdrawn"])
def test_only_a_pending_or_live_question_can_be_withdrawn(status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, status)
    error = refusal(state, person(ana), {"type": "question.withdraw", "question_id": question_id}, T0 + MIN)
    assert (error.status, error.message) == (409, "This question can no longer be withdrawn.")


def test_edit_by_the_facilitator_changes_the_text_and_marks_it_edited():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    upvote(state, ben, question_id)
    events = moderate(state, "question.edit", question_id, text="Who signs off discharges on Saturdays?")
    assert types(events) == ["question.edited"]
    assert events[0].data == {"question_id": question_id, "text": "Who signs off discharges on Saturdays?", "flags": []}
    asked = question(state, question_id)
    assert (asked.text, asked.edited, asked.status, asked.author, asked.anonymous, asked.votes) == (
        "Who signs off discharges on Saturdays?",
        True,
        "live",
        author_hash(ana, question_id),
        True,
        {vote_hash(ben, question_id)},
    )


@pytest.mark.parametrize("status", ["pending", "answered", "dismissed", "archived"])
def test_edit_works_whatever_the_status_but_withdrawn(status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, status)
    moderate(state, "question.edit", question_id, T0 + MIN, text="Reworded?")
    asked = question(state, question_id)
    assert (asked.text, asked.edited, asked.status) == ("Reworded?", True, status)


def test_edit_is_refused_on_a_withdrawn_question_and_when_nothing_changes():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    withdrawn = in_status(state, ana, "withdrawn")
    error = refusal(state, FACILITATOR, {"type": "question.edit", "question_id": withdrawn, "text": "Reworded?"})
    assert (error.status, error.message) == (409, "Its author withdrew this question.")
    live = ask(state, ben, now=T0 + SEC)
    error = refusal(state, FACILITATOR, {"type": "question.edit", "question_id": live, "text": f"  {TEXT} "})
    assert (error.status, error.message) == (400, "Nothing to change.")
    error = refusal(state, FACILITATOR, {"type": "question.edit", "question_id": live, "text": " "})
    assert error.message == "Please give the question."
    error = refusal(state, FACILITATOR, {"type": "question.edit", "question_id": live, "text": "b" * 501})
    assert error.message == "The question is too long: at most 500 characters, please (this has 501)."
    assert question(state, live).edited is False


@pytest.mark.parametrize("status", ["live", "answered"])
def test_pin_a_question_everyone_sees_and_unpin_it(status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, status)
    events = run(state, FACILITATOR, {"type": "question.pin", "question_id": question_id}, T0 + MIN)
    assert types(events) == ["question.pinned"] and events[0].data == {"question_id": question_id}
    assert questions_of(state).pinned == question_id
    error = refusal(state, FACILITATOR, {"type": "question.pin", "question_id": question_id})
    assert (error.status, error.message) == (409, "This question is already pinned.")
    events = run(state, FACILITATOR, {"type": "question.pin"}, T0 + 2 * MIN)
    assert events[0].data == {"question_id": None}
    assert questions_of(state).pinned is None
    error = refusal(state, FACILITATOR, {"type": "question.pin", "question_id": ""})
    assert (error.status, error.message) == (409, "No question is pinned.")


def test_pinning_another_question_replaces_the_pinned_one():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    first, second = ask(state, ana), ask(state, ben, now=T0 + 1)
    run(state, FACILITATOR, {"type": "question.pin", "question_id": first}, T0 + SEC)
    run(state, FACILITATOR, {"type": "question.pin", "question_id": second}, T0 + 2 * SEC)
    assert questions_of(state).pinned == second


@pytest.mark.parametrize("status", ["pending", "dismissed", "archived", "withdrawn"])
def test_only_a_question_everyone_sees_can_be_pinned(status):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = in_status(state, ana, status)
    error = refusal(state, FACILITATOR, {"type": "question.pin", "question_id": question_id}, T0 + MIN)
    assert (error.status, error.message) == (409, "Only a question everyone can see can be pinned.")


@pytest.mark.parametrize(
    ("actor_is", "type_"),
    [("facilitator", "question.dismiss"), ("facilitator", "question.archive"), ("author", "question.withdraw")],
)
def test_the_pin_is_cleared_when_the_pinned_question_leaves_the_list(actor_is, type_):
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    pinned, other = ask(state, ana), ask(state, ben, now=T0 + 1)
    run(state, FACILITATOR, {"type": "question.pin", "question_id": pinned}, T0 + SEC)
    # Another question leaving the list leaves the pin alone.
    moderate(state, "question.dismiss", other, T0 + 2 * SEC)
    assert questions_of(state).pinned == pinned
    actor = FACILITATOR if actor_is == "facilitator" else person(ana)
    run(state, actor, {"type": type_, "question_id": pinned}, T0 + 3 * SEC)
    assert questions_of(state).pinned is None


def test_the_pin_stays_when_the_pinned_question_is_answered():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    run(state, FACILITATOR, {"type": "question.pin", "question_id": question_id}, T0 + SEC)
    moderate(state, "question.answered", question_id, T0 + 2 * SEC)
    assert questions_of(state).pinned == question_id


def test_configure_sets_moderation_and_the_screen():
    state = room_with().state
    settings = questions_of(state).settings
    assert (settings.moderated, settings.on_screen) == (False, False)
    events = configure(state, moderated=True)
    assert types(events) == ["questions.configured"] and events[0].data == {"moderated": True}
    assert (settings.moderated, settings.on_screen) == (True, False)
    events = configure(state, on_screen=True)
    assert events[0].data == {"on_screen": True}
    assert (settings.moderated, settings.on_screen) == (True, True)
    configure(state, moderated=False, on_screen=False)
    assert (settings.moderated, settings.on_screen) == (False, False)
    error = refusal(state, FACILITATOR, {"type": "questions.configure"})
    assert (error.status, error.message) == (400, "Nothing to change.")


# -- roles ---------------------------------------------------------------------

MODERATION = [
    ("question.approve", {}, "moderate questions"),
    ("question.dismiss", {"reason": "Off topic"}, "moderate questions"),
    ("question.edit", {"text": "Reworded?"}, "edit questions"),
    ("question.pin", {}, "pin questions"),
    ("question.answered", {}, "moderate questions"),
    ("question.archive", {}, "moderate questions"),
    ("question.restore", {}, "moderate questions"),
    ("questions.configure", {"moderated": True}, "change the Q&A settings"),
]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.SCRIBE, Role.SCREEN])
@pytest.mark.parametrize(("type_", "fields", "action"), MODERATION, ids=[m[0] for m in MODERATION])
def test_only_the_facilitator_moderates(role, type_, fields, action):
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    live = ask(state, ana)
    pending = in_status(state, ben, "pending", T0 + SEC)
    answered = in_status(state, ben, "answered", T0 + 2 * SEC)
    target = {"question.approve": pending, "question.restore": answered}.get(type_, live)
    raw = {"type": type_, **fields}
    if type_ != "questions.configure":
        raw["question_id"] = target
    # The participant tried is the author, and the command would work for the facilitator.
    actor = person(ana if target == live else ben) if role is Role.PARTICIPANT else Actor(role)
    error = refusal(state, actor, raw, T0 + MIN)
    assert (error.status, error.message) == (403, f"Only the facilitator can {action}.")
    assert decide(state, FACILITATOR, raw, T0 + MIN).events


@pytest.mark.parametrize("actor", [FACILITATOR, SCRIBE, SCREEN, VISITOR], ids=lambda actor: actor.role.value)
@pytest.mark.parametrize(
    ("type_", "action"),
    [
        ("question.ask", "ask questions"),
        ("question.upvote", "upvote questions"),
        ("question.withdraw", "withdraw a question"),
    ],
)
def test_only_a_participant_asks_upvotes_and_withdraws(actor, type_, action):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    raw = {"type": type_, "text": TEXT} if type_ == "question.ask" else {"type": type_, "question_id": question_id}
    error = refusal(state, actor, raw, T0 + SEC)
    assert (error.status, error.message) == (403, f"Only a participant can {action}.")


def test_a_removed_participant_can_no_longer_ask_or_vote():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ben}, T0 + SEC)
    for raw in ({"type": "question.ask", "text": TEXT}, {"type": "question.upvote", "question_id": question_id}):
        error = refusal(state, person(ben), raw, T0 + 2 * SEC)
        assert (error.status, error.message) == (403, "You are no longer part of this exchange.")


def test_nothing_is_asked_once_the_exchange_has_ended():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    run(state, FACILITATOR, {"type": "room.end"}, T0 + SEC)
    for actor, raw in [
        (person(ana), {"type": "question.ask", "text": TEXT}),
        (FACILITATOR, {"type": "question.answered", "question_id": question_id}),
    ]:
        error = refusal(state, actor, raw, T0 + 2 * SEC)
        assert (error.status, error.message) == (409, "This exchange has ended; its record is read-only.")
