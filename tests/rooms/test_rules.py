"""Pure tests of the room's rules: RULES.parse, decide, apply and fold, with no I/O."""

import copy
import re
from typing import Annotated, ClassVar

import pytest
from pydantic import BeforeValidator, Field, model_validator

from facilitator.features import RULES
from facilitator.rooms import rules as room_rules
from facilitator.rooms.feature import Feature, Rules
from facilitator.rooms.model import (
    Actor,
    Command,
    CommandError,
    Context,
    Decision,
    Draft,
    Event,
    Role,
    RoomState,
)
from facilitator.rooms.secrets import secret_matches
from tests.pure import (
    CODE,
    CREATE,
    CREATED,
    FACILITATOR,
    SCREEN,
    SCRIBE,
    T0,
    VISITOR,
    context,
    decide,
    join,
    person,
    refusal,
    room_with,
    run,
)

JOIN = {"type": "participant.join", "name": "Ana", "organisation": "St Mary's", "accept_confidentiality": True}


# -- create ----------------------------------------------------------------


def test_room_create_emits_room_created_with_link_hashes_that_match_the_reply_secrets():
    state = RULES.new_state(CODE)
    decision = decide(state, VISITOR, {**CREATE, "organisations": ["St Mary's", "Northfield"]}, T0)

    assert [d.type for d in decision.events] == ["room.created"]
    data = decision.events[0].data
    assert data["title"] == "Reducing discharge delays"
    assert data["organisations"] == ["St Mary's", "Northfield"]
    links = decision.reply["links"]
    assert set(links) == set(data["link_hashes"]) == {"facilitator", "scribe", "screen"}
    for role, secret in links.items():
        assert secret_matches(secret, data["link_hashes"][role])
        assert secret not in str(data), "a secret must never be written to the log"
    assert len(set(links.values())) == 3


def test_room_create_folds_into_an_existing_room():
    state = room_with().state
    assert state.exists and state.seq == 1 and state.created_at == CREATED
    assert state.title == "Reducing discharge delays" and not state.locked and not state.ended


def test_creating_a_room_twice_is_refused():
    state = room_with().state
    error = refusal(state, VISITOR, CREATE)
    assert error.status == 409 and "already exists" in error.message


def test_commands_on_a_room_that_does_not_exist_are_refused_with_404():
    error = refusal(RULES.new_state(CODE), FACILITATOR, {"type": "room.lock"})
    assert error.status == 404


# -- join ------------------------------------------------------------------


def test_join_adds_a_participant_with_the_typed_details():
    state = room_with().state
    actor = person(join(state, name="Ana Silva", job_title="Ward manager"))
    participant = state.participants[actor.participant_id]
    assert (participant.name, participant.organisation, participant.job_title) == (
        "Ana Silva",
        "St Mary's",
        "Ward manager",
    )
    assert state.present() == [participant]


def test_join_requires_accepting_the_confidentiality_statement():
    state = room_with().state
    for raw in (
        {**JOIN, "accept_confidentiality": False},
        {k: v for k, v in JOIN.items() if k != "accept_confidentiality"},
    ):
        error = refusal(state, VISITOR, raw)
        assert error.status == 400 and "confidentiality" in error.message


def test_join_is_refused_while_the_room_is_locked():
    state = room_with().state
    run(state, FACILITATOR, {"type": "room.lock"}, T0 + 2)
    error = refusal(state, VISITOR, JOIN)
    assert error.status == 403
    assert error.message == "The facilitator has closed this exchange to new participants."


def test_join_is_allowed_again_after_unlock():
    state = room_with().state
    run(state, FACILITATOR, {"type": "room.lock"}, T0 + 2)
    run(state, FACILITATOR, {"type": "room.unlock"}, T0 + 3)
    join(state)
    assert len(state.present()) == 1


def test_join_after_the_room_ended_is_refused_as_read_only():
    state = room_with().state
    run(state, FACILITATOR, {"type": "room.end"}, T0 + 2)
    error = refusal(state, VISITOR, JOIN)
    assert error.status == 409
    assert error.message == "This exchange has ended; its record is read-only."


@pytest.mark.parametrize("typed", ["st marys", "ST. MARY'S", "  St-Marys ", "stmarys"])
def test_join_matches_the_organisation_list_forgiving_case_and_punctuation(typed):
    state = room_with(organisations=["St Mary's", "Northfield Trust"]).state
    actor = person(join(state, organisation=typed))
    assert state.participants[actor.participant_id].organisation == "St Mary's"


