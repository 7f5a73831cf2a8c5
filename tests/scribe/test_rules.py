"""Pure tests of the scribe's rules: notes and their versions, links, tags, roles, case summaries
and action plans.

decide and apply with the time passed in through the Context; no I/O, no clock.
Patient-identifier screening is tested in tests/rooms/test_privacy.py, the session record in
tests/record/test_timeline.py.
"""

import pytest

from facilitator.features import RULES
from facilitator.rooms.hub import LiveRoom
from facilitator.rooms.model import Actor, Decision, Event, RoomState
from facilitator.rooms.views import Scene
from facilitator.scribe import views
from facilitator.scribe.model import ActionPlan, Note, Notebook, notebook_of
from facilitator.scribe.pages import prefill
from tests.pure import FACILITATOR, MIN, SCREEN, SCRIBE, SEC, T0, decide, person, refusal, room_with, run, types

PEOPLE = [("Ana Lopez", "St Mary's"), ("Ben Okafor", "Northfield Trust"), ("Cat Ward", "Eastgate Care")]
TEXT = "Pharmacy first cut the wait for discharge medicines"
GONE = "There is no such note; it may have been deleted."
NO_PLAN = "There is no such action plan; it may have been deleted."
NOT_OURS = "You can write only your own organisation's action plan."
PLAN_FIELDS = {
    "gap": "",
    "change": "",
    "impact": "",
    "effort": "",
    "owner": "",
    "sponsor": "",
    "milestone_30": "",
    "milestone_90": "",
    "milestone_12": "",
    "monitoring": "",
}
SUMMARY_FIELDS = {"problem": "", "intervention": "", "baseline": "", "result": "", "tips": "", "barriers": ""}


# -- helpers ---------------------------------------------------------------


def add_item(state: RoomState, title: str, kind: str = "discussion", now: int = T0 - 5 * MIN) -> str:
    raw = {"type": "agenda.add", "kind": kind, "title": title, "minutes": 10}
    return run(state, FACILITATOR, raw, now)[0].data["item"]["id"]


def start_item(state: RoomState, title: str, kind: str = "discussion", now: int = T0 - 2 * MIN) -> str:
    item_id = add_item(state, title, kind, now - 1)
    run(state, FACILITATOR, {"type": "timer.start", "item_id": item_id}, now)
    return item_id


def give_floor(state: RoomState, speaker: str, now: int = T0 - MIN) -> None:
    run(state, FACILITATOR, {"type": "floor.give", "speaker": speaker}, now)


def post(state: RoomState, text: str = TEXT, actor: Actor = SCRIBE, now: int = T0, **fields) -> str:
    events = run(state, actor, {"type": "note.post", "text": text, **fields}, now)
    assert types(events) == ["note.posted"]
    return events[0].data["note_id"]


def edit(
    state: RoomState, note_id: str, text: str, actor: Actor = SCRIBE, now: int = T0 + MIN, **fields
) -> list[Event]:
    return run(state, actor, {"type": "note.edit", "note_id": note_id, "text": text, **fields}, now)


def delete(state: RoomState, note_id: str, actor: Actor = SCRIBE, now: int = T0 + 2 * MIN) -> list[Event]:
    return run(state, actor, {"type": "note.delete", "note_id": note_id}, now)


def note(state: RoomState, note_id: str) -> Note:
    return notebook_of(state).notes[note_id]


def scene(state: RoomState) -> Scene:
    return Scene(state, frozenset())


def shown(state: RoomState, note_id: str, history: bool = False) -> dict:
    return views.note_view(scene(state), note(state, note_id), history=history)


def apply_in_order(state: RoomState, decisions: list[Decision], now: int) -> list[Event]:
    """What the hub does with decisions made against the same state: append them to the log in turn."""
    events = []
    for decision in decisions:
        for draft in decision.events:
            event = Event(room=state.code, seq=state.seq + 1, type=draft.type, data=draft.data, at=now)
            RULES.apply(state, event)
            events.append(event)
    return events


def save_plan(
    state: RoomState, actor: Actor, change: str = "Open a discharge lounge", now: int = T0, **fields
) -> list[Event]:
    return run(state, actor, {"type": "plan.save", "change": change, **fields}, now)


def plan(state: RoomState, plan_id: str) -> ActionPlan:
    return notebook_of(state).plans[plan_id]


def save_summary(state: RoomState, item_id: str, actor: Actor = SCRIBE, now: int = T0, **fields) -> list[Event]:
    return run(state, actor, {"type": "summary.save", "item_id": item_id, **fields}, now)


# -- posting ---------------------------------------------------------------


