"""Breakout rounds as pure rules: setting up (the groups `assign` computes), adjusting, opening,
worksheets written by members, closing, report-back, late joiners and removals, and refusals
in sentences."""

import pytest

from facilitator.rooms.breakouts import views
from facilitator.rooms.breakouts.model import SECTIONS, breakouts_of
from facilitator.rooms.breakouts.views import quality_lines
from facilitator.rooms.model import NeedsConfirmation
from facilitator.rooms.views import Scene
from facilitator.scribe.model import notebook_of
from tests.pure import FACILITATOR, JOIN, MIN, SCREEN, SCRIBE, SEC, T0, VISITOR, person, refusal, room_with, types

NINE = [(f"{org}{i}", org) for org in ("North", "River", "East") for i in range(3)]


def nine(**setup):
    room = room_with(NINE)
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 3, "topics": ["Checklists"], **setup}, T0)
    return room


def current(room):
    return breakouts_of(room.state).current


def members(room) -> list[list[str]]:
    return [sorted(group.members) for group in current(room).groups]


def opened(**setup):
    room = nine(**setup)
    room.do(FACILITATOR, {"type": "breakouts.open"}, T0 + SEC)
    return room


def member_of(room, group_index: int = 0) -> str:
    return current(room).groups[group_index].members[0]


# -- setting up ----------------------------------------------------------------------


def test_a_round_is_set_up_with_a_preview_of_groups_that_mix_organisations():
    room = nine()
    round_ = current(room)
    assert round_.status == "setup" and round_.number == 1
    assert [group.name for group in round_.groups] == ["Group 1", "Group 2", "Group 3"]
    assert [group.topic for group in round_.groups] == ["Checklists"] * 3
    assert [section.title for section in round_.groups[0].sections] == list(SECTIONS)
    assert sorted(m for group in members(room) for m in group) == sorted(room.people.values())
    orgs = {pid: name[:-1] for name, pid in room.people.items()}
    assert all(len({orgs[m] for m in group}) == 3 for group in members(room))
    assert quality_lines(room.state, round_)[0] == "No organisation repeated in any group"


def test_the_same_seed_gives_the_same_groups():
    first, second = nine(seed=7), nine(seed=7)
    assert members(first) == members(second)


def test_a_group_size_gives_the_number_of_groups_and_topics_go_one_per_group():
    room = room_with(NINE)
    room.do(FACILITATOR, {"type": "breakouts.setup", "group_size": 4, "topics": "A\nB"}, T0)
    assert [group.topic for group in current(room).groups] == ["A", "B"]
    assert sorted(len(group) for group in members(room)) == [4, 5]


def test_set_up_again_replaces_the_preview_and_keeps_the_round_number():
    room = nine()
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 2, "sections": "Why\nWhat"}, T0)
    round_ = current(room)
    assert round_.number == 1 and len(breakouts_of(room.state).rounds) == 1 and len(round_.groups) == 2
    assert [s.title for s in round_.groups[0].sections] == ["Why", "What"]


@pytest.mark.parametrize(
    ("setup", "sentence"),
    [
        ({"groups": 10}, "There are more groups (10) than people (9): fewer groups, please."),
        ({"groups": 3, "cap": 2}, "A cap of 2 is below the group size (3 for 9 people in 3 groups)"),
        ({"groups": 3, "topics": ["A", "B"]}, "Give one topic for each of the 3 groups, or one for all (there are 2)."),
        ({"groups": 3, "strategy": "choose", "topics": ["A"]}, "give one topic for each of the 3 groups"),
        ({}, "Say how many groups, or how many people in each."),
        ({"groups": 3, "item_id": "nope"}, "That agenda item does not exist."),
        ({"groups": 3, "keep_same_groups": True}, "There is no earlier round whose groups could be kept."),
        ({"groups": 3, "avoid_repeats": True, "keep_same_groups": True}, "not both"),
        ({"groups": 0}, "groups: at least 1, please."),
        ({"groups": 3, "strategy": "best"}, "strategy"),
    ],
)
def test_impossible_settings_are_refused_in_a_sentence(setup, sentence):
    state, _ = room_with(NINE)
    assert sentence in refusal(state, FACILITATOR, {"type": "breakouts.setup", **setup}).message


def test_nobody_to_group_is_refused():
    state, _ = room_with()
    assert "Nobody has joined yet" in refusal(state, FACILITATOR, {"type": "breakouts.setup", "groups": 1}).message