def test_join_with_an_organisation_not_on_the_list_is_refused():
    state = room_with(organisations=["St Mary's", "Northfield Trust"]).state
    error = refusal(state, VISITOR, {**JOIN, "organisation": "St Mark's"})
    assert error.status == 400 and "from the list" in error.message


def test_join_without_an_organisation_list_keeps_the_typed_organisation():
    state = room_with().state
    actor = person(join(state, organisation="Anywhere Clinic"))
    assert state.participants[actor.participant_id].organisation == "Anywhere Clinic"


def test_participant_ids_differ_for_different_nonces_and_repeat_for_the_same_nonce():
    state = room_with().state
    first = decide(state, VISITOR, JOIN, T0 + 10).reply["participant_id"]
    second = decide(state, VISITOR, JOIN, T0 + 11).reply["participant_id"]
    again = decide(state, VISITOR, JOIN, T0 + 10).reply["participant_id"]
    assert first != second
    assert first == again


# -- remove, lock, unlock --------------------------------------------------


def test_removing_a_participant_marks_them_removed_and_not_present():
    state = room_with().state
    actor = person(join(state))
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": actor.participant_id}, T0 + 3)
    assert state.participants[actor.participant_id].removed
    assert state.present() == []


def test_removing_an_unknown_participant_is_refused():
    state = room_with().state
    error = refusal(state, FACILITATOR, {"type": "participant.remove", "participant_id": "nobody"})
    assert error.status == 404


def test_removing_an_already_removed_participant_is_refused():
    state = room_with().state
    actor = person(join(state))
    remove = {"type": "participant.remove", "participant_id": actor.participant_id}
    run(state, FACILITATOR, remove, T0 + 3)
    error = refusal(state, FACILITATOR, remove)
    assert error.status == 404


def test_locking_a_locked_room_is_refused():
    state = room_with().state
    run(state, FACILITATOR, {"type": "room.lock"}, T0 + 2)
    assert state.locked
    error = refusal(state, FACILITATOR, {"type": "room.lock"})
    assert error.status == 409 and "already closed" in error.message


def test_unlocking_an_open_room_is_refused():
    state = room_with().state
    error = refusal(state, FACILITATOR, {"type": "room.unlock"})
    assert error.status == 409 and "already open" in error.message


# -- who may do what -------------------------------------------------------

FACILITATOR_COMMANDS = {
    "room.lock": {"type": "room.lock"},
    "room.unlock": {"type": "room.unlock"},
    "room.end": {"type": "room.end"},
    "participant.remove": {"type": "participant.remove", "participant_id": "someone"},
    "link.rotate": {"type": "link.rotate", "role": "scribe"},
    "room.update": {"type": "room.update", "title": "A new title"},
}


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.SCRIBE, Role.SCREEN, Role.VISITOR])
@pytest.mark.parametrize("kind", sorted(FACILITATOR_COMMANDS))
def test_facilitator_commands_are_refused_for_every_other_role_with_403(kind, role):
    state = room_with().state
    participant = person(join(state))
    actor = participant if role is Role.PARTICIPANT else Actor(role)
    error = refusal(state, actor, FACILITATOR_COMMANDS[kind])
    assert error.status == 403
    assert error.message.startswith("Only the facilitator can"), error.message


def test_participant_and_staff_cannot_create_or_join_as_those_are_visitor_commands():
    state = room_with().state
    for actor in (FACILITATOR, SCRIBE, SCREEN):
        assert refusal(state, actor, JOIN).status == 403
        assert refusal(state, actor, CREATE).status == 403


class _Wave(Command):
    """A participant command that exists only in this test, to reach the membership check."""

    type: ClassVar[str] = "test.wave"
    roles: ClassVar = frozenset({Role.PARTICIPANT})
    action: ClassVar[str] = "wave"


def test_a_removed_participants_commands_are_refused():
    wave = Feature(name="wave", deciders={_Wave: lambda s, a, c, x: Decision([Draft("test.waved", {})])}, appliers={})
    rules = Rules([room_rules.feature, wave])
    state = room_with().state
    actor = person(join(state))
    assert rules.decide(state, actor, rules.parse({"type": "test.wave"}), context(state, T0 + 5)).events
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": actor.participant_id}, T0 + 6)

    with pytest.raises(CommandError) as caught:
        rules.decide(state, actor, rules.parse({"type": "test.wave"}), context(state, T0 + 7))
    assert caught.value.status == 403
    assert caught.value.message == "You are no longer part of this exchange."
    # With the installed rules, too, nothing a removed participant sends gets through.
    for raw in FACILITATOR_COMMANDS.values():
        assert refusal(state, actor, raw).status == 403


