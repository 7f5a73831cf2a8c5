"""The screen's fragments: the stage that prints what `rule.shown` says, and the console's
block that says what is on the screen and offers the overrides.

The stage is one fragment: which regions it holds decides the screen's layout, and a vote
or a new question re-renders it once for the one projector.
"""

from facilitator.polls.model import polls_of
from facilitator.polls.questions.model import questions_of
from facilitator.polls.questions.views import SCREEN_TOP, item_titles, ordered, row
from facilitator.polls.views import answered, results_view, summary
from facilitator.rooms.feature import Fragment
from facilitator.rooms.views import Scene
from facilitator.screen.rule import READS, Shown, shown
from facilitator.timers.floor.views import speaker, voice
from facilitator.timers.model import agenda_of
from facilitator.timers.views import clock

# The stage prints speakers' names and "37 of 52 answered": the roster, beside the rule's topics.
STAGE_READS = READS | {"participants"}
SIDE_NAMES = {"questions": "the questions", "voice": "the share of voice", "join": "the join code"}
# The console's row of "Show" buttons says each in a word or two: the deck has one line for them.
SIDE_SHORT = {"questions": "questions", "voice": "share of voice", "join": "join code"}


def current(scene: Scene) -> Shown:
    return scene.once("screen.shown", lambda: shown(scene.state))


def _poll(scene: Scene, poll_id: str) -> dict:
    poll = polls_of(scene.state).polls[poll_id]
    return {
        "poll": summary(scene, poll) | answered(scene, poll),
        "results": results_view(poll) if poll.results_shown else None,
        "code": scene.state.code,
    }


def _questions(scene: Scene, about: str | None, pinned: str | None) -> dict:
    """The top open questions by votes (of one case, or of all), the pinned one left out."""
    titles = item_titles(scene)
    live = [
        q
        for q in questions_of(scene.state).questions.values()
        if q.status == "live" and q.id != pinned and (about is None or q.item_id == about)
    ]
    top = ordered(live)
    questions = questions_of(scene.state)
    return {
        "top": [row(q, titles) for q in top[:SCREEN_TOP]],
        "more": max(0, len(top) - SCREEN_TOP),
        "about": titles.get(about or "", ""),
        "pending": questions.count("pending"),
        "dismissed": questions.count("dismissed"),
    }


def stage(scene: Scene) -> dict:
    now = current(scene)
    pinned = questions_of(scene.state).questions.get(now.question_id or "") if now.main == "question" else None
    return {
        "main": now.main,
        "side": now.side or "none",
        "compact": now.clock and now.main in ("poll", "question"),
        "clock": clock(scene),
        "speaker": speaker(scene) if now.speaker else None,
        "poll": _poll(scene, now.poll_id) if now.main == "poll" and now.poll_id else None,
        "pinned": row(pinned, item_titles(scene)) if pinned else None,
        "questions": _questions(scene, now.about, now.question_id) if now.side == "questions" else None,
        "voice": voice(scene) if now.side == "voice" else None,
    }


def screen_console(scene: Scene) -> dict:
    """What the screen shows, in words, and the buttons that change it."""
    now = current(scene)
    state = scene.state
    mains = {"lobby": "the exchange and how to join", "clock": "the clock"}
    if now.main == "poll" and now.poll_id:
        main = f"the poll “{polls_of(state).polls[now.poll_id].question}”"
    elif now.main == "question" and now.question_id:
        main = f"the question “{questions_of(state).questions[now.question_id].text}”"
    else:
        main = mains[now.main]
    parts = [main, *([SIDE_NAMES[now.side]] if now.side else [])]
    if now.clock and now.main in ("poll", "question"):
        parts.append("a small clock")
    item = agenda_of(state).current()
    return {
        "showing": ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0],
        "override": now.override is not None,
        "until": f"until “{item.title}” ends" if item is not None and now.override is not None else "",
        "side": now.side,
        "choices": [(what, name, SIDE_SHORT[what]) for what, name in SIDE_NAMES.items() if what != now.side],
        "ended": state.ended,
    }


FRAGMENTS = (
    Fragment("screen-stage", frozenset({"screen"}), stage, reads=STAGE_READS),
    Fragment("screen-console", frozenset({"console"}), screen_console, reads=READS),
)
