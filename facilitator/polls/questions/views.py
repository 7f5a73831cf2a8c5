"""What each surface shows of the questions: computed here, printed by templates.

Phones share one rendering of the list; what differs per person (their own
questions, which ones they upvoted) is a small per-viewer fragment, and
static/qa.js sorts, filters and marks the list in the browser, so a vote
re-renders the list once for the whole room, not once per phone.
"""

from facilitator.polls.questions.model import SEEN_BY_EVERYONE, Question, author_scope, questions_of, theirs, vote_scope
from facilitator.rooms.changes import EVERYONE, Viewers
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene
from facilitator.timers.model import agenda_of

SCREEN_TOP = 5
STATUS_NAMES = {
    "pending": "awaiting approval",
    "live": "open",
    "answered": "answered",
    "dismissed": "dismissed",
    "archived": "archived",
    "withdrawn": "withdrawn",
}


def ordered(questions: list[Question], by: str = "popular") -> list[Question]:
    """Open questions before answered ones; then most votes first (older first among equals),
    or newest first."""
    if by == "recent":
        return sorted(questions, key=lambda q: (q.status == "answered", -q.asked_at, q.id))
    return sorted(questions, key=lambda q: (q.status == "answered", -len(q.votes), q.asked_at, q.id))


def focus(scene: Scene) -> str | None:
    """The case whose questions everyone looks at by default: the one in its Q&A phase."""
    agenda = agenda_of(scene.state)
    clock = agenda.clock
    item = agenda.current()
    if clock is None or item is None or item.kind != "case" or item.phases[clock.phase].name != "Questions":
        return None
    return item.id


def item_titles(scene: Scene) -> dict[str, str]:
    return {item.id: item.title for item in agenda_of(scene.state).ordered()}


def byline(question: Question) -> str:
    """Who asked, as every surface and export says it: "Anonymous" unless they chose to be named."""
    return f"{question.name} · {question.organisation}" if question.name else "Anonymous"


def belongs_to(scene: Scene) -> dict[str, str]:
    """Which agenda item a question belongs to, in words that cannot be read as its asker's
    organisation: "on St Mary's Hospital's case", "on “Open floor”"."""
    found = {}
    for item in agenda_of(scene.state).ordered():
        if item.kind == "case" and item.organisation:
            owner = item.organisation + ("'" if item.organisation.endswith("s") else "'s")
            found[item.id] = f"on {owner} case"
        else:
            found[item.id] = f"on “{item.title}”"
    return found


def row(question: Question, titles: dict[str, str], belongs: dict[str, str] | None = None) -> dict:
    """A question as any surface may print it: never its author's or its voters' hashes."""
    return {
        "id": question.id,
        "text": question.text,
        "votes": len(question.votes),
        "status": question.status,
        "status_name": STATUS_NAMES[question.status],
        "asked_at": question.asked_at,
        "item_id": question.item_id or "",
        "item_title": titles.get(question.item_id or "", ""),
        "belongs": (belongs or {}).get(question.item_id or "", ""),
        "by": byline(question),
        "edited": question.edited,
        "reason": question.reason,
    }


def counts(scene: Scene) -> dict:
    """Moderation in the open: everyone sees how many wait and how many were dismissed."""
    questions = questions_of(scene.state)
    return {
        "pending": questions.count("pending"),
        "dismissed": questions.count("dismissed"),
        "moderated": questions.settings.moderated,
    }


def _filter_items(scene: Scene, shown: list[Question]) -> list[dict]:
    titles = item_titles(scene)
    asked_about = {q.item_id for q in shown if q.item_id}
    return [{"id": item_id, "title": title} for item_id, title in titles.items() if item_id in asked_about]


def qa_ask(scene: Scene) -> dict:
    """The box to ask in, under the current case's prompt. It changes only with the agenda's
    current item, so a question being typed is not wiped by other people's questions."""
    agenda = agenda_of(scene.state)
    item = agenda.current()
    return {
        "prompt": item.qa_prompt if item is not None and item.kind == "case" else "",
        "item_title": item.title if item is not None else "",
        "moderated": questions_of(scene.state).settings.moderated,
        "ended": scene.state.ended,
    }