def test_a_scribe_posts_a_note_that_becomes_its_first_version():
    state = room_with().state
    decision = decide(state, SCRIBE, {"type": "note.post", "text": TEXT}, T0)
    note_id = decision.reply["note_id"]
    assert len(note_id) == 10
    assert [(d.type, d.data) for d in decision.events] == [
        (
            "note.posted",
            {
                "note_id": note_id,
                "text": TEXT,
                "kind": "insight",
                "tags": [],
                "item_id": None,
                "speaker_id": None,
                "by": "scribe",
                "flags": [],
            },
        )
    ]
    events = apply_in_order(state, [decision], T0)
    assert types(events) == ["note.posted"]
    posted = note(state, note_id)
    assert (len(posted.versions), posted.edited, posted.created_at, posted.deleted_at) == (1, False, T0, None)
    assert (posted.latest.text, posted.latest.at, posted.latest.by) == (TEXT, T0, "scribe")


def test_notes_posted_in_one_room_get_distinct_ids_and_keep_the_order_posted():
    state = room_with().state
    ids = [post(state, f"Note {n}", now=T0 + n * SEC) for n in range(3)]
    assert len(set(ids)) == 3
    assert list(notebook_of(state).notes) == ids


def test_the_facilitator_posts_notes_too():
    state = room_with().state
    note_id = post(state, actor=FACILITATOR)
    assert note(state, note_id).latest.by == "facilitator"
    assert shown(state, note_id)["by"] == "facilitator"


def test_kind_defaults_to_insight_and_each_kind_is_accepted():
    state = room_with().state
    assert note(state, post(state)).latest.kind == "insight"
    for kind, label in [
        ("practice", "Best practice"),
        ("barrier", "Barrier"),
        ("action", "Action item"),
        ("decision", "Decision"),
        ("quote", "Quote"),
    ]:
        note_id = post(state, f"A {kind}", kind=kind)
        assert (shown(state, note_id)["kind"], shown(state, note_id)["kind_name"]) == (kind, label)


def test_an_unknown_kind_is_refused():
    error = refusal(room_with().state, SCRIBE, {"type": "note.post", "text": TEXT, "kind": "gossip"})
    assert (error.status, error.message) == (
        400,
        "kind: Input should be 'insight', 'practice', 'barrier', 'action', 'decision' or 'quote'.",
    )


@pytest.mark.parametrize("text", ["", "   ", " \n\t "])
def test_an_empty_note_is_refused(text):
    error = refusal(room_with().state, SCRIBE, {"type": "note.post", "text": text})
    assert (error.status, error.message) == (400, "Please give the note.")


def test_a_note_of_1000_characters_is_accepted_and_one_of_1001_refused():
    state = room_with().state
    note_id = post(state, "x" * 1000)
    assert note(state, note_id).latest.text == "x" * 1000
    error = refusal(state, SCRIBE, {"type": "note.post", "text": "x" * 1001})
    assert (error.status, error.message) == (
        400,
        "The note is too long: at most 1000 characters, please (this has 1001).",
    )


def test_line_breaks_are_kept_and_surrounding_space_trimmed():
    state = room_with().state
    note_id = post(state, "  First line  \nSecond line\n\n")
    assert note(state, note_id).latest.text == "First line\nSecond line"


# -- tags ------------------------------------------------------------------


def test_tags_come_from_hashtags_in_the_text_lower_cased_deduplicated_and_sorted():
    state = room_with().state
    note_id = post(state, "Ward rounds at 9 #Lean #flow #LEAN #ehr-integration.")
    assert note(state, note_id).latest.tags == ["ehr-integration", "flow", "lean"]


def test_tags_typed_as_a_string_are_split_on_commas_and_spaces():
    state = room_with().state
    note_id = post(state, "No hashtags here", tags="#a b, c")
    assert note(state, note_id).latest.tags == ["a", "b", "c"]


def test_tags_given_as_a_list_join_the_hashtags_of_the_text():
    state = room_with().state
    note_id = post(state, "Discharge lounge #Flow", tags=["#Discharge", "flow", "Lean"])
    assert note(state, note_id).latest.tags == ["discharge", "flow", "lean"]


def test_a_blank_tags_field_gives_no_tags():
    state = room_with().state
    assert note(state, post(state, tags="  ")).latest.tags == []


def test_more_than_twelve_tags_or_a_tag_too_long_is_refused():
    state = room_with().state
    many = refusal(state, SCRIBE, {"type": "note.post", "text": TEXT, "tags": [f"t{n}" for n in range(13)]})
    assert many.message == "tags: at most 12 items, please (this has 13)."
    long = refusal(state, SCRIBE, {"type": "note.post", "text": TEXT, "tags": "a" * 42})
    assert long.message == "tags.0: a tag is one word of up to 40 letters, digits, - or _."
    odd = refusal(state, SCRIBE, {"type": "note.post", "text": TEXT, "tags": ["<b>"]})
    assert odd.message == "tags.0: a tag is one word of up to 40 letters, digits, - or _."


# -- links -----------------------------------------------------------------


