"""The pure rules of polls: prepare, run and answer them."""

from dataclasses import replace

from facilitator.polls import commands as c
from facilitator.polls.model import KINDS, MATRIX_SCALE, WITH_OPTIONS, Answer, Poll, polls_of
from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Event, RoomState
from facilitator.rooms.secrets import derive
from facilitator.timers.model import agenda_of

MAX_POLLS = 200
SURVEY = (
    {
        "kind": "scale",
        "question": "How satisfied are you with this exchange?",
        "low_label": "not at all",
        "high_label": "very",
    },
    {
        "kind": "scale",
        "question": "How relevant was it to your organisation?",
        "low_label": "not at all",
        "high_label": "very",
    },
    {
        "kind": "scale",
        "question": "How confident are you in applying what you learned?",
        "low_label": "not at all",
        "high_label": "very",
    },
    {"kind": "text", "question": "One thing I will try"},
)
POLL_DEFAULTS = {
    "options": [],
    "max_choices": 0,
    "scale_max": 5,
    "low_label": "",
    "high_label": "",
    "visibility": "live",
}


def poll_scope(poll_id: str) -> str:
    """The scope of a voter's pseudonym: one per poll, so answers cannot be linked across polls."""
    return f"poll:{poll_id}"


def find(state: RoomState, poll_id: str) -> Poll:
    poll = polls_of(state).polls.get(poll_id)
    if poll is None:
        raise CommandError("There is no such poll; it may have been deleted.", status=404)
    return poll


def _check_item(state: RoomState, item_id: str) -> str | None:
    if item_id == c.NO_ITEM:
        return None
    if item_id not in agenda_of(state).items:
        raise CommandError("That agenda item does not exist.", status=404)
    return item_id


def _check_shape(fields: dict) -> dict:
    """A poll's options must suit its kind; returns the fields as they will be stored."""
    kind, options = fields["kind"], fields.get("options", [])
    if kind in WITH_OPTIONS:
        least = 1 if kind == "matrix" else 2
        if len(options) < least:
            raise CommandError(
                f"A {KINDS[kind].lower()} poll needs at least {least} options, one per line."
                if least > 1
                else "An impact and effort poll needs at least one option to place."
            )
        if len({option.casefold() for option in options}) != len(options):
            raise CommandError("Two options are the same; make each one different.")
    else:
        fields["options"] = []
    if kind != "multiple" or fields.get("max_choices", 0) >= len(options):
        fields["max_choices"] = 0
    return fields


def create(state: RoomState, actor: Actor, cmd: c.CreatePoll, ctx: Context) -> Decision:
    polls = polls_of(state)
    if len(polls.polls) >= MAX_POLLS:
        raise CommandError(f"An exchange can hold at most {MAX_POLLS} polls; delete some first.", status=409)
    fields = POLL_DEFAULTS | cmd.model_dump(exclude_none=True, exclude={"id", "open"})
    running = agenda_of(state).current_item_id
    fields["item_id"] = _check_item(state, cmd.item_id) if cmd.item_id is not None else running
    poll_id = derive(ctx.nonce, "poll")[:10]
    drafts = [Draft("poll.created", {"poll_id": poll_id, **_check_shape(fields)})]
    if cmd.open:
        drafts.append(Draft("poll.opened", {"poll_id": poll_id}))
    return Decision(drafts, reply={"poll_id": poll_id})