@pytest.mark.parametrize(
    "command",
    [
        {"type": "breakouts.setup", "groups": 3},
        {"type": "breakouts.move", "participant_id": "x", "group_id": "g1"},
        {"type": "breakouts.reshuffle"},
        {"type": "breakouts.rename", "group_id": "g1", "name": "A"},
        {"type": "breakouts.open"},
        {"type": "breakouts.close"},
        {"type": "breakouts.message", "text": "5 minutes left"},
        {"type": "breakouts.report"},
    ],
)
def test_only_the_facilitator_runs_a_round(command):
    room = nine()
    ana = next(iter(room.people.values()))
    for actor in (person(ana), SCRIBE, SCREEN):
        assert refusal(room.state, actor, command).status == 403


def test_the_round_takes_the_running_agenda_item():
    room = room_with(NINE, agenda=[{"kind": "breakout", "title": "Discharge checklists", "minutes": 20}])
    room.do(FACILITATOR, {"type": "timer.start", "item_id": room.items[0]}, T0)
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 3}, T0)
    assert current(room).item_id == room.items[0]


# -- adjusting ------------------------------------------------------------------------


def test_the_facilitator_moves_a_person_renames_a_group_and_reshuffles():
    room = nine(seed=1)
    pid = member_of(room, 0)
    events = room.do(FACILITATOR, {"type": "breakouts.move", "participant_id": pid, "group_id": "g2"}, T0)
    assert events[0].data["from"] == "g1"
    assert pid in current(room).groups[1].members and pid not in current(room).groups[0].members
    assert (
        "is already in Group 2"
        in refusal(room.state, FACILITATOR, {"type": "breakouts.move", "participant_id": pid, "group_id": "g2"}).message
    )
    assert refusal(
        room.state, FACILITATOR, {"type": "breakouts.move", "participant_id": pid, "group_id": "g9"}
    ).message == ("There is no such breakout group.")
    room.do(FACILITATOR, {"type": "breakouts.rename", "group_id": "g1", "name": "Blue"}, T0)
    assert current(room).groups[0].name == "Blue"
    before = members(room)
    room.do(FACILITATOR, {"type": "breakouts.reshuffle", "seed": 99}, T0)
    assert members(room) != before and current(room).seed == 99


def test_a_reshuffle_is_only_for_a_preview():
    room = opened()
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.reshuffle"}).message == ("This breakout round is open.")


# -- opening, writing, closing --------------------------------------------------------


def test_opening_fixes_the_groups_and_places_those_who_came_after_the_preview():
    room = nine()
    late = room.do(VISITOR, {**JOIN, "name": "Late", "organisation": "North"}, T0)[0].data["participant_id"]
    events = room.do(FACILITATOR, {"type": "breakouts.open", "minutes": 20}, T0 + SEC)
    assert types(events) == ["breakouts.opened"]
    round_ = current(room)
    assert round_.status == "open" and round_.ends_at == T0 + SEC + 20 * MIN
    assert round_.group_of(late) is not None
    assert sorted(len(g) for g in members(room)) == [3, 3, 4]
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.setup", "groups": 2}).message == (
        "A breakout round is open: close it before setting up the next."
    )


def test_a_late_joiner_of_an_open_round_lands_in_the_smallest_group():
    room = opened()
    pid = member_of(room, 2)
    room.do(FACILITATOR, {"type": "breakouts.move", "participant_id": pid, "group_id": "g1"}, T0 + SEC)
    late = room.do(VISITOR, {**JOIN, "name": "Late", "organisation": "East"}, T0 + 2 * SEC)[0].data["participant_id"]
    assert current(room).group_of(late).id == "g3"
    # the fold gives the same groups again
    from facilitator.features import RULES

    again = RULES.fold(room.state.code, room.log)
    assert [g.members for g in breakouts_of(again).current.groups] == [g.members for g in current(room).groups]


def test_a_removed_participant_leaves_their_group_which_keeps_its_worksheet():
    room = opened()
    pid = member_of(room, 0)
    room.do(person(pid), {"type": "breakouts.write", "section": 0, "text": "Beds wait for pharmacy"}, T0 + 2 * SEC)
    room.do(FACILITATOR, {"type": "participant.remove", "participant_id": pid}, T0 + 3 * SEC)
    group = current(room).groups[0]
    assert pid not in group.members and group.sections[0].text == "Beds wait for pharmacy"


def test_members_write_their_own_worksheet_and_concurrent_saves_both_keep_their_text():
    room = opened()
    ana, ben = current(room).groups[0].members[:2]
    room.do(person(ana), {"type": "breakouts.write", "section": 1, "text": "Ana's idea", "based_on": 0}, T0 + 2 * SEC)
    room.do(person(ben), {"type": "breakouts.write", "section": 1, "text": "Ben's idea", "based_on": 0}, T0 + 2 * SEC)
    section = current(room).groups[0].sections[1]
    assert [v.text for v in section.versions] == ["Ana's idea", "Ben's idea"]
    assert section.text == "Ben's idea" and [v.based_on for v in section.versions] == [0, 0]
    assert section.versions[0].by == ana


