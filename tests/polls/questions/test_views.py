"""Pure tests of what each surface shows of the questions: the phones' list, a person's own
questions, the console, the screen, the state API and the CSV export. No author is ever shown
for an anonymous question, on any of them."""

import csv
import io
import json

import pytest

from facilitator.polls.questions import pages, views
from facilitator.polls.questions.model import Question, questions_of
from facilitator.polls.questions.views import SCREEN_TOP
from facilitator.rooms.model import Actor, RoomState
from facilitator.rooms.views import Scene
from facilitator.screen import views as screen_views
from tests.polls.questions.test_rules import (
    PEOPLE,
    TEXT,
    add_case,
    add_discussion,
    ask,
    configure,
    in_questions_phase,
    in_status,
    moderate,
    question,
    start,
    upvote,
    withdraw,
)
from tests.pure import FACILITATOR, MIN, SCREEN, SCRIBE, SEC, T0, join, person, room_with, run

SECOND_TEXT = "Is the discharge lounge staffed at night?"


def qa_screen(shown: Scene) -> dict:
    """The questions on the screen, as the screen's stage prints them (facilitator/screen)."""
    stage = screen_views.stage(shown)
    listed = stage["questions"] or {}
    return {
        "active": bool(stage["pinned"] or stage["questions"]),
        "pinned": stage["pinned"],
        "top": listed.get("top", []),
        "about": listed.get("about", ""),
        "more": listed.get("more", 0),
        "pending": listed.get("pending", 0),
        "dismissed": listed.get("dismissed", 0),
    }


def scene(state: RoomState) -> Scene:
    return Scene(state, frozenset())


def ids(rows: list) -> list[str]:
    return [row.id if isinstance(row, Question) else row["id"] for row in rows]


def text_of(output) -> str:
    return output if isinstance(output, str) else json.dumps(output, default=repr, ensure_ascii=False)


def pin(state: RoomState, question_id: str | None, now: int = T0 + 10 * SEC) -> None:
    run(state, FACILITATOR, {"type": "question.pin", "question_id": question_id or ""}, now)


def every_status(state: RoomState, ana: str, ben: str) -> dict[str, str]:
    """One question in each status, Ana's and Ben's in turn, a few seconds apart."""
    asked = {}
    for i, status in enumerate(["live", "answered", "pending", "dismissed", "archived", "withdrawn"]):
        asked[status] = in_status(state, (ana, ben)[i % 2], status, T0 + i * 20 * SEC)
    return asked


def row_of(q: Question, item_title: str = "", belongs: str = "") -> dict:
    names = {
        "pending": "awaiting approval",
        "live": "open",
        "answered": "answered",
        "dismissed": "dismissed",
        "archived": "archived",
        "withdrawn": "withdrawn",
    }
    return {
        "id": q.id,
        "text": q.text,
        "votes": len(q.votes),
        "status": q.status,
        "status_name": names[q.status],
        "asked_at": q.asked_at,
        "item_id": q.item_id or "",
        "item_title": item_title,
        "belongs": belongs,
        "by": f"{q.name} · {q.organisation}" if q.name else "Anonymous",
        "edited": q.edited,
        "reason": q.reason,
    }


# -- ordering --------------------------------------------------------------------


def made(id_: str, asked_at: int, votes: int, status: str = "live") -> Question:
    return Question(
        id=id_,
        text="?",
        author="x",
        item_id=None,
        asked_at=asked_at,
        status=status,
        votes={f"v{i}" for i in range(votes)},
    )


ORDERING = [
    made("old-two", T0, 2),
    made("answered-many", T0 + 1, 9, "answered"),
    made("new-two", T0 + 2, 2),
    made("three", T0 + 3, 3),
    made("none", T0 + 4, 0),
    made("answered-none", T0 + 5, 0, "answered"),
]


def test_most_popular_puts_votes_first_older_first_among_equals_and_answered_last():
    assert ids(views.ordered(ORDERING)) == ["three", "old-two", "new-two", "none", "answered-many", "answered-none"]
    assert ids(views.ordered(ORDERING, "popular")) == ids(views.ordered(ORDERING))
    assert ids(views.ordered(list(reversed(ORDERING)))) == ids(views.ordered(ORDERING))


def test_most_recent_puts_newest_first_and_answered_last():
    assert ids(views.ordered(ORDERING, "recent")) == [
        "none",
        "three",
        "new-two",
        "old-two",
        "answered-none",
        "answered-many",
    ]


def test_ordering_leaves_the_list_it_is_given_alone():
    given = list(ORDERING)
    views.ordered(given)
    assert given == ORDERING


