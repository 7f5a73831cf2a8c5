"""The pure rules of the screen: the facilitator's override, and how it follows what the
features do (an opened poll goes up; a pinned question goes up; an unpinned one comes down).

`poll.screen` and `question.pin` are decided here, against what the screen shows now, and
keep their events (`poll.screened`, `question.pinned`), which their features also apply.

The features keep their own marks of what the facilitator put up (the poll "on the screen",
the pinned question, "Show questions on the screen"), which their consoles, phones and state
API print. After every event that can change the override in force, those marks are set from
it (`_mark`), so they end with it: when the agenda moves on, or another override replaces it.
"""

from facilitator.polls.commands import ShowPoll
from facilitator.polls.model import polls_of
from facilitator.polls.questions.commands import PinQuestion
from facilitator.polls.questions.model import SEEN_BY_EVERYONE, questions_of
from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Event, RoomState
from facilitator.screen import commands as c
from facilitator.screen.model import Override, screen_of
from facilitator.screen.rule import in_force, shown
from facilitator.timers.model import agenda_of
from facilitator.timers.rules import APPLIERS as AGENDA_EVENTS

SIDES = {"questions": "questions", "voice": "voice", "join": "join"}


def _poll(state: RoomState, poll_id: str) -> None:
    if poll_id not in polls_of(state).polls:
        raise CommandError("There is no such poll.", status=404)


def _question(state: RoomState, question_id: str) -> None:
    question = questions_of(state).questions.get(question_id)
    if question is None:
        raise CommandError("There is no such question.", status=404)
    if question.status not in SEEN_BY_EVERYONE:
        raise CommandError("Only a question everyone can see can be pinned.", status=409)


def show(state: RoomState, actor: Actor, cmd: c.ShowOnScreen, ctx: Context) -> Decision:
    now = shown(state)
    if cmd.what == "agenda":
        if now.override is None:
            raise CommandError("The screen already follows the agenda.", status=409)
        return Decision([Draft("screen.shown", {"what": "agenda", "id": None})])
    target: str | None = None
    if cmd.what in ("poll", "question"):
        if not cmd.target:
            raise CommandError(f"Say which {cmd.what} to show.")
        (_poll if cmd.what == "poll" else _question)(state, cmd.target)
        target = cmd.target
        if (now.main, now.poll_id if cmd.what == "poll" else now.question_id) == (cmd.what, target):
            raise CommandError("The screen already shows that.", status=409)
    elif now.side == SIDES[cmd.what]:
        raise CommandError("The screen already shows that.", status=409)
    return Decision([Draft("screen.shown", {"what": cmd.what, "id": target})])


def show_poll(state: RoomState, actor: Actor, cmd: ShowPoll, ctx: Context) -> Decision:
    """`poll.screen`: a poll on the screen, or, with no poll, the screen back to the agenda."""
    now = shown(state)
    if cmd.poll_id is None:
        if now.override is None or now.override.what != "poll":
            raise CommandError("The screen already shows that.", status=409)
    else:
        _poll(state, cmd.poll_id)
        if now.main == "poll" and now.poll_id == cmd.poll_id:
            raise CommandError("The screen already shows that.", status=409)
    return Decision([Draft("poll.screened", {"poll_id": cmd.poll_id})])


def pin(state: RoomState, actor: Actor, cmd: PinQuestion, ctx: Context) -> Decision:
    """`question.pin`: a question on the screen, or, with none, unpinned."""
    now = shown(state)
    if not cmd.question_id:
        if now.main != "question":
            raise CommandError("No question is pinned.", status=409)
        return Decision([Draft("question.pinned", {"question_id": None})])
    _question(state, cmd.question_id)
    if now.main == "question" and now.question_id == cmd.question_id:
        raise CommandError("This question is already pinned.", status=409)
    return Decision([Draft("question.pinned", {"question_id": cmd.question_id})])


def _put(state: RoomState, what: str, target: str | None) -> None:
    screen_of(state).override = Override(what, target, agenda_of(state).current_item_id)


def _take_down(state: RoomState, what: str) -> None:
    screen = screen_of(state)
    if screen.override is not None and screen.override.what == what:
        screen.override = None


def on_shown(state: RoomState, event: Event) -> None:
    what = event.data["what"]
    if what == "agenda":
        screen_of(state).override = None
    else:
        _put(state, what, event.data["id"])


def on_poll_opened(state: RoomState, event: Event) -> None:
    _put(state, "poll", event.data["poll_id"])  # an opened poll goes up on the screen


def on_poll_screened(state: RoomState, event: Event) -> None:
    if event.data["poll_id"] is None:
        _take_down(state, "poll")
    else:
        _put(state, "poll", event.data["poll_id"])


def on_question_pinned(state: RoomState, event: Event) -> None:
    if event.data["question_id"] is None:
        _take_down(state, "question")
    else:
        _put(state, "question", event.data["question_id"])


def on_questions_configured(state: RoomState, event: Event) -> None:
    """ "Show the questions on the screen" (the Q&A settings) is the questions override."""
    if event.data.get("on_screen") is True:
        _put(state, "questions", None)
    elif event.data.get("on_screen") is False:
        _take_down(state, "questions")


def _mark(state: RoomState) -> None:
    """The features' marks of what is on the screen, from the override in force."""
    override = in_force(state)
    what, target = (override.what, override.id) if override else (None, None)
    polls_of(state).on_screen = target if what == "poll" else None
    questions = questions_of(state)
    questions.pinned = target if what == "question" else None
    questions.settings.on_screen = what == "questions"


def _then_mark(applier: Applier) -> Applier:
    def apply(state: RoomState, event: Event) -> None:
        applier(state, event)
        _mark(state)

    return apply


def _only_mark(state: RoomState, event: Event) -> None:
    _mark(state)


DECIDERS: dict[type[Command], Decider] = {c.ShowOnScreen: show, ShowPoll: show_poll, PinQuestion: pin}
APPLIERS: dict[str, Applier] = {"screen.shown": _then_mark(on_shown)}
FOLLOWS: dict[str, Applier] = {
    **dict.fromkeys(AGENDA_EVENTS, _only_mark),  # the agenda moving on ends an override
    "poll.opened": _then_mark(on_poll_opened),
    "poll.screened": _then_mark(on_poll_screened),
    "poll.deleted": _only_mark,
    "question.pinned": _then_mark(on_question_pinned),
    "question.moved": _only_mark,  # a question hidden or answered may leave the screen
    "questions.configured": _then_mark(on_questions_configured),
}
