"""What the screen shows, as a pure function of the state (facilitator/screen/rule.py)."""

import pytest

from facilitator.polls.model import polls_of
from facilitator.polls.questions.model import questions_of
from facilitator.screen.rule import shown
from tests.pure import FACILITATOR, MIN, SEC, T0, person, refusal, room_with, types

CASE = {
    "kind": "case",
    "title": "St Mary's: criteria-led discharge",
    "organisation": "St Mary's Hospital",
    "presentation_minutes": 10,
    "qa_minutes": 5,
}
DISCUSSION = {"kind": "discussion", "title": "Open floor", "minutes": 10}
POLL_ITEM = {"kind": "poll", "title": "Which change first?", "minutes": 5}


def exchange():
    """Ana and Ben; a case, a discussion and a poll item on the agenda."""
    room = room_with(
        people=[("Ana", "St Mary's Hospital"), ("Ben", "Northfield Clinic")], agenda=[CASE, DISCUSSION, POLL_ITEM]
    )
    return room


def start(room, item: str, now: int) -> None:
    room.do(FACILITATOR, {"type": "timer.start", "item_id": item}, now)


def poll(room, now: int, item_id: str = "", opened: bool = True) -> str:
    raw = {"type": "poll.create", "kind": "single", "question": "Which?", "options": ["A", "B"], "open": opened}
    if item_id:
        raw["item_id"] = item_id
    return room.do(FACILITATOR, raw, now)[0].data["poll_id"]


def ask(room, who: str, now: int, text: str = "Why now?") -> str:
    return room.do(person(room.people[who]), {"type": "question.ask", "text": text}, now)[0].data["question_id"]


def main_and_side(room) -> tuple[str, str | None]:
    now = shown(room.state)
    return now.main, now.side


def test_before_the_first_item_the_screen_shows_the_exchange_and_the_way_in():
    room = exchange()
    now = shown(room.state)
    assert (now.main, now.side, now.clock, now.override) == ("lobby", "join", False, None)


def test_each_kind_of_item_brings_its_own_content():
    room = exchange()
    case, discussion, poll_item = room.items
    start(room, case, T0)
    assert main_and_side(room) == ("clock", None)
    room.do(FACILITATOR, {"type": "timer.next"}, T0 + 10 * MIN)  # the case's Questions phase
    now = shown(room.state)
    assert (now.main, now.side, now.about) == ("clock", "questions", case)
    start(room, discussion, T0 + 16 * MIN)
    assert main_and_side(room) == ("clock", "voice")
    start(room, poll_item, T0 + 30 * MIN)
    assert main_and_side(room) == ("clock", None)  # no poll of its own yet: its clock
    own = poll(room, T0 + 31 * MIN, item_id=poll_item, opened=False)
    assert main_and_side(room) == ("clock", None)  # a draft is not shown
    room.do(FACILITATOR, {"type": "poll.open", "poll_id": own}, T0 + 32 * MIN)
    room.do(FACILITATOR, {"type": "poll.close", "poll_id": own}, T0 + 33 * MIN)
    now = shown(room.state)
    assert (now.main, now.poll_id, now.clock) == ("poll", own, True)  # closed, its results stay up


def test_an_opened_poll_goes_up_and_comes_down_when_the_agenda_moves_on():
    """The defect: the last closed poll stayed on the screen and hid the next item's clock."""
    room = exchange()
    case, discussion, _ = room.items
    start(room, case, T0)
    poll_id = poll(room, T0 + MIN)
    now = shown(room.state)
    assert (now.main, now.poll_id, now.clock, now.override.what) == ("poll", poll_id, True, "poll")
    room.do(FACILITATOR, {"type": "poll.close", "poll_id": poll_id}, T0 + 2 * MIN)
    assert shown(room.state).main == "poll"
    start(room, discussion, T0 + 3 * MIN)
    now = shown(room.state)
    assert (now.main, now.side, now.poll_id, now.override) == ("clock", "voice", None, None)