# -- the phones' list ------------------------------------------------------------


def test_the_list_shows_live_and_answered_questions_only_and_counts_pending_and_dismissed():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    asked = every_status(state, ana, ben)
    upvote(state, cat, asked["live"], T0 + 3 * MIN)
    configure(state, T0 + 3 * MIN, moderated=True)
    shown = views.qa_list(scene(state))
    assert ids(shown["questions"]) == [asked["live"], asked["answered"]]
    assert shown["questions"][0] == row_of(question(state, asked["live"])) | {"votes": 1}
    assert shown["questions"][1]["status_name"] == "answered"
    assert (shown["pending"], shown["dismissed"], shown["moderated"]) == (1, 1, True)
    assert (shown["focus"], shown["items"], shown["pinned"], shown["ended"]) == ("", [], None, False)
    hidden = {asked[status] for status in ("pending", "dismissed", "archived", "withdrawn")}
    assert not hidden & set(ids(shown["questions"]))


def test_the_list_offers_a_filter_for_each_agenda_item_asked_about_and_shows_the_pin():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    case, discussion = add_case(state), add_discussion(state)
    general = ask(state, ana, now=T0 - 4 * MIN)
    in_questions_phase(state, case, T0 - 2 * MIN)
    about_case = ask(state, ben, SECOND_TEXT, T0 - 2 * MIN + SEC)
    pin(state, about_case, T0 - 2 * MIN + 2 * SEC)
    shown = views.qa_list(scene(state))
    assert shown["items"] == [{"id": case, "title": "Westbrook Clinic"}]  # not the discussion: nothing asked
    assert (shown["focus"], shown["pinned"]) == (case, about_case)
    rows = {row["id"]: row for row in shown["questions"]}
    assert (rows[about_case]["item_id"], rows[about_case]["item_title"]) == (case, "Westbrook Clinic")
    assert (rows[general]["item_id"], rows[general]["item_title"]) == ("", "")
    assert discussion not in json.dumps(shown)


def test_the_list_is_ordered_by_votes_and_counts_are_exact():
    state, (ana, ben, cat, dev) = room_with(people=PEOPLE[:4])
    first, second = ask(state, ana), ask(state, ben, SECOND_TEXT, T0 + 1)
    for voter in (ana, cat, dev):
        upvote(state, voter, second)
    upvote(state, cat, first)
    shown = views.qa_list(scene(state))["questions"]
    assert [(row["id"], row["votes"]) for row in shown] == [(second, 3), (first, 1)]


# -- a person's own questions ----------------------------------------------------


def test_mine_shows_my_questions_in_every_status_with_the_reason_and_my_upvotes():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    live = ask(state, ana, now=T0)
    configure(state, T0 + 1, moderated=True)
    pending = ask(state, ana, "Who pays for the transport home?", T0 + 20 * SEC)
    dismissed = ask(state, ana, "Can we skip the pharmacy check?", T0 + 40 * SEC)
    moderate(state, "question.dismiss", dismissed, T0 + 50 * SEC, reason="Not about this case")
    configure(state, T0 + 51 * SEC, moderated=False)
    withdrawn = ask(state, ana, "Never mind?", T0 + 2 * MIN)
    withdraw(state, ana, withdrawn, T0 + 2 * MIN + SEC)
    bens = ask(state, ben, SECOND_TEXT, T0 + 2 * MIN + 2 * SEC)
    cats = ask(state, cat, "Who calls the family?", T0 + 2 * MIN + 3 * SEC)
    upvote(state, ana, bens, T0 + 3 * MIN)
    upvote(state, ben, live, T0 + 3 * MIN)

    mine = views.qa_mine(scene(state), person(ana))
    assert ids(mine["mine"]) == [live, pending, dismissed]
    assert mine["mine"][0] == row_of(question(state, live)) | {"votes": 1}
    assert (mine["mine"][1]["status"], mine["mine"][1]["status_name"]) == ("pending", "awaiting approval")
    assert (mine["mine"][2]["status"], mine["mine"][2]["reason"]) == ("dismissed", "Not about this case")
    assert (mine["voted"], mine["ended"]) == (bens, False)

    theirs = views.qa_mine(scene(state), person(ben))
    assert (ids(theirs["mine"]), theirs["voted"]) == ([bens], live)
    assert views.qa_mine(scene(state), person(cat)) == {
        "mine": [row_of(question(state, cats))],
        "voted": "",
        "ended": False,
    }
    for other in (pending, dismissed, "Not about this case", "Who pays", "skip the pharmacy"):
        assert other not in json.dumps(theirs)


