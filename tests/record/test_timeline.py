"""Pure tests of the session record: one timeline of agenda items, notes, closed polls,
answered questions and speaking turns, its filters, and what the record page prints.

decide and apply with the time passed in through the Context; no I/O, no clock.
"""

from dataclasses import dataclass

import pytest

from facilitator.record.timeline import Entry, Filters, entries, page_context, timeline
from facilitator.rooms.model import RoomState
from facilitator.rooms.views import Scene
from tests.pure import FACILITATOR, MIN, SCREEN, SCRIBE, SEC, T0, person, room_with, run


def item(title: str, kind: str = "discussion", **fields) -> dict:
    """An agenda item for room_with, ten minutes long."""
    return {"kind": kind, "title": title, "minutes": 10, **fields}


def post(state: RoomState, text: str, now: int, **fields) -> str:
    return run(state, SCRIBE, {"type": "note.post", "text": text, **fields}, now)[0].data["note_id"]


def poll(state: RoomState, question: str, opened: int, closed: int, answers: dict[str, int], **fields) -> str:
    raw = {
        "type": "poll.create",
        "kind": "single",
        "question": question,
        "options": ["Yes", "No"],
        "open": True,
        **fields,
    }
    poll_id = run(state, FACILITATOR, raw, opened)[0].data["poll_id"]
    for n, (pid, choice) in enumerate(answers.items(), start=1):
        run(state, person(pid), {"type": "poll.answer", "poll_id": poll_id, "choice": choice}, opened + n * SEC)
    run(state, FACILITATOR, {"type": "poll.close", "poll_id": poll_id}, closed)
    return poll_id


def question(state: RoomState, pid: str, text: str, asked: int, answered: int | None, **fields) -> str:
    events = run(state, person(pid), {"type": "question.ask", "text": text, **fields}, asked)
    question_id = events[0].data["question_id"]
    if answered is not None:
        run(state, FACILITATOR, {"type": "question.answered", "question_id": question_id}, answered)
    return question_id


def scene(state: RoomState) -> Scene:
    return Scene(state, frozenset())


def shape(found: list[Entry]) -> list[tuple[int, str, str | None]]:
    return [(entry.at, entry.what, entry.item_id) for entry in found]


@dataclass
class Session:
    state: RoomState
    ana: str
    ben: str
    case: str
    lounge: str
    later: str
    notes: dict[str, str]
    polls: dict[str, str]