def test_the_facilitator_and_the_scribe_write_any_group_and_a_participant_only_their_own():
    room = opened()
    ana = member_of(room, 0)
    room.do(SCRIBE, {"type": "breakouts.write", "group_id": "g2", "section": 0, "text": "Noted"}, T0 + 2 * SEC)
    assert current(room).groups[1].sections[0].versions[0].by == "scribe"
    write = {"type": "breakouts.write", "group_id": "g2", "section": 0, "text": "Mine"}
    assert refusal(room.state, person(ana), write).message == "You can write only your own group's worksheet."
    assert refusal(room.state, FACILITATOR, {**write, "group_id": ""}).message == (
        "Say which group's worksheet this is for."
    )
    assert refusal(room.state, person(ana), {**write, "group_id": "", "section": 5}).message == (
        "There is no such section in this worksheet."
    )


def test_a_section_over_its_length_or_with_a_patient_identifier_is_refused():
    room = opened()
    ana = member_of(room, 0)
    long = refusal(room.state, person(ana), {"type": "breakouts.write", "section": 0, "text": "x" * 2001})
    assert long.message == "The worksheet section is too long: at most 2000 characters, please (this has 2001)."
    with pytest.raises(NeedsConfirmation):
        from tests.pure import decide

        decide(room.state, person(ana), {"type": "breakouts.write", "section": 0, "text": "MRN 1234567"}, T0)
    room.do(person(ana), {"type": "breakouts.write", "section": 0, "text": "MRN 1234567", "redact": True}, T0)
    assert current(room).groups[0].sections[0].text == "[medical record number removed]"


def test_a_group_recommends_one_idea():
    room = opened()
    ana = member_of(room, 0)
    room.do(person(ana), {"type": "breakouts.recommend", "idea": "Pharmacy rounds at 10"}, T0 + 2 * SEC)
    assert current(room).groups[0].recommended == "Pharmacy rounds at 10"


def test_messages_go_to_every_group_or_one():
    room = opened()
    room.do(FACILITATOR, {"type": "breakouts.message", "text": "5 minutes left"}, T0 + 2 * SEC)
    room.do(FACILITATOR, {"type": "breakouts.message", "text": "Pick one idea", "group_id": "g2"}, T0 + 3 * SEC)
    assert [(m.text, m.group_id) for m in current(room).messages] == [("5 minutes left", None), ("Pick one idea", "g2")]
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.message", "text": "x", "group_id": "g7"}).status == 404


def test_closing_makes_worksheets_read_only():
    room = opened()
    ana = member_of(room, 0)
    room.do(FACILITATOR, {"type": "breakouts.close"}, T0 + 5 * MIN)
    assert current(room).status == "closed"
    assert refusal(room.state, person(ana), {"type": "breakouts.write", "section": 0, "text": "Late"}).message == (
        "This breakout round is closed: its worksheets are read-only."
    )
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.close"}).message == "This breakout round is closed."


# -- choosing and ranking -------------------------------------------------------------


def test_participants_choose_a_topic_under_its_cap_and_the_choices_shape_the_groups():
    room = room_with(NINE)
    room.do(
        FACILITATOR, {"type": "breakouts.setup", "groups": 3, "strategy": "choose", "topics": "A\nB\nC", "cap": 3}, T0
    )
    ids = list(room.people.values())
    for pid in ids[:3]:
        room.do(person(pid), {"type": "breakouts.choose", "choice": 2}, T0)
    assert refusal(room.state, person(ids[3]), {"type": "breakouts.choose", "choice": 2}).message == (
        "That topic is full: please pick another."
    )
    assert (
        refusal(room.state, person(ids[3]), {"type": "breakouts.choose", "choice": 5}).message
        == "There is no such topic."
    )
    room.do(FACILITATOR, {"type": "breakouts.open"}, T0 + SEC)
    assert sorted(current(room).groups[2].members) == sorted(ids[:3])


def test_participants_rank_topics_only_in_a_preference_round():
    room = room_with(NINE)
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 3, "strategy": "preference", "topics": "A\nB\nC"}, T0)
    ana = next(iter(room.people.values()))
    room.do(person(ana), {"type": "breakouts.rank", "order": ["1", "0"]}, T0)
    assert current(room).rankings[ana] == [1, 0]
    assert (
        refusal(room.state, person(ana), {"type": "breakouts.rank", "order": [1, 1]}).message == "Rank each topic once."
    )
    assert (
        "no breakout topics to choose"
        in refusal(room.state, person(ana), {"type": "breakouts.choose", "choice": 0}).message
    )