def test_mine_lists_every_question_i_upvoted():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    first, second, third = ask(state, ben), ask(state, cat, SECOND_TEXT, T0 + 1), ask(state, ben, "Why?", T0 + 2)
    upvote(state, ana, first)
    upvote(state, ana, third)
    assert views.qa_mine(scene(state), person(ana))["voted"] == f"{first} {third}"
    upvote(state, ana, first, T0 + 2 * SEC)  # taken back
    assert views.qa_mine(scene(state), person(ana))["voted"] == third
    assert second not in views.qa_mine(scene(state), person(ana))["voted"]


# -- focus and the screen --------------------------------------------------------


def test_focus_is_the_case_in_its_questions_phase_only():
    state, _ = room_with(people=PEOPLE[:2])
    case, discussion = add_case(state), add_discussion(state)
    assert views.focus(scene(state)) is None  # nothing running
    start(state, case, T0 - 3 * MIN)
    assert views.focus(scene(state)) is None  # the presentation
    run(state, FACILITATOR, {"type": "timer.next"}, T0 - 2 * MIN)
    assert views.focus(scene(state)) == case
    run(state, FACILITATOR, {"type": "timer.pause"}, T0 - 2 * MIN + SEC)
    assert views.focus(scene(state)) == case  # paused, still its questions
    start(state, discussion, T0 - MIN)
    assert views.focus(scene(state)) is None
    run(state, FACILITATOR, {"type": "timer.finish"}, T0)
    assert views.focus(scene(state)) is None


def test_the_screen_is_inactive_by_default():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    case = add_case(state)
    ask(state, ana)
    start(state, case, T0 + SEC)  # presenting: questions wait
    shown = qa_screen(scene(state))
    assert (shown["active"], shown["pinned"], shown["about"]) == (False, None, "")


def test_the_screen_shows_the_cases_questions_during_its_questions_phase():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    case, other = add_case(state), add_case(state, "Harbour Trust")
    general = ask(state, ana, now=T0 - 4 * MIN)
    start(state, other, T0 - 4 * MIN + SEC)
    about_other = ask(state, ben, now=T0 - 4 * MIN + 2 * SEC)
    in_questions_phase(state, case, T0 - 2 * MIN)
    first = ask(state, ana, "What would you do differently?", T0 - 2 * MIN + SEC)
    second = ask(state, ben, SECOND_TEXT, T0 - 2 * MIN + 2 * SEC)
    answered = ask(state, cat, "How long did it take?", T0 - 2 * MIN + 3 * SEC)
    moderate(state, "question.answered", answered, T0 - MIN)
    upvote(state, cat, second, T0 - MIN)
    shown = qa_screen(scene(state))
    assert (shown["active"], shown["pinned"], shown["about"], shown["more"]) == (True, None, "Westbrook Clinic", 0)
    assert ids(shown["top"]) == [second, first]  # open questions about this case only, by votes
    assert shown["top"][0] == row_of(question(state, second), "Westbrook Clinic")
    assert not {general, about_other, answered} & set(ids(shown["top"]))


def test_the_screen_shows_a_pinned_question_whatever_the_phase():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    first = ask(state, ana)
    ask(state, ben, SECOND_TEXT, T0 + 1)
    moderate(state, "question.answered", first, T0 + SEC)
    pin(state, first, T0 + 2 * SEC)
    shown = qa_screen(scene(state))
    assert (shown["active"], shown["about"]) == (True, "")
    assert shown["pinned"] == row_of(question(state, first))
    assert ids(shown["top"]) == []  # outside a case's questions phase, the pinned one alone
    pin(state, None, T0 + 3 * SEC)
    shown = qa_screen(scene(state))
    assert (shown["active"], shown["pinned"]) == (False, None)


def test_the_screen_shows_every_open_question_when_the_facilitator_puts_them_on_it():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    case = add_case(state)
    first = ask(state, ana, now=T0 - 4 * MIN)
    start(state, case, T0 - 3 * MIN)
    second = ask(state, ben, SECOND_TEXT, T0 - 3 * MIN + SEC)
    configure(state, T0, on_screen=True)
    shown = qa_screen(scene(state))
    assert (shown["active"], shown["pinned"], shown["about"]) == (True, None, "")
    assert ids(shown["top"]) == [first, second]
    configure(state, T0 + SEC, on_screen=False)
    assert qa_screen(scene(state))["active"] is False