def session() -> Session:
    """Two items run one after the other, with notes, polls, questions and turns in each.

    Minute by minute from T0: the case starts (0); Ana speaks (1-3) and a best practice is noted
    (2); a live poll closes (4), a hidden one too (4:30); Ana's named question is answered (6) and
    Ben's anonymous one (6:30), a third stays open; the case ends (7); the lounge starts (8); the
    facilitator speaks (8:30-9); a barrier is noted (9), a note is deleted, another one links to no
    item (10).
    """
    room = room_with(
        people=[("Ana Lopez", "St Mary's"), ("Ben Okafor", "Northfield Trust")],
        agenda=[
            item("Pharmacy first", kind="case", organisation="St Mary's", presenter="Ana Lopez"),
            item("Discharge lounge"),
            item("Not reached"),
        ],
    )
    state, (ana, ben), (case, lounge, later) = room.state, room.people.values(), room.items
    run(state, FACILITATOR, {"type": "timer.start", "item_id": case}, T0)
    run(state, FACILITATOR, {"type": "floor.give", "speaker": ana}, T0 + MIN)
    practice = post(state, "Pharmacist on the ward round #flow #Pharmacy", T0 + 2 * MIN, kind="practice")
    run(state, FACILITATOR, {"type": "floor.stop"}, T0 + 3 * MIN)
    live = poll(state, "Would you try it?", T0 + 3 * MIN + SEC, T0 + 4 * MIN, {ana: 0, ben: 1})
    hidden = poll(
        state, "Is your pharmacy ready?", T0 + 4 * MIN + SEC, T0 + 4 * MIN + 30 * SEC, {ana: 1}, visibility="hidden"
    )
    question(state, ana, "Who pays the pharmacist?", T0 + 5 * MIN, T0 + 6 * MIN, named=True)
    question(state, ben, "Does it work at weekends?", T0 + 5 * MIN + SEC, T0 + 6 * MIN + 30 * SEC)
    question(state, ben, "Still open?", T0 + 5 * MIN + 2 * SEC, None)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + 7 * MIN)
    run(state, FACILITATOR, {"type": "timer.start", "item_id": lounge}, T0 + 8 * MIN)
    run(state, FACILITATOR, {"type": "floor.give", "speaker": "facilitator"}, T0 + 8 * MIN + 30 * SEC)
    run(state, FACILITATOR, {"type": "floor.stop"}, T0 + 9 * MIN)
    barrier = post(state, "No porters after 6pm #flow #staffing", T0 + 9 * MIN, kind="barrier")
    gone = post(state, "Posted by mistake #flow", T0 + 9 * MIN + SEC)
    run(state, SCRIBE, {"type": "note.delete", "note_id": gone}, T0 + 9 * MIN + 2 * SEC)
    loose = post(state, "A general point #Staffing", T0 + 10 * MIN, item_id="none")
    return Session(
        state,
        ana,
        ben,
        case,
        lounge,
        later,
        {"practice": practice, "barrier": barrier, "gone": gone, "loose": loose},
        {"live": live, "hidden": hidden},
    )


# -- the timeline ----------------------------------------------------------


def test_the_facilitator_sees_every_entry_in_time_order():
    s = session()
    assert shape(entries(scene(s.state), FACILITATOR)) == [
        (T0, "item", s.case),
        (T0 + MIN, "turn", s.case),
        (T0 + 2 * MIN, "note", s.case),
        (T0 + 4 * MIN, "poll", s.case),
        (T0 + 4 * MIN + 30 * SEC, "poll", s.case),
        (T0 + 6 * MIN, "question", s.case),
        (T0 + 6 * MIN + 30 * SEC, "question", s.case),
        (T0 + 8 * MIN, "item", s.lounge),
        (T0 + 8 * MIN + 30 * SEC, "turn", s.lounge),
        (T0 + 9 * MIN, "note", s.lounge),
        (T0 + 10 * MIN, "note", None),
    ]


@pytest.mark.parametrize("viewer", ["participant", "screen"])
def test_a_participant_or_the_screen_does_not_see_a_hidden_polls_results(viewer):
    s = session()
    actor = person(s.ana) if viewer == "participant" else SCREEN
    seen = entries(scene(s.state), actor)
    assert [e.data["poll"]["id"] for e in seen if e.what == "poll"] == [s.polls["live"]]
    assert len(seen) == len(entries(scene(s.state), FACILITATOR)) - 1


def test_a_scribe_sees_a_hidden_polls_results_like_the_facilitator():
    s = session()
    polls = [e for e in entries(scene(s.state), SCRIBE) if e.what == "poll"]
    assert [(e.data["poll"]["id"], e.data["answered"]) for e in polls] == [(s.polls["live"], 2), (s.polls["hidden"], 1)]


def test_a_hidden_poll_revealed_is_in_everyones_record():
    s = session()
    run(s.state, FACILITATOR, {"type": "poll.reveal", "poll_id": s.polls["hidden"]}, T0 + 11 * MIN)
    polls = [e for e in entries(scene(s.state), person(s.ben)) if e.what == "poll"]
    assert [(e.at, e.data["poll"]["id"]) for e in polls] == [
        (T0 + 4 * MIN, s.polls["live"]),
        (T0 + 4 * MIN + 30 * SEC, s.polls["hidden"]),
    ]