# -- report-back and later rounds -----------------------------------------------------


def test_report_back_walks_the_groups_with_a_countdown():
    room = opened()
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.report"}).message == "This breakout round is open."
    room.do(FACILITATOR, {"type": "breakouts.close"}, T0 + MIN)
    room.do(FACILITATOR, {"type": "breakouts.report", "seconds": 90}, T0 + 2 * MIN)
    round_ = current(room)
    assert round_.reporting == 0 and round_.report_ends_at == T0 + 2 * MIN + 90 * SEC
    assert (
        refusal(room.state, FACILITATOR, {"type": "breakouts.report", "step": "previous"}).message
        == "This is the first group."
    )
    room.do(FACILITATOR, {"type": "breakouts.report", "step": "next"}, T0 + 3 * MIN)
    room.do(FACILITATOR, {"type": "breakouts.report", "step": "next"}, T0 + 4 * MIN)
    assert (
        refusal(room.state, FACILITATOR, {"type": "breakouts.report", "step": "next"}).message
        == "That was the last group."
    )
    room.do(FACILITATOR, {"type": "breakouts.report", "step": "stop"}, T0 + 5 * MIN)
    assert current(room).reporting is None and current(room).reported == {"g1", "g2", "g3"}


def test_a_second_round_keeps_the_same_groups_or_counts_repeated_pairs():
    room = opened()
    room.do(FACILITATOR, {"type": "breakouts.close"}, T0 + MIN)
    first = members(room)
    room.do(FACILITATOR, {"type": "breakouts.setup", "keep_same_groups": True}, T0 + 2 * MIN)
    assert current(room).number == 2 and members(room) == first
    assert "9 pairs repeat from round 1" in quality_lines(room.state, current(room))
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.reshuffle"}).message == (
        "This round keeps the last round's groups: there is nothing to reshuffle."
    )
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 3, "avoid_repeats": True}, T0 + 3 * MIN)
    assert current(room).number == 2
    round_ = current(room)
    assert quality_lines(room.state, round_)[0] == "No organisation repeated in any group"


def test_a_forms_blank_numbers_mean_none_and_bad_ones_get_a_sentence():
    room = room_with(NINE)
    form = {"type": "breakouts.setup", "groups": "3", "group_size": "", "cap": "", "seed": "", "sections": ""}
    room.do(FACILITATOR, form, T0)
    assert current(room).cap is None and len(current(room).groups) == 3
    assert refusal(room.state, FACILITATOR, {**form, "groups": "-1"}).message == "groups: at least 1, please."
    assert refusal(room.state, FACILITATOR, {"type": "breakouts.open", "minutes": "0"}).message == (
        "minutes: more than 0, please."
    )
    room.do(FACILITATOR, {"type": "breakouts.open", "minutes": ""}, T0)
    assert current(room).ends_at is None


# -- the scribe makes a note of a worksheet line ------------------------------------------


def test_each_worksheet_line_offers_the_note_it_becomes_and_posting_it_makes_that_note():
    room = room_with(NINE, agenda=[{"kind": "breakout", "title": "Discharge groups", "minutes": 20}])
    item_id = room.items[0]
    setup = {"type": "breakouts.setup", "groups": 3, "item_id": item_id, "topics": ["Checklists"]}
    room.do(FACILITATOR, setup, T0)
    room.do(FACILITATOR, {"type": "breakouts.open"}, T0 + SEC)
    room.do(FACILITATOR, {"type": "breakouts.rename", "group_id": "g2", "name": "Blue"}, T0 + SEC)
    for section, text in enumerate(("Beds wait for pharmacy", "- Pharmacy rounds at ten\n\n- A lounge", "Owner: Ana")):
        room.do(SCRIBE, {"type": "breakouts.write", "group_id": "g2", "section": section, "text": text}, T0 + MIN)
    room.do(SCRIBE, {"type": "breakouts.recommend", "group_id": "g2", "idea": "A lounge"}, T0 + MIN)
    scene = Scene(room.state, frozenset())
    shown = views.scribe(scene)["round"]["groups"][1]
    lines = [[(line["text"], line["kind"]) for line in section["lines"]] for section in shown["sections"]]
    assert lines == [
        [("Beds wait for pharmacy", "barrier")],
        [("Pharmacy rounds at ten", "insight"), ("A lounge", "insight")],
        [("Owner: Ana", "action")],
    ]
    note = shown["sections"][1]["lines"][0]
    assert (note["item_id"], note["source"], note["noted"]) == (item_id, "Blue", False)
    assert shown["recommended_note"]["kind"] == "practice"
    assert views.console(scene)["round"]["groups"][1]["sections"][1]["lines"] == shown["sections"][1]["lines"]

    # What the button sends, as the scribe: a note under the round's item, from the group.
    posted = {key: note[key] for key in ("text", "kind", "item_id", "source")}
    room.do(SCRIBE, {"type": "note.post", "speaker_id": "none", **posted}, T0 + 2 * MIN)
    made = notebook_of(room.state).live_notes()[-1].latest
    assert (made.text, made.kind, made.item_id, made.source, made.speaker_id) == (
        "Pharmacy rounds at ten",
        "insight",
        item_id,
        "Blue",
        None,
    )
    again = views.scribe(Scene(room.state, frozenset()))["round"]["groups"][1]["sections"][1]["lines"]
    assert [line["noted"] for line in again] == [True, False]