def test_a_note_links_to_the_item_running_and_the_person_holding_the_floor():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    item_id = start_item(state, "Discharge before noon")
    give_floor(state, ana)
    note_id = post(state)
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (item_id, ana)
    view = shown(state, note_id)
    assert (view["item_id"], view["item_title"], view["speaker_id"], view["speaker"]) == (
        item_id,
        "Discharge before noon",
        ana,
        "Ana Lopez · St Mary's",
    )


def test_with_nothing_running_and_nobody_speaking_a_note_links_to_nothing():
    state, _ = room_with(people=PEOPLE[:2])
    add_item(state, "Not started")
    note_id = post(state)
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (None, None)
    view = shown(state, note_id)
    assert (view["item_id"], view["item_title"], view["speaker_id"], view["speaker"]) == ("", "", "", "")


def test_once_the_turn_ends_a_note_links_to_the_item_only():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    item_id = start_item(state, "Discharge before noon")
    give_floor(state, ana, T0 - MIN)
    run(state, FACILITATOR, {"type": "floor.stop"}, T0 - SEC)
    note_id = post(state)
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (item_id, None)


def test_the_facilitator_holding_the_floor_is_named_as_such():
    state, _ = room_with(people=PEOPLE[:2])
    give_floor(state, "facilitator")
    note_id = post(state)
    assert (note(state, note_id).latest.speaker_id, shown(state, note_id)["speaker"]) == (
        "facilitator",
        "the facilitator",
    )


def test_an_item_and_speaker_chosen_explicitly_win_over_those_of_the_moment():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    earlier = add_item(state, "Pharmacy first")
    start_item(state, "Discharge before noon")
    give_floor(state, ana)
    note_id = post(state, item_id=earlier, speaker_id=ben)
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (earlier, ben)
    assert shown(state, note_id)["item_title"] == "Pharmacy first"
    other = post(state, speaker_id="facilitator")
    assert note(state, other).latest.speaker_id == "facilitator"


def test_none_unlinks_the_item_and_the_speaker():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    start_item(state, "Discharge before noon")
    give_floor(state, ana)
    note_id = post(state, item_id="none", speaker_id="none")
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (None, None)


def test_an_unknown_item_or_speaker_is_refused():
    state, _ = room_with(people=PEOPLE[:2])
    item = refusal(state, SCRIBE, {"type": "note.post", "text": TEXT, "item_id": "nope"})
    assert (item.status, item.message) == (404, "That agenda item does not exist.")
    speaker = refusal(state, SCRIBE, {"type": "note.post", "text": TEXT, "speaker_id": "nobody"})
    assert (speaker.status, speaker.message) == (404, "That person is not in the exchange.")


# -- versions --------------------------------------------------------------


def test_an_edit_appends_a_version_and_the_latest_is_shown():
    state = room_with().state
    note_id = post(state, "Pharmacy frist #flow", now=T0)
    events = edit(state, note_id, "Pharmacy first #flow", kind="practice", now=T0 + MIN)
    assert [(e.type, e.data) for e in events] == [
        (
            "note.edited",
            {
                "note_id": note_id,
                "text": "Pharmacy first #flow",
                "kind": "practice",
                "tags": ["flow"],
                "item_id": None,
                "speaker_id": None,
                "by": "scribe",
                "flags": [],
            },
        )
    ]
    edited = note(state, note_id)
    assert [(v.text, v.kind, v.at) for v in edited.versions] == [
        ("Pharmacy frist #flow", "insight", T0),
        ("Pharmacy first #flow", "practice", T0 + MIN),
    ]
    view = shown(state, note_id)
    assert (view["text"], view["kind"], view["edited"], view["created_at"], view["at"]) == (
        "Pharmacy first #flow",
        "practice",
        True,
        T0,
        T0 + MIN,
    )
    assert "history" not in view


def test_the_history_lists_every_version_newest_first():
    state = room_with().state
    note_id = post(state, "one", now=T0)
    edit(state, note_id, "two", now=T0 + MIN)
    edit(state, note_id, "three", actor=FACILITATOR, now=T0 + 2 * MIN)
    history = shown(state, note_id, history=True)["history"]
    assert [(v["text"], v["at"], v["by"]) for v in history] == [
        ("three", T0 + 2 * MIN, "facilitator"),
        ("two", T0 + MIN, "scribe"),
        ("one", T0, "scribe"),
    ]


def test_a_note_never_edited_is_not_marked_edited_and_has_one_version_in_its_history():
    state = room_with().state
    note_id = post(state)
    view = shown(state, note_id, history=True)
    assert (view["edited"], [v["text"] for v in view["history"]]) == (False, [TEXT])