def test_a_participant_id_never_joined_is_refused_like_a_removed_one():
    wave = Feature(name="wave", deciders={_Wave: lambda s, a, c, x: Decision([])}, appliers={})
    rules = Rules([room_rules.feature, wave])
    state = room_with().state
    with pytest.raises(CommandError) as caught:
        rules.decide(
            state, Actor(Role.PARTICIPANT, "ghost"), rules.parse({"type": "test.wave"}), context(state, T0 + 5)
        )
    assert caught.value.status == 403


# Removing someone stays possible after the end: follow-up goes on, and they lose it.
# Removing someone ends their follow-up; linking names the next exchange of the series.
STILL_AFTER_END = {"participant.remove", "room.link"}
AFTER_END = {
    **FACILITATOR_COMMANDS,
    "room.link": {"type": "room.link", "relation": "next", "code": "NEXT23", "title": "Next"},
    "room.create": CREATE,
    "participant.join": JOIN,
}


def test_after_room_end_a_participant_can_still_be_removed():
    state = room_with().state
    ana = join(state)
    run(state, FACILITATOR, {"type": "room.end"}, T0 + 4)
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0 + 5)
    assert state.participants[ana].removed


@pytest.mark.parametrize("kind", sorted(set(AFTER_END) - STILL_AFTER_END))
def test_after_room_end_every_command_is_refused(kind):
    state = room_with().state
    participant = person(join(state))
    run(state, FACILITATOR, {"type": "room.lock"}, T0 + 3)  # so that room.unlock is otherwise valid
    run(state, FACILITATOR, {"type": "room.end"}, T0 + 4)
    assert state.ended and state.ended_at == T0 + 4
    raw = dict(AFTER_END[kind])
    if kind == "participant.remove":
        raw["participant_id"] = participant.participant_id
    actor = VISITOR if kind in ("room.create", "participant.join") else FACILITATOR
    error = refusal(state, actor, raw)
    assert error.status == 409
    assert error.message == "This exchange has ended; its record is read-only."


def test_every_installed_room_command_is_covered_by_the_after_end_check():
    room_commands = {command.type for command in room_rules.feature.deciders}
    # Letting participants download the record is allowed after the end (tests/rooms/test_downloads.py).
    assert room_commands == set(AFTER_END) | {"room.downloads"}


# -- links -----------------------------------------------------------------


def test_link_rotate_changes_only_that_roles_hash_and_the_old_secret_stops_matching():
    room = room_with()
    state, links = room.state, room.links
    before = dict(state.link_hashes)
    decision = decide(state, FACILITATOR, {"type": "link.rotate", "role": "scribe"}, T0)
    run(state, FACILITATOR, {"type": "link.rotate", "role": "scribe"}, T0)
    new_secret = decision.reply["links"]["scribe"]

    assert set(decision.reply["links"]) == {"scribe"}
    assert state.link_hashes["facilitator"] == before["facilitator"]
    assert state.link_hashes["screen"] == before["screen"]
    assert state.link_hashes["scribe"] != before["scribe"]
    assert not secret_matches(links["scribe"], state.link_hashes["scribe"])
    assert secret_matches(new_secret, state.link_hashes["scribe"])
    assert secret_matches(links["facilitator"], state.link_hashes["facilitator"])
    assert secret_matches(links["screen"], state.link_hashes["screen"])
    assert new_secret not in str(decision.events[0].data)


def test_the_facilitator_link_cannot_be_rotated():
    state = room_with().state
    error = refusal(state, FACILITATOR, {"type": "link.rotate", "role": "facilitator"})
    assert error.status == 400


# -- update ----------------------------------------------------------------


def test_room_update_changes_only_the_fields_sent():
    state = room_with(organisations=["St Mary's"]).state
    run(
        state,
        FACILITATOR,
        {"type": "room.update", "title": "Shorter stays", "organisations": ["Northfield", "northfield.", "St Mary's"]},
        T0 + 2,
    )
    assert state.title == "Shorter stays"
    assert state.organisations == ["Northfield", "St Mary's"]
    assert state.confidentiality == "What is said here stays here."


def test_room_update_with_nothing_to_change_is_refused():
    state = room_with().state
    assert refusal(state, FACILITATOR, {"type": "room.update"}).status == 400


# -- parse -----------------------------------------------------------------


def test_parse_refuses_an_unknown_command_type():
    with pytest.raises(CommandError, match=re.escape("Unknown command type: 'room.explode'")):
        RULES.parse({"type": "room.explode"})
    with pytest.raises(CommandError, match="Unknown command type"):
        RULES.parse({"title": "no type at all"})