def test_a_round_on_no_agenda_item_makes_notes_on_none_and_a_preview_offers_none():
    room = room_with(NINE)
    room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 3}, T0)
    assert views.scribe(Scene(room.state, frozenset()))["round"] is None
    room.do(FACILITATOR, {"type": "breakouts.open"}, T0 + SEC)
    room.do(SCRIBE, {"type": "breakouts.write", "group_id": "g1", "section": 1, "text": "Idea"}, T0 + MIN)
    line = views.scribe(Scene(room.state, frozenset()))["round"]["groups"][0]["sections"][1]["lines"][0]
    assert (line["item_id"], line["source"]) == ("none", "Group 1")
    assert views.note_kind("Problem analysis") == "barrier" and views.note_kind("Ideas") == "insight"
    assert views.note_kind("Feasibility (impact, effort, first step, owner)") == "action"


# -- a preview that follows the choices -----------------------------------------------


def shown_members(room) -> list[list[str]]:
    groups = views.console(Scene(room.state, frozenset()))["round"]["groups"]
    return [sorted(member["id"] for member in group["members"]) for group in groups]


def test_the_console_preview_follows_the_choices_as_they_come_in_until_the_facilitator_moves_someone():
    room = room_with(NINE)
    setup = {"type": "breakouts.setup", "groups": 3, "strategy": "choose", "topics": "A\nB\nC", "cap": 3, "seed": 4}
    room.do(FACILITATOR, setup, T0)
    ids = list(room.people.values())
    assert views.console(Scene(room.state, frozenset()))["round"]["choosing"][0] == "0 of 9 have chosen a topic"
    for pid in ids[:3]:
        room.do(person(pid), {"type": "breakouts.choose", "choice": 2}, T0 + SEC)
    shown = views.console(Scene(room.state, frozenset()))["round"]
    assert shown["choosing"][0] == "3 of 9 have chosen a topic"
    assert "follow the choices" in shown["choosing"][1]
    assert shown_members(room)[2] == sorted(ids[:3])  # taken in at once, not only when the round opens
    assert "3 of 9 in their first choice" in shown["quality"]
    in_api = views.api_view(Scene(room.state, frozenset()), FACILITATOR)["rounds"][0]["groups"]
    assert [sorted(m["id"] for m in group["members"]) for group in in_api] == shown_members(room)
    again = room_with(NINE)  # the same roster, settings and choices give the same groups
    again.do(FACILITATOR, setup, T0)
    for pid in list(again.people.values())[:3]:
        again.do(person(pid), {"type": "breakouts.choose", "choice": 2}, T0 + SEC)
    assert shown_members(again) == shown_members(room)

    # A move starts from the groups on show and fixes them: later choices no longer change them.
    before = shown_members(room)
    mover = before[0][0]
    events = room.do(FACILITATOR, {"type": "breakouts.move", "participant_id": mover, "group_id": "g2"}, T0 + MIN)
    assert [sorted(members) for members in events[0].data["groups"]] == before
    fixed = shown_members(room)
    assert fixed[0] == [m for m in before[0] if m != mover] and fixed[1] == sorted([*before[1], mover])
    chooser = next(pid for pid in ids[3:] if pid not in fixed[0])
    room.do(person(chooser), {"type": "breakouts.choose", "choice": 0}, T0 + MIN + SEC)
    assert shown_members(room) == fixed
    assert "do not change them" in views.console(Scene(room.state, frozenset()))["round"]["choosing"][1]
    room.do(FACILITATOR, {"type": "breakouts.open"}, T0 + 2 * MIN)
    assert members(room) == fixed