def test_a_pinned_question_lasts_until_the_agenda_moves_on():
    room = exchange()
    case, discussion, _ = room.items
    start(room, case, T0)
    question = ask(room, "Ben", T0 + SEC)
    room.do(FACILITATOR, {"type": "question.pin", "question_id": question}, T0 + MIN)
    now = shown(room.state)
    assert (now.main, now.question_id, now.clock) == ("question", question, True)
    room.do(FACILITATOR, {"type": "timer.next"}, T0 + 10 * MIN)  # another phase of the same item
    assert shown(room.state).main == "question"
    start(room, discussion, T0 + 16 * MIN)
    assert main_and_side(room) == ("clock", "voice")


def test_a_pinned_question_and_the_case_questions_share_the_screen_without_repeating_it():
    room = exchange()
    case = room.items[0]
    start(room, case, T0)
    first, second = ask(room, "Ana", T0 + SEC), ask(room, "Ben", T0 + 2 * SEC, "Who pays?")
    room.do(FACILITATOR, {"type": "timer.next"}, T0 + 10 * MIN)
    room.do(FACILITATOR, {"type": "question.pin", "question_id": first}, T0 + 11 * MIN)
    now = shown(room.state)
    assert (now.main, now.side, now.question_id, now.about) == ("question", "questions", first, case)
    assert second != first


def test_a_poll_on_a_discussion_keeps_the_share_of_voice_beside_it():
    """The defect: the bars vanished whenever something else was on the screen."""
    room = exchange()
    start(room, room.items[1], T0)
    poll_id = poll(room, T0 + MIN)
    now = shown(room.state)
    assert (now.main, now.side, now.poll_id) == ("poll", "voice", poll_id)


def test_the_facilitator_overrides_with_one_command_and_takes_the_screen_back():
    room = exchange()
    case = room.items[0]
    start(room, case, T0)
    events = room.do(FACILITATOR, {"type": "screen.show", "what": "voice"}, T0 + MIN)
    assert types(events) == ["screen.shown"] and events[0].data == {"what": "voice", "id": None}
    assert main_and_side(room) == ("clock", "voice")
    room.do(FACILITATOR, {"type": "screen.show", "what": "join"}, T0 + 2 * MIN)
    assert main_and_side(room) == ("clock", "join")
    poll_id = poll(room, T0 + 3 * MIN, opened=False)
    room.do(FACILITATOR, {"type": "screen.show", "what": "poll", "target": poll_id}, T0 + 4 * MIN)
    assert main_and_side(room) == ("poll", None)
    room.do(FACILITATOR, {"type": "screen.show", "what": "agenda"}, T0 + 5 * MIN)
    now = shown(room.state)
    assert (now.main, now.side, now.override) == ("clock", None, None)
    error = refusal(room.state, FACILITATOR, {"type": "screen.show", "what": "agenda"}, T0 + 6 * MIN)
    assert (error.status, error.message) == (409, "The screen already follows the agenda.")


def test_the_questions_override_lists_every_item_s_questions_outside_a_case_s_questions_phase():
    room = exchange()
    start(room, room.items[1], T0)
    room.do(FACILITATOR, {"type": "questions.configure", "on_screen": True}, T0 + MIN)
    now = shown(room.state)
    assert (now.main, now.side, now.about) == ("clock", "questions", None)
    room.do(FACILITATOR, {"type": "questions.configure", "on_screen": False}, T0 + 2 * MIN)
    assert main_and_side(room) == ("clock", "voice")


def test_before_the_first_item_a_poll_takes_the_whole_screen_and_the_first_item_ends_it():
    room = exchange()
    poll_id = poll(room, T0)
    now = shown(room.state)
    assert (now.main, now.side, now.clock, now.poll_id) == ("poll", None, False, poll_id)
    start(room, room.items[0], T0 + MIN)  # the first item ends it
    assert main_and_side(room) == ("clock", None)


def test_an_override_ends_when_what_it_shows_is_gone():
    room = exchange()
    start(room, room.items[0], T0)
    question = ask(room, "Ana", T0 + SEC)
    room.do(FACILITATOR, {"type": "question.pin", "question_id": question}, T0 + MIN)
    room.do(FACILITATOR, {"type": "question.dismiss", "question_id": question}, T0 + 2 * MIN)
    assert main_and_side(room) == ("clock", None)
    poll_id = poll(room, T0 + 3 * MIN)
    room.do(FACILITATOR, {"type": "poll.delete", "poll_id": poll_id, "confirm": True}, T0 + 4 * MIN)
    assert main_and_side(room) == ("clock", None)