@pytest.mark.parametrize("raw", [["room.lock"], "room.lock", None, 42])
def test_parse_refuses_anything_but_a_json_object(raw):
    with pytest.raises(CommandError, match="must be a JSON object"):
        RULES.parse(raw)


def _add_one(value):
    return value + 1  # a validator with a bug: a TypeError for text, which pydantic lets through


class _Fussy(Command):
    """A command whose validators raise what pydantic does not turn into a ValidationError."""

    type: ClassVar[str] = "test.fussy"
    roles: ClassVar = frozenset({Role.FACILITATOR})
    action: ClassVar[str] = "fuss"

    label: str = ""
    count: Annotated[int, BeforeValidator(_add_one), Field(ge=0)] = 0
    flag: bool = False

    @model_validator(mode="after")
    def _picky(self) -> "_Fussy":
        if self.label == "boom":
            raise TypeError("an unforeseen fault in a model validator")
        return self


def test_parse_names_the_field_whose_validator_raised_something_other_than_a_validation_error():
    rules = Rules([room_rules.feature, Feature(name="fussy", deciders={_Fussy: lambda *_: Decision([])}, appliers={})])
    assert rules.parse({"type": "test.fussy", "count": 1, "flag": True}).count == 2
    with pytest.raises(CommandError) as said:
        rules.parse({"type": "test.fussy", "label": "ok", "flag": True, "count": "three"})
    assert said.value.message == "count: this value could not be read; please check it."
    assert said.value.status == 400
    with pytest.raises(CommandError) as said:
        rules.parse({"type": "test.fussy", "label": "boom"})
    assert said.value.message == "That test.fussy command could not be read: please check its fields."
    with pytest.raises(CommandError, match="count: at least 0"):  # a ValidationError is described as before
        rules.parse({"type": "test.fussy", "count": -5})


def test_parse_refuses_an_extra_field():
    with pytest.raises(CommandError, match="Unexpected field: admin"):
        RULES.parse({"type": "room.lock", "admin": True})


def test_parse_refuses_a_title_over_120_characters():
    assert RULES.parse({**CREATE, "title": "x" * 120}).title == "x" * 120
    with pytest.raises(CommandError, match="title"):
        RULES.parse({**CREATE, "title": "x" * 121})


def test_parse_refuses_a_name_over_60_characters():
    assert RULES.parse({**JOIN, "name": "n" * 60}).name == "n" * 60
    with pytest.raises(CommandError, match="name"):
        RULES.parse({**JOIN, "name": "n" * 61})


def test_parse_strips_control_characters_from_names():
    command = RULES.parse({**JOIN, "name": "\x00An\x1ba\x07  \u200bSilva\t\r\n", "organisation": "St\x00 Mary's"})
    assert command.name == "Ana Silva"
    assert command.organisation == "St Mary's"


def test_parse_refuses_a_name_of_only_control_characters():
    with pytest.raises(CommandError, match="name"):
        RULES.parse({**JOIN, "name": "\x00\x07\t"})


def test_parse_refuses_a_malformed_command_id():
    with pytest.raises(CommandError, match="id"):
        RULES.parse({"type": "room.lock", "id": "has spaces"})


# -- apply and fold --------------------------------------------------------


def test_apply_refuses_an_event_with_the_wrong_seq():
    state = room_with().state
    for seq in (1, 3):
        with pytest.raises(ValueError):
            RULES.apply(state, Event(room=CODE, seq=seq, type="room.locked", data={}, at=1))
    assert state.seq == 1 and not state.locked


def _scripted_log() -> tuple[RoomState, list[Event]]:
    room = room_with(organisations=["St Mary's", "Northfield"])
    step = room.do
    ana = step(VISITOR, {**JOIN, "name": "Ana"}, T0 + 1, key="k-ana")[0].data["participant_id"]
    step(VISITOR, {**JOIN, "name": "Ben", "organisation": "northfield"}, T0 + 2)
    step(FACILITATOR, {"type": "room.lock"}, T0 + 3, key="k-lock")
    step(FACILITATOR, {"type": "link.rotate", "role": "screen"}, T0 + 4)
    step(FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0 + 5)
    step(FACILITATOR, {"type": "room.unlock"}, T0 + 6)
    step(FACILITATOR, {"type": "room.update", "title": "Renamed"}, T0 + 7)
    step(FACILITATOR, {"type": "room.end"}, T0 + 8)
    return room.state, room.log


def test_fold_of_a_log_equals_the_state_built_step_by_step():
    stepped, log = _scripted_log()
    folded = RULES.fold(CODE, log)
    assert folded == stepped
    assert folded.seq == len(log) == 9
    assert [p.name for p in folded.present()] == ["Ben"]
    assert folded.title == "Renamed" and folded.ended and not folded.locked