def update(state: RoomState, actor: Actor, cmd: c.UpdatePoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    changes = cmd.changes("poll_id")
    if "item_id" in changes:
        changes["item_id"] = _check_item(state, changes["item_id"])
    reshaped = {
        key for key in ("options", "max_choices", "scale_max") if key in changes and changes[key] != getattr(poll, key)
    }
    if reshaped and poll.answers:
        raise CommandError(
            "This poll has answers: its options and scale can no longer change. Reset it first, or duplicate it.",
            status=409,
        )
    stored = {key: getattr(poll, key) for key in ("kind", "options", "max_choices")} | changes
    checked = _check_shape(stored)
    # New options may leave a maximum number of picks that no longer fits: it is cleared with them.
    changes.update(
        {
            key: checked[key]
            for key in ("options", "max_choices")
            if key in changes or checked[key] != getattr(poll, key)
        }
    )
    return Decision([Draft("poll.updated", {"poll_id": poll.id, **changes})])


def open_poll(state: RoomState, actor: Actor, cmd: c.OpenPoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    if poll.status == "open":
        raise CommandError("This poll is already open.", status=409)
    return Decision([Draft("poll.opened", {"poll_id": poll.id})])


def close(state: RoomState, actor: Actor, cmd: c.ClosePoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    if poll.status != "open":
        raise CommandError("This poll is not open.", status=409)
    return Decision([Draft("poll.closed", {"poll_id": poll.id})])


def _confirmed(poll: Poll, confirm: bool, doing: str) -> None:
    if poll.answers and not confirm:
        count = len(poll.answers)
        raise CommandError(
            f"This poll has {count} answer{'s' if count != 1 else ''}; confirm to {doing} it.", status=409
        )


def reset(state: RoomState, actor: Actor, cmd: c.ResetPoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    _confirmed(poll, cmd.confirm, "reset")
    if not poll.answers:
        raise CommandError("This poll has no answers to reset.", status=409)
    return Decision([Draft("poll.reset", {"poll_id": poll.id})])


def duplicate(state: RoomState, actor: Actor, cmd: c.DuplicatePoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    if len(polls_of(state).polls) >= MAX_POLLS:
        raise CommandError(f"An exchange can hold at most {MAX_POLLS} polls; delete some first.", status=409)
    copy_id = derive(ctx.nonce, "poll")[:10]
    fields = {
        "kind": poll.kind,
        "question": poll.question,
        "options": list(poll.options),
        "max_choices": poll.max_choices,
        "scale_max": poll.scale_max,
        "low_label": poll.low_label,
        "high_label": poll.high_label,
        "item_id": poll.item_id,
        "visibility": poll.visibility,
    }
    return Decision([Draft("poll.created", {"poll_id": copy_id, **fields})], reply={"poll_id": copy_id})


def delete(state: RoomState, actor: Actor, cmd: c.DeletePoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    _confirmed(poll, cmd.confirm, "delete")
    return Decision([Draft("poll.deleted", {"poll_id": poll.id})])


def reveal(state: RoomState, actor: Actor, cmd: c.RevealResults, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    if poll.revealed == cmd.shown:
        raise CommandError(
            "The results are already shown." if cmd.shown else "The results are already hidden.", status=409
        )
    return Decision([Draft("poll.revealed", {"poll_id": poll.id, "shown": cmd.shown})])


def show(state: RoomState, actor: Actor, cmd: c.ShowPoll, ctx: Context) -> Decision:
    if cmd.poll_id is not None:
        find(state, cmd.poll_id)
    if polls_of(state).on_screen == cmd.poll_id:
        raise CommandError("The screen already shows that.", status=409)
    return Decision([Draft("poll.screened", {"poll_id": cmd.poll_id})])


def survey(state: RoomState, actor: Actor, cmd: c.AddSurvey, ctx: Context) -> Decision:
    if len(polls_of(state).polls) + len(SURVEY) > MAX_POLLS:
        raise CommandError(f"An exchange can hold at most {MAX_POLLS} polls; delete some first.", status=409)
    drafts = []
    survey_id = derive(ctx.nonce, "survey")[:10]
    for number, question in enumerate(SURVEY):
        poll_id = derive(ctx.nonce, f"poll:{number}")[:10]
        drafts.append(
            Draft(
                "poll.created",
                {
                    "poll_id": poll_id,
                    **POLL_DEFAULTS,
                    **question,
                    "item_id": agenda_of(state).current_item_id,
                    "survey": survey_id,
                },
            )
        )
        if cmd.open:
            drafts.append(Draft("poll.opened", {"poll_id": poll_id}))
    return Decision(drafts, reply={"survey_id": survey_id})


def open_survey(state: RoomState, actor: Actor, cmd: c.OpenSurvey, ctx: Context) -> Decision:
    members = polls_of(state).of_survey(cmd.survey_id)
    if not members:
        raise CommandError("There is no such survey; its polls may have been deleted.", status=404)
    closed = [poll for poll in members if poll.status != "open"]
    if not closed:
        raise CommandError("Every poll of this survey is open already.", status=409)
    # Opened last to first, so the screen (which shows the poll opened last) shows the first.
    return Decision([Draft("poll.opened", {"poll_id": poll.id}) for poll in reversed(closed)])


def retract(state: RoomState, actor: Actor, cmd: c.RetractAnswer, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    if poll.status != "open":
        raise CommandError("This poll is closed: its answers stay as they are.", status=409)
    voter = actor.pseudonym(poll_scope(poll.id))
    if voter not in poll.answers:
        raise CommandError("You have no answer to this poll to remove.", status=409)
    return Decision([Draft("poll.retracted", {"poll_id": poll.id, "voter": voter})])


def answer_value(poll: Poll, cmd: c.AnswerPoll) -> object:
    """The answer as stored, checked against the poll's kind and options."""
    n = len(poll.options)

    def index(i: int) -> int:
        if not 0 <= i < n:
            raise CommandError("That option is not part of this poll.")
        return i

    if poll.kind == "single":
        if cmd.choice is None:
            raise CommandError("Pick one option.")
        return [index(cmd.choice)]
    if poll.kind == "multiple":
        picks = sorted({index(i) for i in cmd.choices or []})
        if not picks:
            raise CommandError("Pick at least one option.")
        if poll.max_choices and len(picks) > poll.max_choices:
            raise CommandError(f"Pick at most {poll.max_choices} options.")
        return picks
    if poll.kind == "scale":
        if cmd.value is None or not 1 <= cmd.value <= poll.scale_max:
            raise CommandError(f"Choose a rating from 1 to {poll.scale_max}.")
        return cmd.value
    if poll.kind == "words":
        given = [word for word in cmd.words or [] if word.strip()]
        if not given:
            raise CommandError("Type a word or a short phrase.")
        return given
    if poll.kind == "text":
        if not cmd.text:
            raise CommandError("Type an answer first.")
        return cmd.text
    if poll.kind == "ranking":
        order = [index(i) for i in cmd.order or []]
        if sorted(order) != list(range(n)):
            raise CommandError("Put every option in a place, each once.")
        return order
    impact, effort = cmd.impact or [], cmd.effort or []
    if len(impact) != n or len(effort) != n:
        raise CommandError("Place every option on impact and on effort.")
    if not all(1 <= v <= MATRIX_SCALE for v in impact + effort):
        raise CommandError(f"Impact and effort go from 1 to {MATRIX_SCALE}.")
    return {"impact": impact, "effort": effort}


def answer(state: RoomState, actor: Actor, cmd: c.AnswerPoll, ctx: Context) -> Decision:
    poll = find(state, cmd.poll_id)
    if poll.status != "open":
        raise CommandError(
            "This poll is closed." if poll.status == "closed" else "This poll is not open yet.", status=409
        )
    value = answer_value(poll, cmd)
    voter = actor.pseudonym(poll_scope(poll.id))
    previous = poll.answers.get(voter)
    if previous is not None and previous.value == value:
        return Decision([])  # the same answer again changes nothing
    return Decision([Draft("poll.answered", {"poll_id": poll.id, "voter": voter, "value": value})])


def on_created(state: RoomState, event: Event) -> None:
    data = dict(event.data)
    poll_id = data.pop("poll_id")
    polls_of(state).polls[poll_id] = Poll(id=poll_id, created_at=event.at, **data)


def on_updated(state: RoomState, event: Event) -> None:
    polls = polls_of(state)
    data = dict(event.data)
    poll_id = data.pop("poll_id")
    polls.polls[poll_id] = replace(polls.polls[poll_id], **data)


def on_opened(state: RoomState, event: Event) -> None:
    polls = polls_of(state)
    poll = polls.polls[event.data["poll_id"]]
    poll.status, poll.opened_at, poll.closed_at = "open", event.at, None
    polls.on_screen = poll.id  # an opened poll goes up on the screen


def on_closed(state: RoomState, event: Event) -> None:
    poll = polls_of(state).polls[event.data["poll_id"]]
    poll.status, poll.closed_at = "closed", event.at


def on_reset(state: RoomState, event: Event) -> None:
    polls_of(state).polls[event.data["poll_id"]].answers = {}


def on_deleted(state: RoomState, event: Event) -> None:
    polls = polls_of(state)
    polls.polls.pop(event.data["poll_id"], None)
    if polls.on_screen == event.data["poll_id"]:
        polls.on_screen = None


def on_revealed(state: RoomState, event: Event) -> None:
    polls_of(state).polls[event.data["poll_id"]].revealed = event.data["shown"]


def on_screened(state: RoomState, event: Event) -> None:
    polls_of(state).on_screen = event.data["poll_id"]


def on_answered(state: RoomState, event: Event) -> None:
    poll = polls_of(state).polls[event.data["poll_id"]]
    poll.answers[event.data["voter"]] = Answer(event.data["value"], event.at)


def on_retracted(state: RoomState, event: Event) -> None:
    polls_of(state).polls[event.data["poll_id"]].answers.pop(event.data["voter"], None)


DECIDERS: dict[type[Command], Decider] = {
    c.CreatePoll: create,
    c.UpdatePoll: update,
    c.OpenPoll: open_poll,
    c.ClosePoll: close,
    c.ResetPoll: reset,
    c.DuplicatePoll: duplicate,
    c.DeletePoll: delete,
    c.RevealResults: reveal,
    c.ShowPoll: show,
    c.AddSurvey: survey,
    c.OpenSurvey: open_survey,
    c.RetractAnswer: retract,
    c.AnswerPoll: answer,
}
APPLIERS: dict[str, Applier] = {
    "poll.created": on_created,
    "poll.updated": on_updated,
    "poll.opened": on_opened,
    "poll.closed": on_closed,
    "poll.reset": on_reset,
    "poll.deleted": on_deleted,
    "poll.revealed": on_revealed,
    "poll.screened": on_screened,
    "poll.answered": on_answered,
    "poll.retracted": on_retracted,
}