def test_an_edit_that_changes_nothing_is_refused():
    state = room_with().state
    note_id = post(state, "Lounge #flow", tags="lean")
    same = {"type": "note.edit", "note_id": note_id, "text": "Lounge #flow", "tags": "#Lean"}
    error = refusal(state, SCRIBE, same)
    assert (error.status, error.message) == (400, "Nothing to change.")
    assert len(note(state, note_id).versions) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"text": "Lounge #flow!"},
        {"kind": "barrier"},
        {"tags": "lean other"},
        {"item_id": "ITEM"},
        {"speaker_id": "facilitator"},
    ],
)
def test_changing_any_one_of_text_kind_tags_item_or_speaker_makes_a_new_version(change):
    state = room_with().state
    item_id = add_item(state, "Pharmacy first")
    note_id = post(state, "Lounge #flow", tags="lean")
    change = {key: item_id if value == "ITEM" else value for key, value in change.items()}
    events = edit(state, note_id, **{"text": "Lounge #flow", "tags": "lean", **change})
    assert types(events) == ["note.edited"]
    assert len(note(state, note_id).versions) == 2


def test_an_edit_keeps_the_links_of_the_note_unless_it_changes_them():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    first = start_item(state, "Pharmacy first", now=T0 - 2 * MIN)
    give_floor(state, ana, T0 - MIN)
    note_id = post(state, now=T0)
    run(state, FACILITATOR, {"type": "timer.finish"}, T0 + SEC)
    start_item(state, "Discharge lounge", now=T0 + 2 * SEC)
    give_floor(state, ben, T0 + 3 * SEC)
    edit(state, note_id, "Pharmacy first cut the wait", now=T0 + MIN)
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (first, ana)
    edit(state, note_id, "Pharmacy first cut the wait", speaker_id="none", now=T0 + 2 * MIN)
    assert (note(state, note_id).latest.item_id, note(state, note_id).latest.speaker_id) == (first, None)


def test_a_deleted_note_is_kept_in_the_log_but_off_every_list():
    state = room_with().state
    kept = post(state, "Kept #flow", now=T0)
    gone = post(state, "Gone #lean", now=T0 + SEC)
    edit(state, gone, "Gone, edited #lean", now=T0 + MIN)
    events = delete(state, gone, now=T0 + 2 * MIN)
    assert [(e.type, e.data) for e in events] == [("note.deleted", {"note_id": gone})]
    notebook = notebook_of(state)
    assert (notebook.notes[gone].deleted_at, [v.text for v in notebook.notes[gone].versions]) == (
        T0 + 2 * MIN,
        ["Gone #lean", "Gone, edited #lean"],
    )
    assert [n.id for n in notebook.live_notes()] == [kept]
    the_scene = scene(state)
    assert [n["id"] for n in views.notes_feed(the_scene)["notes"]] == [kept]
    assert [n["id"] for n in views.notes_scribe(the_scene)["notes"]] == [kept]
    assert views.tag_counts(notebook) == {"flow": 1}
    api = views.api_view(the_scene, SCRIBE)
    assert [n["id"] for n in api["notes"]] == [kept]
    assert [v["text"] for v in api["history"][gone]] == ["Gone #lean", "Gone, edited #lean"]


def test_a_deleted_or_unknown_note_cannot_be_edited_or_deleted():
    state = room_with().state
    note_id = post(state)
    delete(state, note_id)
    for raw in (
        {"type": "note.edit", "note_id": note_id, "text": "again"},
        {"type": "note.delete", "note_id": note_id},
        {"type": "note.edit", "note_id": "unknown", "text": "again"},
        {"type": "note.delete", "note_id": "unknown"},
    ):
        error = refusal(state, SCRIBE, raw)
        assert (error.status, error.message) == (404, GONE)


def test_two_edits_decided_against_the_same_state_both_land_in_log_order():
    state = room_with().state
    note_id = post(state, "Original", now=T0)
    before = state.seq
    first = decide(state, SCRIBE, {"type": "note.edit", "note_id": note_id, "text": "Scribe one's edit"}, T0 + MIN)
    second = decide(
        state, FACILITATOR, {"type": "note.edit", "note_id": note_id, "text": "Facilitator's edit"}, T0 + MIN
    )
    events = apply_in_order(state, [first, second], T0 + MIN)
    assert ([e.seq for e in events], types(events)) == ([before + 1, before + 2], ["note.edited", "note.edited"])
    versions = note(state, note_id).versions
    assert [(v.text, v.by) for v in versions] == [
        ("Original", "scribe"),
        ("Scribe one's edit", "scribe"),
        ("Facilitator's edit", "facilitator"),
    ]
    view = shown(state, note_id, history=True)
    assert (view["text"], view["edited"]) == ("Facilitator's edit", True)
    assert [v["text"] for v in view["history"]] == ["Facilitator's edit", "Scribe one's edit", "Original"]


def test_two_identical_edits_decided_at_once_are_both_kept():
    state = room_with().state
    note_id = post(state, "Original", now=T0)
    raw = {"type": "note.edit", "note_id": note_id, "text": "Fixed"}
    decisions = [decide(state, SCRIBE, raw, T0 + MIN), decide(state, SCRIBE, raw, T0 + MIN)]
    apply_in_order(state, decisions, T0 + MIN)
    assert [v.text for v in note(state, note_id).versions] == ["Original", "Fixed", "Fixed"]