def test_a_message_and_the_speaker_are_on_the_screen_whatever_else_is():
    room = exchange()
    start(room, room.items[1], T0)
    room.do(FACILITATOR, {"type": "message.show", "text": "Two minutes"}, T0 + MIN)
    room.do(FACILITATOR, {"type": "floor.give", "speaker": room.people["Ana"]}, T0 + 2 * MIN)
    poll(room, T0 + 3 * MIN)
    now = shown(room.state)
    assert (now.main, now.message, now.speaker) == ("poll", True, True)


@pytest.mark.parametrize(
    "raw,message",
    [
        ({"type": "screen.show", "what": "poll"}, "Say which poll to show."),
        ({"type": "screen.show", "what": "poll", "target": "nope"}, "There is no such poll."),
        ({"type": "screen.show", "what": "question", "target": "nope"}, "There is no such question."),
        ({"type": "screen.show", "what": "join"}, "The screen already shows that."),
        ({"type": "question.pin"}, "No question is pinned."),
        ({"type": "poll.screen"}, "The screen already shows that."),
    ],
)
def test_a_command_that_would_change_nothing_is_refused_with_a_sentence(raw, message):
    room = exchange()
    assert refusal(room.state, FACILITATOR, raw, T0).message == message


def test_showing_again_what_the_agenda_moved_past_is_not_refused():
    """The old rule refused "already shows that" for a poll the screen no longer showed."""
    room = exchange()
    case, discussion, _ = room.items
    start(room, case, T0)
    poll_id = poll(room, T0 + MIN)
    start(room, discussion, T0 + 2 * MIN)
    events = room.do(FACILITATOR, {"type": "poll.screen", "poll_id": poll_id}, T0 + 3 * MIN)
    assert types(events) == ["poll.screened"] and shown(room.state).poll_id == poll_id


def test_only_the_facilitator_chooses_what_the_screen_shows():
    room = exchange()
    error = refusal(room.state, person(room.people["Ana"]), {"type": "screen.show", "what": "voice"}, T0)
    assert error.status == 403


def marks(room) -> tuple[str | None, str | None, bool]:
    """The features' own marks of what is on the screen: the poll, the pinned question, the questions."""
    questions = questions_of(room.state)
    return polls_of(room.state).on_screen, questions.pinned, questions.settings.on_screen


def test_the_features_marks_end_with_the_override_when_the_agenda_moves_on():
    room = exchange()
    case, discussion, _ = room.items
    start(room, case, T0)
    question = ask(room, "Ana", T0 + SEC)
    room.do(FACILITATOR, {"type": "question.pin", "question_id": question}, T0 + MIN)
    assert marks(room) == (None, question, False)
    start(room, discussion, T0 + 2 * MIN)
    assert marks(room) == (None, None, False)  # the console no longer offers "Unpin"
    room.do(FACILITATOR, {"type": "questions.configure", "on_screen": True}, T0 + 3 * MIN)
    assert marks(room) == (None, None, True)
    room.do(FACILITATOR, {"type": "timer.next"}, T0 + 4 * MIN)  # on to the poll item
    assert marks(room) == (None, None, False)


def test_another_override_takes_the_mark_from_the_one_it_replaces():
    room = exchange()
    case, _, _ = room.items
    start(room, case, T0)
    poll_id = poll(room, T0 + SEC)
    assert marks(room) == (poll_id, None, False)  # an opened poll goes up
    room.do(FACILITATOR, {"type": "screen.show", "what": "voice"}, T0 + MIN)
    assert marks(room) == (None, None, False)
    question = ask(room, "Ben", T0 + 2 * MIN)
    room.do(FACILITATOR, {"type": "poll.screen", "poll_id": poll_id}, T0 + 3 * MIN)
    assert marks(room) == (poll_id, None, False)
    room.do(FACILITATOR, {"type": "question.pin", "question_id": question}, T0 + 4 * MIN)
    assert marks(room) == (None, question, False)
    room.do(FACILITATOR, {"type": "screen.show", "what": "agenda"}, T0 + 5 * MIN)
    assert marks(room) == (None, None, False)