def test_an_open_or_draft_poll_is_not_in_the_record():
    state, (ana,) = room_with(people=[("Ana Lopez", "St Mary's")])
    run(state, FACILITATOR, {"type": "poll.create", "kind": "single", "question": "Draft?", "options": ["A", "B"]}, T0)
    opened = run(
        state,
        FACILITATOR,
        {"type": "poll.create", "kind": "single", "question": "Open?", "options": ["A", "B"], "open": True},
        T0,
    )[0].data["poll_id"]
    run(state, person(ana), {"type": "poll.answer", "poll_id": opened, "choice": 0}, T0 + SEC)
    assert entries(scene(state), FACILITATOR) == []


def test_an_item_entry_says_what_ran_and_for_how_long():
    s = session()
    items = [e for e in entries(scene(s.state), FACILITATOR) if e.what == "item"]
    assert [e.data for e in items] == [
        {
            "title": "Pharmacy first",
            "kind": "case",
            "presenter": "Ana Lopez",
            "organisation": "St Mary's",
            "actual": "7:00",
        },
        {"title": "Discharge lounge", "kind": "discussion", "presenter": "", "organisation": "", "actual": ""},
    ]


def test_a_note_entry_is_the_note_as_it_reads_now():
    s = session()
    run(
        s.state,
        SCRIBE,
        {
            "type": "note.edit",
            "note_id": s.notes["practice"],
            "kind": "practice",
            "text": "Pharmacist on every ward round #flow #pharmacy",
        },
        T0 + 11 * MIN,
    )
    note = next(e for e in entries(scene(s.state), person(s.ana)) if e.what == "note")
    assert note.at == T0 + 2 * MIN  # placed when first posted
    assert {
        key: note.data[key]
        for key in ("id", "text", "kind", "kind_name", "tags", "item_title", "speaker", "edited", "at")
    } == {
        "id": s.notes["practice"],
        "text": "Pharmacist on every ward round #flow #pharmacy",
        "kind": "practice",
        "kind_name": "Best practice",
        "tags": ["flow", "pharmacy"],
        "item_title": "Pharmacy first",
        "speaker": "Ana Lopez · St Mary's",
        "edited": True,
        "at": T0 + 11 * MIN,
    }


def test_a_poll_entry_carries_its_summary_and_results():
    s = session()
    live = next(e for e in entries(scene(s.state), person(s.ana)) if e.what == "poll")
    assert (
        live.data["poll"]["question"],
        live.data["poll"]["status"],
        live.data["poll"]["item_title"],
        live.data["answered"],
    ) == ("Would you try it?", "closed", "Pharmacy first", 2)
    assert [(bar.label, bar.count, bar.percent) for bar in live.data["results"]["bars"]] == [
        ("Yes", 1, 50),
        ("No", 1, 50),
    ]


def test_answered_questions_show_their_author_only_when_named():
    s = session()
    questions = [e for e in entries(scene(s.state), FACILITATOR) if e.what == "question"]
    assert [e.data for e in questions] == [
        {"text": "Who pays the pharmacist?", "votes": 0, "by": "Ana Lopez · St Mary's"},
        {"text": "Does it work at weekends?", "votes": 0, "by": "Anonymous"},
    ]


def test_only_ended_turns_are_in_the_record_with_who_spoke_and_for_how_long():
    s = session()
    run(s.state, FACILITATOR, {"type": "floor.give", "speaker": s.ben}, T0 + 11 * MIN)  # still speaking
    turns = [e for e in entries(scene(s.state), person(s.ben)) if e.what == "turn"]
    assert [(e.at, e.data) for e in turns] == [
        (T0 + MIN, {"name": "Ana Lopez", "organisation": "St Mary's", "length": "2:00"}),
        (T0 + 8 * MIN + 30 * SEC, {"name": "The facilitator", "organisation": "", "length": "0:30"}),
    ]


def test_deleted_notes_are_absent():
    s = session()
    notes = [e.data["id"] for e in entries(scene(s.state), FACILITATOR) if e.what == "note"]
    assert notes == [s.notes["practice"], s.notes["barrier"], s.notes["loose"]]
    assert s.notes["gone"] not in notes