def test_an_edit_decided_before_a_delete_but_logged_after_it_is_kept_and_the_note_stays_deleted():
    state = room_with().state
    note_id = post(state, "Original", now=T0)
    edited = decide(state, SCRIBE, {"type": "note.edit", "note_id": note_id, "text": "Late edit"}, T0 + MIN)
    deleted = decide(state, FACILITATOR, {"type": "note.delete", "note_id": note_id}, T0 + MIN)
    apply_in_order(state, [deleted, edited], T0 + MIN)
    gone = note(state, note_id)
    assert (gone.deleted_at, [v.text for v in gone.versions]) == (T0 + MIN, ["Original", "Late edit"])
    assert notebook_of(state).live_notes() == []


def test_notes_are_read_only_once_the_exchange_has_ended():
    state = room_with().state
    note_id = post(state)
    run(state, FACILITATOR, {"type": "room.end"}, T0 + MIN)
    for raw in (
        {"type": "note.post", "text": TEXT},
        {"type": "note.edit", "note_id": note_id, "text": "x"},
        {"type": "note.delete", "note_id": note_id},
    ):
        error = refusal(state, SCRIBE, raw)
        assert (error.status, error.message) == (409, "This exchange has ended; its record is read-only.")


# -- tag completion --------------------------------------------------------


def tagged_room() -> RoomState:
    state = room_with().state
    post(state, "#lean #flow #ehr")
    post(state, "#lean #flow")
    post(state, "#lean #learning")
    post(state, "#leadership")
    post(state, "#legacy #ehr")
    return state


def test_completion_offers_the_tags_that_start_with_the_prefix_most_used_first_then_alphabetically():
    notebook = notebook_of(tagged_room())
    assert views.tag_counts(notebook) == {"lean": 3, "flow": 2, "ehr": 2, "learning": 1, "leadership": 1, "legacy": 1}
    assert views.complete("le", notebook) == ["lean", "leadership", "learning", "legacy"]
    assert views.complete("", notebook) == ["lean", "ehr", "flow", "leadership", "learning", "legacy"]


def test_completion_takes_the_prefix_with_or_without_its_hash_in_any_case():
    notebook = notebook_of(tagged_room())
    assert (
        views.complete("#le", notebook)
        == views.complete("le", notebook)
        == views.complete("#LE", notebook)
        == ["lean", "leadership", "learning", "legacy"]
    )
    assert views.complete("#lea", notebook) == ["lean", "leadership", "learning"]
    assert views.complete("#zzz", notebook) == []


def test_completion_stops_at_the_limit():
    notebook = notebook_of(tagged_room())
    assert views.complete("le", notebook, limit=2) == ["lean", "leadership"]
    assert views.complete("", notebook, limit=1) == ["lean"]


def test_completion_offers_only_tags_of_live_notes_as_they_read_now():
    state = room_with().state
    gone = post(state, "#legacy")
    changed = post(state, "#leeway")
    post(state, "#lean")
    delete(state, gone)
    edit(state, changed, "no tag now")
    assert views.complete("le", notebook_of(state)) == ["lean"]


def test_the_scribe_panel_offers_the_room_tags_and_what_a_note_will_link_to():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    start_item(state, "Discharge before noon")
    give_floor(state, ana)
    post(state, "#lean #flow")
    post(state, "#lean")
    links = views.note_links(scene(state))
    assert (links["tags"], links["current_item"], links["current_speaker"]) == (
        ["lean", "flow"],
        "Discharge before noon",
        "Ana Lopez · St Mary's",
    )


def test_an_empty_record_has_no_tags_to_complete():
    assert views.complete("", Notebook()) == []


# -- roles -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["participant", "screen"])
def test_only_scribes_and_the_facilitator_write_edit_and_delete_notes_and_save_summaries(who):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    item_id = add_item(state, "Pharmacy first", kind="case")
    note_id = post(state)
    actor = person(ana) if who == "participant" else SCREEN
    for raw, message in [
        ({"type": "note.post", "text": TEXT}, "Only the facilitator or a scribe can write notes."),
        ({"type": "note.edit", "note_id": note_id, "text": "x"}, "Only the facilitator or a scribe can edit notes."),
        ({"type": "note.delete", "note_id": note_id}, "Only the facilitator or a scribe can delete notes."),
        (
            {"type": "summary.save", "item_id": item_id, "problem": "x"},
            "Only the facilitator or a scribe can write case summaries.",
        ),
    ]:
        error = refusal(state, actor, raw)
        assert (error.status, error.message) == (403, message)