def test_the_screen_shows_at_most_five_top_questions_by_votes():
    state, people = room_with(people=PEOPLE[:6])
    ana, ben, cat, dev, eva, finn = people
    authors = [ana, ana, ana, ben, ben, ben, cat]
    asked = [ask(state, author, f"Question {'abcdefg'[i]}?", T0 + i * SEC) for i, author in enumerate(authors)]
    wanted = [1, 5, 3, 4, 0, 2, 2]
    for question_id, author, count in zip(asked, authors, wanted, strict=True):
        voters = [p for p in people if p != author][:count]
        for voter in voters:
            upvote(state, voter, question_id, T0 + MIN)
    configure(state, T0 + MIN, on_screen=True)
    shown = qa_screen(scene(state))
    assert [(row["id"], row["votes"]) for row in shown["top"]] == [
        (asked[1], 5),
        (asked[3], 4),
        (asked[2], 3),
        (asked[5], 2),
        (asked[6], 2),
    ]
    assert (shown["more"], shown["pending"], shown["dismissed"]) == (2, 0, 0)
    assert SCREEN_TOP == 5


# -- the console and the state API -----------------------------------------------


def test_the_console_lists_every_question_by_status_but_withdrawn():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    asked = every_status(state, ana, ben)
    shown = views.qa_console(scene(state))
    assert {status: ids(rows) for status, rows in shown["by_status"].items()} == {
        status: [asked[status]] for status in ("pending", "live", "answered", "dismissed", "archived")
    }
    assert asked["withdrawn"] not in json.dumps(shown, default=repr)
    assert (shown["pending"], shown["dismissed"], shown["pinned"], shown["code"]) == (1, 1, None, "ABCDEF")


def test_the_api_shows_staff_every_question_but_withdrawn_and_participants_what_the_room_sees():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    asked = every_status(state, ana, ben)
    for viewer in (FACILITATOR, SCRIBE):
        seen = views.api_view(scene(state), viewer)
        assert ids(seen["questions"]) == [asked[s] for s in ("live", "answered", "pending", "dismissed", "archived")]
        assert (seen["pending"], seen["dismissed"], seen["moderated"], seen["pinned"]) == (1, 1, False, None)
    for viewer in (person(ana), person(ben), SCREEN):
        seen = views.api_view(scene(state), viewer)
        assert ids(seen["questions"]) == [asked["live"], asked["answered"]]
    live = question(state, asked["live"])
    expected = {key: value for key, value in row_of(live).items() if key != "status_name"}
    assert views.api_view(scene(state), FACILITATOR)["questions"][0] == expected


# -- anonymity ---------------------------------------------------------------------


def anonymous_room() -> tuple[RoomState, str, str, dict[str, str]]:
    """Ana asks anonymously in every status, about a case in its Questions phase, with one pinned;
    Ben asks a named question and upvotes Ana's."""
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    case = add_case(state)
    in_questions_phase(state, case, T0 - MIN)
    asked = {}
    for i, status in enumerate(["live", "answered", "pending", "dismissed", "archived", "withdrawn"]):
        asked[status] = in_status(state, ana, status, T0 + i * 30 * SEC)
    moderate(state, "question.edit", asked["live"], T0 + 4 * MIN, text="Who signs off discharges at weekends?")
    asked["named"] = ask(state, ben, SECOND_TEXT, T0 + 4 * MIN, named=True)
    upvote(state, ben, asked["live"], T0 + 5 * MIN)
    upvote(state, cat, asked["live"], T0 + 5 * MIN)
    pin(state, asked["live"], T0 + 5 * MIN)
    return state, ana, ben, asked


def surfaces(state: RoomState, ben: str, cat_actor: Actor) -> dict[str, object]:
    shown = scene(state)
    return {
        "qa_list": views.qa_list(shown),
        "qa_mine of Ben": views.qa_mine(shown, person(ben)),
        "qa_mine of Cat": views.qa_mine(shown, cat_actor),
        "qa_console": views.qa_console(shown),
        "qa_screen": qa_screen(shown),
        "qa_ask": views.qa_ask(shown),
        "api for the facilitator": views.api_view(shown, FACILITATOR),
        "api for the scribe": views.api_view(shown, SCRIBE),
        "api for Ben": views.api_view(shown, person(ben)),
        "api for the screen": views.api_view(shown, SCREEN),
        "csv": pages.questions_csv(shown),
    }