def test_entries_at_the_same_moment_are_ordered_by_what_they_are():
    room = room_with(agenda=[item("Pharmacy first")])
    state, (item_id,) = room.state, room.items
    run(state, FACILITATOR, {"type": "timer.start", "item_id": item_id}, T0)
    run(state, FACILITATOR, {"type": "floor.give", "speaker": "facilitator"}, T0)
    run(state, SCRIBE, {"type": "note.post", "text": "At the same time"}, T0)
    run(state, FACILITATOR, {"type": "floor.stop"}, T0 + MIN)
    assert [e.what for e in entries(scene(state), FACILITATOR)] == ["item", "note", "turn"]


def test_an_empty_exchange_has_an_empty_record():
    assert entries(scene(room_with().state), FACILITATOR) == []


# -- filters ---------------------------------------------------------------


def test_no_filter_keeps_every_entry():
    s = session()
    assert timeline(scene(s.state), FACILITATOR, Filters()) == entries(scene(s.state), FACILITATOR)


def test_a_tag_keeps_only_the_notes_with_that_tag():
    s = session()
    flow = timeline(scene(s.state), FACILITATOR, Filters(tag="flow"))
    assert [e.data["id"] for e in flow] == [s.notes["practice"], s.notes["barrier"]]
    staffing = timeline(scene(s.state), FACILITATOR, Filters(tag="staffing"))
    assert [e.data["id"] for e in staffing] == [s.notes["barrier"], s.notes["loose"]]
    assert timeline(scene(s.state), FACILITATOR, Filters(tag="nothing")) == []


def test_a_kind_keeps_only_notes_of_that_kind():
    s = session()
    assert [e.data["id"] for e in timeline(scene(s.state), FACILITATOR, Filters(kind="barrier"))] == [
        s.notes["barrier"]
    ]
    assert [e.data["id"] for e in timeline(scene(s.state), FACILITATOR, Filters(kind="insight"))] == [s.notes["loose"]]
    assert timeline(scene(s.state), FACILITATOR, Filters(kind="quote")) == []


def test_tag_and_kind_together_keep_notes_with_both():
    s = session()
    assert [e.data["id"] for e in timeline(scene(s.state), FACILITATOR, Filters(tag="flow", kind="practice"))] == [
        s.notes["practice"]
    ]
    assert timeline(scene(s.state), FACILITATOR, Filters(tag="staffing", kind="practice")) == []


def test_an_item_keeps_every_kind_of_entry_linked_to_it():
    s = session()
    assert shape(timeline(scene(s.state), FACILITATOR, Filters(item=s.case))) == [
        (T0, "item", s.case),
        (T0 + MIN, "turn", s.case),
        (T0 + 2 * MIN, "note", s.case),
        (T0 + 4 * MIN, "poll", s.case),
        (T0 + 4 * MIN + 30 * SEC, "poll", s.case),
        (T0 + 6 * MIN, "question", s.case),
        (T0 + 6 * MIN + 30 * SEC, "question", s.case),
    ]
    assert shape(timeline(scene(s.state), FACILITATOR, Filters(item=s.lounge))) == [
        (T0 + 8 * MIN, "item", s.lounge),
        (T0 + 8 * MIN + 30 * SEC, "turn", s.lounge),
        (T0 + 9 * MIN, "note", s.lounge),
    ]
    assert timeline(scene(s.state), FACILITATOR, Filters(item=s.later)) == []


def test_an_item_filter_applies_the_viewers_rights():
    s = session()
    assert [e.what for e in timeline(scene(s.state), person(s.ben), Filters(item=s.case))] == [
        "item",
        "turn",
        "note",
        "poll",
        "question",
        "question",
    ]


def test_an_item_and_a_tag_keep_the_notes_of_that_item_with_that_tag():
    s = session()
    assert [e.data["id"] for e in timeline(scene(s.state), FACILITATOR, Filters(tag="flow", item=s.lounge))] == [
        s.notes["barrier"]
    ]