def test_scribes_and_the_facilitator_edit_and_delete_one_anothers_notes():
    state = room_with().state
    note_id = post(state, actor=SCRIBE)
    edit(state, note_id, "Edited by the facilitator", actor=FACILITATOR)
    assert note(state, note_id).latest.by == "facilitator"
    delete(state, note_id, actor=SCRIBE)
    other = post(state, actor=FACILITATOR)
    delete(state, other, actor=SCRIBE)
    assert notebook_of(state).live_notes() == []


@pytest.mark.parametrize("who", ["scribe", "participant", "screen"])
def test_only_the_facilitator_puts_the_notes_on_the_screen(who):
    state, (ana, _) = room_with(people=PEOPLE[:2])
    actor = {"scribe": SCRIBE, "participant": person(ana), "screen": SCREEN}[who]
    error = refusal(state, actor, {"type": "notes.ticker", "shown": True})
    assert (error.status, error.message) == (403, "Only the facilitator can choose what the screen shows.")


def test_the_ticker_shows_the_three_newest_notes_while_it_is_on():
    state = room_with().state
    ids = [post(state, f"Note {n}", now=T0 + n * SEC) for n in range(5)]
    assert views.notes_ticker(scene(state)) == {"shown": False, "notes": []}
    assert [(e.type, e.data) for e in run(state, FACILITATOR, {"type": "notes.ticker", "shown": True}, T0 + MIN)] == [
        ("notes.ticker", {"shown": True})
    ]
    ticker = views.notes_ticker(scene(state))
    assert (ticker["shown"], [n["id"] for n in ticker["notes"]]) == (True, ids[:1:-1])
    again = refusal(state, FACILITATOR, {"type": "notes.ticker", "shown": True})
    assert (again.status, again.message) == (409, "The screen already shows the notes.")
    run(state, FACILITATOR, {"type": "notes.ticker", "shown": False}, T0 + 2 * MIN)
    assert notebook_of(state).ticker is False
    off = refusal(state, FACILITATOR, {"type": "notes.ticker", "shown": False})
    assert (off.status, off.message) == (409, "The notes are not on the screen.")


# -- case summaries --------------------------------------------------------


def test_a_summary_needs_an_agenda_item_that_exists():
    state = room_with().state
    error = refusal(state, SCRIBE, {"type": "summary.save", "item_id": "nope", "problem": "Late discharges"})
    assert (error.status, error.message) == (404, "That agenda item does not exist.")


def test_each_save_of_a_summary_is_a_new_revision_and_the_latest_is_shown():
    state = room_with().state
    item_id = add_item(state, "Pharmacy first", kind="case")
    events = save_summary(state, item_id, problem="Late discharges", now=T0)
    assert [(e.type, e.data) for e in events] == [
        (
            "summary.saved",
            {"item_id": item_id, "fields": {**SUMMARY_FIELDS, "problem": "Late discharges"}, "by": "scribe"},
        )
    ]
    save_summary(state, item_id, actor=FACILITATOR, problem="Late discharges", result="Noon", now=T0 + MIN)
    summary = notebook_of(state).summaries[item_id]
    assert [(r.fields["result"], r.at, r.by) for r in summary.revisions] == [
        ("", T0, "scribe"),
        ("Noon", T0 + MIN, "facilitator"),
    ]
    assert summary.fields == {**SUMMARY_FIELDS, "problem": "Late discharges", "result": "Noon"}
    assert views.summaries(scene(state))["cases"] == [
        {"id": item_id, "title": "Pharmacy first", "saved": True, "notes": 0}
    ]


def test_saving_a_summary_unchanged_is_refused():
    state = room_with().state
    item_id = add_item(state, "Pharmacy first", kind="case")
    save_summary(state, item_id, problem="Late discharges")
    error = refusal(state, SCRIBE, {"type": "summary.save", "item_id": item_id, "problem": "Late discharges"})
    assert (error.status, error.message) == (400, "Nothing to change.")
    assert len(notebook_of(state).summaries[item_id].revisions) == 1


def test_a_summary_is_prefilled_from_its_case_notes_by_kind():
    state = room_with().state
    case = start_item(state, "Pharmacy first", kind="case")
    other = add_item(state, "Another case", kind="case")
    post(state, "Pharmacist on the ward round", kind="practice")
    post(state, "Start with one ward", kind="insight")
    post(state, "Locum cover", kind="barrier")
    post(state, "Scripts ready by 10", kind="practice")
    post(state, "We did it in a week", kind="quote")
    post(state, "Elsewhere", kind="practice", item_id=other)
    post(state, "Not linked", kind="insight", item_id="none")
    gone = post(state, "Deleted barrier", kind="barrier")
    delete(state, gone)
    changed = post(state, "Old text", kind="insight")
    edit(state, changed, "New text", kind="insight")
    room = LiveRoom(state)
    assert prefill(room, case) == {
        "intervention": "- Pharmacist on the ward round\n- Scripts ready by 10",
        "tips": "- Start with one ward\n- New text",
        "barriers": "- Locum cover",
    }
    assert prefill(room, other) == {"intervention": "- Elsewhere", "tips": "", "barriers": ""}
    assert views.summaries(scene(state))["cases"] == [
        {"id": case, "title": "Pharmacy first", "saved": False, "notes": 6},
        {"id": other, "title": "Another case", "saved": False, "notes": 1},
    ]