def test_no_surface_names_the_author_of_an_anonymous_question():
    state, ana, ben, asked = anonymous_room()
    cat = next(pid for pid in state.participants if pid not in (ana, ben))
    hashes = [value for q in questions_of(state).questions.values() for value in (q.author, *q.votes)]
    assert hashes  # nor any author's or voter's hash
    secrets = [ana, "Ana Lopez", "Ana", "Lopez", "St Mary's", "St Mary", *hashes]
    for name, output in surfaces(state, ben, person(cat)).items():
        text = text_of(output)
        for secret in secrets:
            assert secret not in text, f"{name} shows {secret!r}"
    # The named question does show its asker, so the search above looks in the right place.
    assert "Ben Okafor · Northfield Trust" in text_of(views.qa_list(scene(state)))
    assert "Ben Okafor · Northfield Trust" in pages.questions_csv(scene(state))
    # And the anonymous ones are shown, as "Anonymous".
    assert "Who signs off discharges at weekends?" in text_of(qa_screen(scene(state)))
    assert qa_screen(scene(state))["pinned"]["by"] == "Anonymous"


@pytest.mark.parametrize("status", ["live", "answered", "pending", "dismissed", "archived"])
def test_the_author_sees_their_anonymous_question_as_anonymous_too(status):
    state, ana, _, asked = anonymous_room()
    mine = views.qa_mine(scene(state), person(ana))
    rows = {row["id"]: row for row in mine["mine"]}
    assert rows[asked[status]]["by"] == "Anonymous"
    shown = json.dumps(mine)
    assert question(state, asked[status]).author not in shown and ana not in shown


# -- export --------------------------------------------------------------------------


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_has_a_header_and_a_row_per_question_but_withdrawn():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    case = add_case(state)
    in_questions_phase(state, case, T0 - MIN)
    asked = every_status(state, ana, ben)
    named = ask(state, cat, SECOND_TEXT, T0 + 3 * MIN, named=True)
    upvote(state, ana, named, T0 + 4 * MIN)
    upvote(state, ben, named, T0 + 4 * MIN)
    moderate(state, "question.edit", asked["archived"], T0 + 4 * MIN, text="Reworded by the facilitator?")
    rows = rows_of(pages.questions_csv(scene(state)))
    assert rows[0] == [
        "asked at (UTC)",
        "agenda item",
        "question",
        "asked by",
        "upvotes",
        "status",
        "edited",
        "reason for dismissal",
    ]
    assert rows[0] == list(pages.COLUMNS)
    body = rows[1:]
    assert len(body) == 6  # five statuses and the named question; not the withdrawn one
    by_text = {row[2]: row for row in body}
    assert by_text[SECOND_TEXT] == [
        "2023-11-14 22:16:20",
        "Westbrook Clinic",
        SECOND_TEXT,
        "Cat Ward · Eastgate Care",
        "2",
        "open",
        "",
        "",
    ]
    assert body[0][2] == SECOND_TEXT  # most upvoted first
    assert [row[5] for row in body] == ["open", "open", "awaiting approval", "dismissed", "archived", "answered"]
    assert by_text["Reworded by the facilitator?"][6] == "yes"
    assert all(row[3] == "Anonymous" for row in body if row[2] != SECOND_TEXT)
    assert all(row[0].startswith("2023-11-14 22:1") for row in body)


def test_the_csv_writes_the_dismissal_reason():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana)
    moderate(state, "question.dismiss", question_id, reason="Asked already")
    rows = rows_of(pages.questions_csv(scene(state)))
    assert rows[1] == ["2023-11-14 22:13:20", "", TEXT, "Anonymous", "0", "dismissed", "", "Asked already"]


@pytest.mark.parametrize("text", ['=HYPERLINK("http://example.org","Click")', "+cmd", "-sum", "@SUM"])
def test_the_csv_never_writes_a_formula(text):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    ask(state, ana, text)
    rows = rows_of(pages.questions_csv(scene(state)))
    assert rows[1][2] == "'" + text


def test_a_formula_in_a_name_or_reason_is_defused_too():
    state = room_with().state
    eve = join(state, "=Eve", "@Org", T0 - MIN)
    question_id = ask(state, eve, named=True)
    moderate(state, "question.dismiss", question_id, reason="=1+1")
    row = rows_of(pages.questions_csv(scene(state)))[1]
    assert (row[3], row[7]) == ("'=Eve · @Org", "'=1+1")


def test_the_csv_leaves_out_text_its_writer_confirmed_holds_an_identifier():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    question_id = ask(state, ana, "Write to ward.clerk@example.org?", confirm_identifiers=True)
    assert question(state, question_id).flags == ["email"]
    assert question(state, question_id).text == "Write to ward.clerk@example.org?"
    rows = rows_of(pages.questions_csv(scene(state)))
    assert rows[1][2] == "[left out: possible patient identifier]"
    assert "ward.clerk" not in pages.questions_csv(scene(state))