def test_notes_only_is_set_by_a_tag_or_a_kind_not_by_an_item():
    assert (
        Filters().notes_only,
        Filters(tag="a").notes_only,
        Filters(kind="quote").notes_only,
        Filters(item="x").notes_only,
    ) == (False, True, True, False)


# -- the page --------------------------------------------------------------


def with_summaries_and_plans(s: Session) -> Session:
    run(
        s.state,
        SCRIBE,
        {
            "type": "summary.save",
            "item_id": s.case,
            "problem": "Late discharges",
            "intervention": "Pharmacist on the ward round",
        },
        T0 + 12 * MIN,
    )
    run(s.state, SCRIBE, {"type": "summary.save", "item_id": s.lounge, "barriers": "Porters"}, T0 + 12 * MIN)
    run(
        s.state,
        person(s.ana),
        {"type": "plan.save", "change": "Open a discharge lounge", "owner": "Ana", "impact": "high"},
        T0 + 13 * MIN,
    )
    gone = run(s.state, person(s.ben), {"type": "plan.save", "change": "Withdrawn"}, T0 + 13 * MIN)
    run(s.state, person(s.ben), {"type": "plan.delete", "plan_id": gone[0].data["plan_id"]}, T0 + 14 * MIN)
    return s


def test_the_page_lists_tags_by_count_then_name_and_the_summaries_and_plans():
    s = with_summaries_and_plans(session())
    page = page_context(scene(s.state), person(s.ana), Filters())
    assert page["room"] is s.state
    assert page["entries"] == entries(scene(s.state), person(s.ana))
    assert page["tags"] == [("flow", 2), ("staffing", 2), ("pharmacy", 1)]
    assert page["items"] == [
        {"id": s.case, "title": "Pharmacy first"},
        {"id": s.lounge, "title": "Discharge lounge"},
        {"id": s.later, "title": "Not reached"},
    ]
    assert page["titles"] == {s.case: "Pharmacy first", s.lounge: "Discharge lounge", s.later: "Not reached"}
    assert page["kinds"] == {
        "insight": "Insight",
        "practice": "Best practice",
        "barrier": "Barrier",
        "action": "Action item",
        "decision": "Decision",
        "quote": "Quote",
    }
    assert page["summaries"] == [
        {
            "item_id": s.case,
            "title": "Pharmacy first",
            "fields": [("Problem statement", "Late discharges"), ("Intervention", "Pharmacist on the ward round")],
        },
        {"item_id": s.lounge, "title": "Discharge lounge", "fields": [("Barriers", "Porters")]},
    ]
    assert page["plans"] == [
        {"organisation": "Northfield Trust", "plans": []},
        {
            "organisation": "St Mary's",
            "plans": [[("The change we commit to", "Open a discharge lounge"), ("Impact", "high"), ("Owner", "Ana")]],
        },
    ]


def test_filtered_by_item_the_page_shows_that_items_summary_and_no_plans():
    s = with_summaries_and_plans(session())
    page = page_context(scene(s.state), FACILITATOR, Filters(item=s.lounge))
    assert [summary["item_id"] for summary in page["summaries"]] == [s.lounge]
    assert page["plans"] == []
    assert page["filters"] == Filters(item=s.lounge)
    assert page["tags"] == [("flow", 2), ("staffing", 2), ("pharmacy", 1)]  # the tags to pick from, unfiltered


@pytest.mark.parametrize("filters", [Filters(tag="flow"), Filters(kind="barrier")])
def test_filtered_by_tag_or_kind_the_page_shows_notes_only(filters):
    s = with_summaries_and_plans(session())
    page = page_context(scene(s.state), FACILITATOR, filters)
    assert (page["summaries"], page["plans"]) == ([], [])
    assert {entry.what for entry in page["entries"]} == {"note"}