# -- action plans ----------------------------------------------------------


def test_a_participant_saves_a_new_plan_for_their_own_organisation_and_it_gets_an_id():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    decision = decide(
        state,
        person(ana),
        {"type": "plan.save", "change": "Open a discharge lounge", "impact": "high", "owner": "Ana"},
        T0,
    )
    plan_id = decision.reply["plan_id"]
    assert len(plan_id) == 10
    assert [(d.type, d.data) for d in decision.events] == [
        (
            "plan.saved",
            {
                "plan_id": plan_id,
                "organisation": "St Mary's",
                "by": "participant",
                "fields": {**PLAN_FIELDS, "change": "Open a discharge lounge", "impact": "high", "owner": "Ana"},
            },
        )
    ]
    apply_in_order(state, [decision], T0)
    saved = plan(state, plan_id)
    assert (saved.organisation, len(saved.revisions), saved.fields["change"], saved.deleted_at) == (
        "St Mary's",
        1,
        "Open a discharge lounge",
        None,
    )


def test_a_participant_may_name_their_own_organisation_but_not_another():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    events = save_plan(state, person(ana), organisation="St Mary's")
    assert events[0].data["organisation"] == "St Mary's"
    error = refusal(state, person(ana), {"type": "plan.save", "change": "x", "organisation": "Northfield Trust"})
    assert (error.status, error.message) == (403, NOT_OURS)


def test_a_participant_cannot_edit_or_delete_another_organisations_plan():
    state, (ana, ben) = room_with(people=PEOPLE[:2])
    plan_id = save_plan(state, person(ben))[0].data["plan_id"]
    for raw in (
        {"type": "plan.save", "plan_id": plan_id, "change": "Hijacked"},
        {"type": "plan.save", "plan_id": plan_id, "change": "Hijacked", "organisation": "St Mary's"},
        {"type": "plan.delete", "plan_id": plan_id},
    ):
        error = refusal(state, person(ana), raw)
        assert (error.status, error.message) == (403, NOT_OURS)
    assert (len(plan(state, plan_id).revisions), plan(state, plan_id).deleted_at) == (1, None)


def test_a_colleague_of_the_same_organisation_edits_and_deletes_its_plan():
    state, (ana, eva) = room_with(people=[("Ana Lopez", "St Mary's"), ("Eva Novak", "St Mary's")])
    plan_id = save_plan(state, person(ana))[0].data["plan_id"]
    save_plan(state, person(eva), change="Open a discharge lounge by March", plan_id=plan_id, now=T0 + MIN)
    assert [r.by for r in plan(state, plan_id).revisions] == ["participant", "participant"]
    run(state, person(eva), {"type": "plan.delete", "plan_id": plan_id}, T0 + 2 * MIN)
    assert plan(state, plan_id).deleted_at == T0 + 2 * MIN


def test_scribe_and_facilitator_must_name_an_organisation_of_the_exchange():
    state, _ = room_with(people=PEOPLE[:2], organisations=["St Mary's", "Northfield Trust", "Westbrook Clinic"])
    for actor in (SCRIBE, FACILITATOR):
        missing = refusal(state, actor, {"type": "plan.save", "change": "x"})
        assert (missing.status, missing.message) == (400, "Say which organisation the action plan is for.")
        unknown = refusal(state, actor, {"type": "plan.save", "change": "x", "organisation": "Mars General"})
        assert (unknown.status, unknown.message) == (404, "Mars General is not an organisation in this exchange.")
    # On the exchange's list though nobody from it has joined yet: accepted.
    events = save_plan(state, SCRIBE, organisation="Westbrook Clinic")
    assert (events[0].data["organisation"], events[0].data["by"]) == ("Westbrook Clinic", "scribe")
    events = save_plan(state, FACILITATOR, organisation="Northfield Trust")
    assert (events[0].data["organisation"], events[0].data["by"]) == ("Northfield Trust", "facilitator")


def test_without_a_list_the_organisations_present_are_the_ones_a_scribe_may_name():
    state, _ = room_with(people=PEOPLE[:2])
    assert save_plan(state, SCRIBE, organisation="Northfield Trust")[0].data["organisation"] == "Northfield Trust"
    error = refusal(state, SCRIBE, {"type": "plan.save", "change": "x", "organisation": "Eastgate Care"})
    assert (error.status, error.message) == (404, "Eastgate Care is not an organisation in this exchange.")