def test_fold_survives_a_json_round_trip_of_the_log():
    stepped, log = _scripted_log()
    assert RULES.fold(CODE, [Event.from_json(copy.deepcopy(e.to_json())) for e in log]) == stepped


def test_fold_skips_events_of_features_no_longer_installed():
    state = room_with().state
    RULES.apply(state, Event(room=CODE, seq=2, type="retired.feature.thing", data={"x": 1}, at=5))
    assert state.seq == 2


def test_applied_records_each_command_key_at_the_seq_of_its_first_event():
    state = room_with().state
    RULES.apply(state, Event(room=CODE, seq=2, type="room.locked", data={}, at=2, command_key="k1"))
    RULES.apply(state, Event(room=CODE, seq=3, type="room.unlocked", data={}, at=3, command_key="k1"))
    RULES.apply(state, Event(room=CODE, seq=4, type="room.locked", data={}, at=4, command_key="k2"))
    RULES.apply(state, Event(room=CODE, seq=5, type="room.unlocked", data={}, at=5))
    assert state.applied == {"k1": 2, "k2": 4}


def test_decide_is_deterministic_for_the_same_state_command_and_context():
    state = room_with().state
    command = RULES.parse({"type": "link.rotate", "role": "screen"})
    assert RULES.decide(state, FACILITATOR, command, context(state, T0)) == RULES.decide(
        state, FACILITATOR, command, context(state, T0)
    )


def test_a_visitor_command_id_must_be_unguessable():
    """Visitors share one identity; a short id would let one replay another's join."""
    from facilitator.rooms.feature import VISITOR_ID_LENGTH

    state = RULES.fold("ABCDEF", [])
    created = RULES.decide(
        state,
        Actor(Role.VISITOR),
        RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c"}),
        Context(1, b"n" * 32),
    )
    RULES.apply(state, Event("ABCDEF", 1, "room.created", created.events[0].data, 1))
    join = {"type": "participant.join", "name": "A", "organisation": "O", "accept_confidentiality": True}
    with pytest.raises(CommandError, match="at least 16 characters"):
        RULES.decide(state, Actor(Role.VISITOR), RULES.parse({**join, "id": "1"}), Context(2, b"m" * 32))
    decision = RULES.decide(
        state, Actor(Role.VISITOR), RULES.parse({**join, "id": "x" * VISITOR_ID_LENGTH}), Context(2, b"m" * 32)
    )
    assert decision.events[0].type == "participant.joined"


def test_a_room_takes_as_many_people_as_the_server_allows_and_tells_the_next_one_it_is_full():
    state = room_with().state
    for n in range(3):
        run(state, VISITOR, {**JOIN, "name": f"P{n}"}, Context(T0 + n, bytes([n]) * 32, capacity=3))
    error = refusal(state, VISITOR, {**JOIN, "name": "Late"}, Context(T0 + 100, bytes([9]) * 32, capacity=3))
    assert (
        error.status == 403
        and error.message == "This exchange is full: it takes 3 people. Please tell the facilitator."
    )
    assert len(state.present()) == 3
    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": state.present()[0].id}, T0 + 50)
    run(state, VISITOR, {**JOIN, "name": "Late"}, Context(T0 + 200, bytes([10]) * 32, capacity=3))


def test_the_default_capacity_is_two_thousand_not_five_hundred():
    state = room_with().state
    for n in range(501):
        run(state, VISITOR, {**JOIN, "name": f"P{n}"}, T0 + n)
    assert len(state.present()) == 501


# -- what a person is told about a form --------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"name": "   ", "organisation": "St Mary's"}, "Please give your name."),
        ({"organisation": "St Mary's"}, "Please give your name."),
        ({"name": "Ana", "organisation": ""}, "Please give your organisation."),
        (
            {"name": "A" * 61, "organisation": "St Mary's"},
            "Your name is too long: at most 60 characters, please (this has 61).",
        ),
    ],
    ids=["blank-name", "no-name", "no-organisation", "long-name"],
)
def test_a_join_form_error_is_said_as_a_sentence(fields, said):
    with pytest.raises(CommandError) as refused:
        RULES.parse({"type": "participant.join", "accept_confidentiality": True, **fields})
    assert refused.value.message == said


def test_a_field_without_a_label_is_named_by_its_own_words():
    with pytest.raises(CommandError) as refused:
        RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c", "charter": {"focus": "f" * 301}})
    assert refused.value.message == "The focus is too long: at most 300 characters, please (this has 301)."
