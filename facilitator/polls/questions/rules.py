"""The pure rules of questions: asking, voting, withdrawing and moderating."""

from facilitator.polls.questions import commands as c
from facilitator.polls.questions.model import SEEN_BY_EVERYONE, Question, asked_by, author_scope, questions_of, vote_of
from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Event, RoomState
from facilitator.rooms.privacy import screened
from facilitator.rooms.secrets import derive
from facilitator.timers.model import agenda_of

MAX_QUESTIONS = 2000

# Moderation moves: the statuses a question may be in, and the status it goes to.
MOVES: dict[type, tuple[frozenset[str], str]] = {
    c.ApproveQuestion: (frozenset({"pending"}), "live"),
    c.DismissQuestion: (frozenset({"pending", "live"}), "dismissed"),
    c.MarkAnswered: (frozenset({"live"}), "answered"),
    c.ArchiveQuestion: (frozenset({"live", "answered", "dismissed"}), "archived"),
    c.RestoreQuestion: (frozenset({"answered", "dismissed", "archived"}), "live"),
    c.WithdrawQuestion: (frozenset({"pending", "live"}), "withdrawn"),
}
REFUSED_MOVE = {
    c.ApproveQuestion: "Only a question awaiting approval can be approved.",
    c.DismissQuestion: "This question cannot be dismissed now.",
    c.MarkAnswered: "Only a question on the list can be marked answered.",
    c.ArchiveQuestion: "This question cannot be archived now.",
    c.RestoreQuestion: "Only an answered, dismissed or archived question can be restored.",
    c.WithdrawQuestion: "This question can no longer be withdrawn.",
}


def find(state: RoomState, question_id: str) -> Question:
    question = questions_of(state).questions.get(question_id)
    if question is None:
        raise CommandError("There is no such question.", status=404)
    return question


def ask(state: RoomState, actor: Actor, cmd: c.AskQuestion, ctx: Context) -> Decision:
    questions = questions_of(state)
    if len(questions.questions) >= MAX_QUESTIONS:
        raise CommandError("This exchange has taken all the questions it can.", status=409)
    # How many questions a person asks a minute is counted at the edge (AskQuestion.limit):
    # counted here, it would need one value per person across their questions.
    text, flags = screened(cmd, cmd.text)
    question_id = derive(ctx.nonce, "question")[:10]
    data = {
        "question_id": question_id,
        "text": text,
        "author": actor.pseudonym(author_scope(question_id)),
        "flags": flags,
        "item_id": agenda_of(state).current_item_id,
        "status": "pending" if questions.settings.moderated else "live",
    }
    if cmd.named:
        person = state.person_of(actor)
        data |= {"name": person.name, "organisation": person.organisation}
    return Decision([Draft("question.asked", data)], reply={"question_id": data["question_id"]})


def upvote(state: RoomState, actor: Actor, cmd: c.UpvoteQuestion, ctx: Context) -> Decision:
    question = find(state, cmd.question_id)
    voter = vote_of(actor, question.id)
    if asked_by(question, actor):
        raise CommandError("You cannot upvote your own question.", status=409)
    if voter in question.votes:  # a second tap takes the vote back, whatever the status now
        return Decision([Draft("question.unvoted", {"question_id": question.id, "voter": voter})])
    if question.status != "live":
        raise CommandError("Only questions still waiting for an answer can be upvoted.", status=409)
    return Decision([Draft("question.upvoted", {"question_id": question.id, "voter": voter})])


def move(state: RoomState, actor: Actor, cmd: c.QuestionAction, ctx: Context) -> Decision:
    question = find(state, cmd.question_id)
    allowed, to = MOVES[type(cmd)]
    if isinstance(cmd, c.WithdrawQuestion) and not asked_by(question, actor):
        raise CommandError("You can withdraw only your own questions.", status=403)
    if question.status not in allowed:
        already = to == "live" and question.status == "live"
        raise CommandError("This question is already on the list." if already else REFUSED_MOVE[type(cmd)], status=409)
    data = {"question_id": question.id, "status": to}
    if isinstance(cmd, c.DismissQuestion) and cmd.reason:
        data["reason"] = cmd.reason
    return Decision([Draft("question.moved", data)])


def edit(state: RoomState, actor: Actor, cmd: c.EditQuestion, ctx: Context) -> Decision:
    question = find(state, cmd.question_id)
    if question.status == "withdrawn":
        raise CommandError("Its author withdrew this question.", status=409)
    text, flags = screened(cmd, cmd.text)
    if question.text == text:
        raise CommandError("Nothing to change.")
    return Decision([Draft("question.edited", {"question_id": question.id, "text": text, "flags": flags})])


def configure(state: RoomState, actor: Actor, cmd: c.ConfigureQuestions, ctx: Context) -> Decision:
    return Decision([Draft("questions.configured", cmd.changes())])


def on_asked(state: RoomState, event: Event) -> None:
    data = dict(event.data)
    question_id = data.pop("question_id")
    questions_of(state).questions[question_id] = Question(id=question_id, asked_at=event.at, **data)


def on_upvoted(state: RoomState, event: Event) -> None:
    find(state, event.data["question_id"]).votes.add(event.data["voter"])


def on_unvoted(state: RoomState, event: Event) -> None:
    find(state, event.data["question_id"]).votes.discard(event.data["voter"])


def on_moved(state: RoomState, event: Event) -> None:
    questions = questions_of(state)
    question = questions.questions[event.data["question_id"]]
    question.status = event.data["status"]
    if question.status in SEEN_BY_EVERYONE or "reason" in event.data:  # archiving keeps why it was dismissed
        question.reason = event.data.get("reason", "")
    question.answered_at = event.at if question.status == "answered" else None
    if question.status not in SEEN_BY_EVERYONE and questions.pinned == question.id:
        questions.pinned = None


def on_edited(state: RoomState, event: Event) -> None:
    question = find(state, event.data["question_id"])
    question.text, question.edited = event.data["text"], True
    question.flags = event.data.get("flags", [])


def on_pinned(state: RoomState, event: Event) -> None:
    questions_of(state).pinned = event.data["question_id"]


def on_configured(state: RoomState, event: Event) -> None:
    for key, value in event.data.items():
        setattr(questions_of(state).settings, key, value)


DECIDERS: dict[type[Command], Decider] = {
    c.AskQuestion: ask,
    c.UpvoteQuestion: upvote,
    c.EditQuestion: edit,
    c.ConfigureQuestions: configure,
    **{command: move for command in MOVES},
}
APPLIERS: dict[str, Applier] = {
    "question.asked": on_asked,
    "question.upvoted": on_upvoted,
    "question.unvoted": on_unvoted,
    "question.moved": on_moved,
    "question.edited": on_edited,
    "question.pinned": on_pinned,
    "questions.configured": on_configured,
}