def test_the_screen_writes_no_action_plan():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    plan_id = save_plan(state, person(ana))[0].data["plan_id"]
    save = refusal(state, SCREEN, {"type": "plan.save", "change": "x", "organisation": "St Mary's"})
    assert (save.status, save.message) == (
        403,
        "Only the facilitator or a scribe or a participant can write action plans.",
    )
    gone = refusal(state, SCREEN, {"type": "plan.delete", "plan_id": plan_id})
    assert (gone.status, gone.message) == (
        403,
        "Only the facilitator or a scribe or a participant can delete action plans.",
    )


def test_a_plan_needs_the_change_committed_to():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    error = refusal(state, person(ana), {"type": "plan.save", "change": "  "})
    assert (error.status, error.message) == (400, "Please give the change you will make.")


def test_editing_a_plan_appends_a_revision_and_keeps_its_organisation():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    plan_id = save_plan(state, person(ana), now=T0)[0].data["plan_id"]
    events = save_plan(
        state,
        SCRIBE,
        plan_id=plan_id,
        change="Open a discharge lounge",
        owner="Ana",
        organisation="Northfield Trust",
        now=T0 + MIN,
    )
    assert [(e.type, e.data) for e in events] == [
        (
            "plan.saved",
            {
                "plan_id": plan_id,
                "organisation": "St Mary's",
                "by": "scribe",
                "fields": {**PLAN_FIELDS, "change": "Open a discharge lounge", "owner": "Ana"},
            },
        )
    ]
    edited = plan(state, plan_id)
    assert [(r.fields["owner"], r.at, r.by) for r in edited.revisions] == [
        ("", T0, "participant"),
        ("Ana", T0 + MIN, "scribe"),
    ]
    assert (edited.organisation, edited.fields["owner"]) == ("St Mary's", "Ana")
    assert list(notebook_of(state).plans) == [plan_id]


def test_saving_a_plan_unchanged_is_refused():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    plan_id = save_plan(state, person(ana), owner="Ana")[0].data["plan_id"]
    error = refusal(
        state,
        person(ana),
        {"type": "plan.save", "plan_id": plan_id, "change": "Open a discharge lounge", "owner": "Ana"},
    )
    assert (error.status, error.message) == (400, "Nothing to change.")


def test_an_unknown_or_deleted_plan_cannot_be_edited_or_deleted():
    state, (ana, _) = room_with(people=PEOPLE[:2])
    plan_id = save_plan(state, person(ana))[0].data["plan_id"]
    events = run(state, person(ana), {"type": "plan.delete", "plan_id": plan_id}, T0 + MIN)
    assert [(e.type, e.data) for e in events] == [("plan.deleted", {"plan_id": plan_id})]
    for raw in (
        {"type": "plan.save", "plan_id": plan_id, "change": "Again"},
        {"type": "plan.delete", "plan_id": plan_id},
        {"type": "plan.save", "plan_id": "unknown", "change": "Again"},
        {"type": "plan.delete", "plan_id": "unknown"},
    ):
        error = refusal(state, person(ana), raw)
        assert (error.status, error.message) == (404, NO_PLAN)


def test_commitments_show_which_organisations_have_committed_to_a_change():
    state, (ana, ben, cat) = room_with(people=PEOPLE[:3])
    lounge = save_plan(state, person(ana), change="Open a discharge lounge", owner="Ana")[0].data["plan_id"]
    rounds = save_plan(state, person(ana), change="Board rounds at 9")[0].data["plan_id"]
    gone = save_plan(state, person(ben), change="Pharmacy first")[0].data["plan_id"]
    run(state, person(ben), {"type": "plan.delete", "plan_id": gone}, T0 + MIN)
    shown_ = views.commitments(scene(state))
    assert (shown_["committed"], shown_["total"]) == (1, 3)
    assert shown_["rows"] == [
        {"organisation": "Eastgate Care", "plans": []},
        {"organisation": "Northfield Trust", "plans": []},
        {
            "organisation": "St Mary's",
            "plans": [
                {"id": lounge, "change": "Open a discharge lounge", "owner": "Ana"},
                {"id": rounds, "change": "Board rounds at 9", "owner": ""},
            ],
        },
    ]
    save_plan(state, SCRIBE, organisation="Eastgate Care", change="Discharge checklist")
    assert (views.commitments(scene(state))["committed"], views.commitments(scene(state))["total"]) == (2, 3)
    mine = views.my_plans(scene(state), person(ben))
    assert (mine["organisation"], mine["plans"]) == ("Northfield Trust", [])


def test_with_a_list_of_organisations_commitments_count_against_the_list_in_its_order():
    state, (ana, _) = room_with(people=PEOPLE[:2], organisations=["St Mary's", "Northfield Trust", "Westbrook Clinic"])
    save_plan(state, person(ana))
    shown_ = views.commitments(scene(state))
    assert ([row["organisation"] for row in shown_["rows"]], shown_["committed"], shown_["total"]) == (
        ["St Mary's", "Northfield Trust", "Westbrook Clinic"],
        1,
        3,
    )
