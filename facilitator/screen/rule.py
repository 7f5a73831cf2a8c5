"""What the screen shows: one pure function of the room's state.

The current agenda item brings its own content: a case its clock, then (in its Questions
phase) its questions; a discussion its clock and the share of voice; a poll item its clock
and its poll. Before the first item and between items the screen shows the exchange and the
way in (the join code), which a poll or a question put up then replaces (a poll says its code
itself). The facilitator may override it (this poll, this question, the
questions, the share of voice, the join code); an override lasts until the agenda moves on
to another item, or until its poll or question is gone. Whatever else shows, a message to the
room and the person speaking are always on the screen.
"""

from dataclasses import dataclass

from facilitator.polls.model import polls_of
from facilitator.polls.questions.model import SEEN_BY_EVERYONE, questions_of
from facilitator.rooms.model import RoomState
from facilitator.screen.model import Override, screen_of
from facilitator.timers.floor.model import floor_of
from facilitator.timers.model import agenda_of

# The topics of every slice the rule reads (see rooms/changes.py): what a fragment that
# prints the rule's answer must declare it reads.
READS = frozenset({"screen", "timers", "polls", "questions", "floor", "room"})


@dataclass(frozen=True)
class Shown:
    """What is on the screen now.

    `main` takes the room: "lobby" (the exchange's title and aim), "clock", "poll" or
    "question"; with a poll or a question, the clock (if an item runs) stays, small. `side`
    sits beside it: "questions", "voice", "join" or None.
    """

    main: str
    side: str | None = None
    clock: bool = False  # an item runs: its clock is on the screen, large or small
    poll_id: str | None = None
    question_id: str | None = None
    about: str | None = None  # the item whose questions are listed; None: every item's
    message: bool = False
    speaker: bool = False
    override: Override | None = None  # the facilitator's choice in force, if any


def natural(state: RoomState) -> Shown:
    """What the current agenda item shows by itself."""
    agenda = agenda_of(state)
    clock = agenda.clock
    item = agenda.current()
    if clock is None or item is None:
        return Shown(main="lobby", side="join")
    if item.kind == "case" and item.phases[clock.phase].name == "Questions":
        return Shown(main="clock", side="questions", clock=True, about=item.id)
    if item.kind == "discussion":
        return Shown(main="clock", side="voice", clock=True)
    if item.kind == "poll":
        poll_id = item_poll(state, item.id)
        if poll_id is not None:
            return Shown(main="poll", clock=True, poll_id=poll_id)
    return Shown(main="clock", clock=True)


def item_poll(state: RoomState, item_id: str) -> str | None:
    """A poll item's poll: the one opened last among the item's polls that were opened."""
    opened = [p for p in polls_of(state).polls.values() if p.item_id == item_id and p.opened_at is not None]
    return max(opened, key=lambda p: p.opened_at or 0).id if opened else None


def in_force(state: RoomState) -> Override | None:
    """The override, while the agenda is on the item it was set for and what it shows exists."""
    override = screen_of(state).override
    if override is None or override.item_id != agenda_of(state).current_item_id:
        return None
    if override.what == "poll" and override.id not in polls_of(state).polls:
        return None
    if override.what == "question":
        question = questions_of(state).questions.get(override.id or "")
        if question is None or question.status not in SEEN_BY_EVERYONE:
            return None
    return override


def shown(state: RoomState) -> Shown:
    """What the screen shows now: the agenda's content, with the override in force put over it.
    A poll or a question takes the main place (the clock, if any, stays, small); the
    questions, the share of voice or the join code take the side."""
    base = natural(state)
    fields = vars(base) | {
        "message": agenda_of(state).screen_message is not None,
        "speaker": floor_of(state).current is not None,
    }
    override = in_force(state)
    if override is not None:
        fields["override"] = override
        if override.what == "poll":
            fields |= {"main": "poll", "poll_id": override.id}
        elif override.what == "question":
            fields |= {"main": "question", "question_id": override.id, "poll_id": None}
        else:
            fields |= {"side": override.what, "about": base.about if override.what == "questions" else None}
        if override.what in ("poll", "question") and base.main == "lobby":
            fields["side"] = None  # the whole screen: a poll says its code itself
    return Shown(**fields)
