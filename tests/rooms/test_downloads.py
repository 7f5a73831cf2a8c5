"""The rule of "participants may download the record": who may set it, what it says, and what an
export then leaves out for whom (facilitator/export/pages.py `options_for`). Pure."""

import pytest

from facilitator.export.options import Options
from facilitator.export.pages import Asked, options_for
from facilitator.rooms.model import CommandError, Downloads, Role
from tests.pure import FACILITATOR, SCRIBE, T0, person, refusal, room_with, run, types


def test_the_facilitator_lets_participants_download_the_record_even_after_the_end():
    state, (ana,) = room_with(people=[("Ana", "St Mary's")])
    run(state, FACILITATOR, {"type": "room.end"}, T0)
    events = run(state, FACILITATOR, {"type": "room.downloads", "allowed": True, "deidentified": True}, T0 + 1)
    assert types(events) == ["room.downloads_set"]
    assert state.downloads == Downloads(allowed=True, deidentified=True)
    assert (
        "Nothing to change"
        in refusal(state, FACILITATOR, {"type": "room.downloads", "allowed": True, "deidentified": True}).message
    )
    for who in (SCRIBE, person(ana)):
        assert "Only the facilitator can" in refusal(state, who, {"type": "room.downloads", "allowed": False}).message


def test_what_an_export_leaves_out_depends_on_who_asks():
    state, _ = room_with(people=[("Ana", "St Mary's")])
    asked = Asked(deidentify=True, omit_flagged=False)
    assert options_for(state, Role.FACILITATOR, asked) == Options(deidentify=True, omit_flagged=False, staff=True)
    assert options_for(state, Role.SCRIBE, Asked()) == Options()
    with pytest.raises(CommandError, match="has not made the record downloadable"):
        options_for(state, Role.PARTICIPANT, Asked())
    with pytest.raises(CommandError, match="Only the facilitator, the scribe"):
        options_for(state, Role.SCREEN, Asked())
    state.downloads = Downloads(allowed=True, deidentified=True)
    assert options_for(state, Role.PARTICIPANT, Asked()) == Options(deidentify=True, omit_flagged=True, staff=False)
    state.downloads = Downloads(allowed=True, deidentified=False)
    assert options_for(state, Role.PARTICIPANT, Asked()) == Options(deidentify=False, omit_flagged=True, staff=False)