def _visible(scene: Scene) -> list[Question]:
    return [q for q in questions_of(scene.state).questions.values() if q.status in SEEN_BY_EVERYONE]


def qa_list(scene: Scene) -> dict:
    """The questions every participant sees: open and answered, never pending or dismissed."""
    shown = scene.once("questions.visible", lambda: _visible(scene))
    titles = item_titles(scene)
    return {
        "questions": [row(q, titles, belongs_to(scene)) for q in ordered(shown)],
        "focus": focus(scene) or "",
        "items": _filter_items(scene, shown),
        "pinned": questions_of(scene.state).pinned,
        "ended": scene.state.ended,
        **counts(scene),
    }


def qa_mine(scene: Scene, viewer: Actor) -> dict:
    """This person's own questions, whatever their status, and the questions they upvoted."""
    asked, voted = theirs(viewer, questions_of(scene.state).questions.values())
    titles = item_titles(scene)
    mine = [row(q, titles) for q in asked if q.status != "withdrawn"]
    return {"mine": mine, "voted": " ".join(q.id for q in voted), "ended": scene.state.ended}


def _asker_and_voter(state: RoomState, event: Event) -> Viewers:
    """A change to a question concerns its author (their own list shows its status and votes)
    and, for a vote, the voter: both known to the log only by that question's hashes."""
    question_id = event.data.get("question_id")
    if not event.type.startswith("question.") or question_id is None:
        return EVERYONE
    question = questions_of(state).questions.get(question_id)
    pairs = (
        (author_scope(question_id), question.author if question else None),
        (vote_scope(question_id), event.data.get("voter")),
    )
    return Viewers(pseudonyms=frozenset((scope, value) for scope, value in pairs if value))


def qa_console(scene: Scene) -> dict:
    questions = questions_of(scene.state)
    titles = item_titles(scene)
    every = list(questions.questions.values())
    belongs = belongs_to(scene)
    by_status = {
        status: [row(q, titles, belongs) for q in ordered([q for q in every if q.status == status])]
        for status in ("pending", "live", "answered", "dismissed", "archived")
    }
    return {
        "by_status": by_status,
        "settings": questions.settings,
        "pinned": questions.pinned,
        "focus": focus(scene) or "",
        "items": _filter_items(scene, every),
        "ended": scene.state.ended,
        "code": scene.state.code,
        **counts(scene),
    }


def api_view(scene: Scene, viewer: Actor) -> dict:
    """Questions for the record: text, votes, agenda item and status; never an author's or a voter's hash.
    Participants and the screen see what the room sees."""
    questions = questions_of(scene.state)
    titles = item_titles(scene)
    staff = viewer.role in (Role.FACILITATOR, Role.SCRIBE)
    shown = [
        q for q in questions.questions.values() if (q.status != "withdrawn" if staff else q.status in SEEN_BY_EVERYONE)
    ]
    return {
        "questions": [{key: value for key, value in row(q, titles).items() if key != "status_name"} for q in shown],
        "pinned": questions.pinned,
        "moderated": questions.settings.moderated,
        **counts(scene),
    }


# Questions are listed under their agenda item, and a case's Q&A phase focuses them; the pinned
# mark follows what the screen shows.
QUESTIONS = frozenset({"questions", "timers", "room", "screen"})

FRAGMENTS = (
    Fragment("qa-ask", frozenset({"phone"}), qa_ask, reads=QUESTIONS),
    Fragment("qa-list", frozenset({"phone"}), qa_list, reads=QUESTIONS),
    Fragment("qa-mine", frozenset({"phone"}), qa_mine, per_viewer=True, reads=QUESTIONS, touches=_asker_and_voter),
    Fragment("qa-console", frozenset({"console"}), qa_console, reads=QUESTIONS),
)
