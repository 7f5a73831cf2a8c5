"""Questions as plain data folded from the log.

A question's author and its voters are keyed hashes of the person (see
`Actor.pseudonym`), drawn afresh for every question: the author's under
`author_scope(question)`, each voter's under `vote_scope(question)`. So the
server can answer "is this mine?" (withdrawing, refusing a vote for one's own
question, a phone's own questions and upvotes) by hashing again for that
question, while no value repeats across questions: nobody reading the log, the
API or a page can link an anonymous question to a named one, to another
question or to any vote of the same person.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from facilitator.rooms.model import Actor, RoomState

# pending: awaiting approval; live: everyone sees it; answered; dismissed (with a reason);
# archived: kept for the record, off the lists; withdrawn: by its author.
STATUSES = ("pending", "live", "answered", "dismissed", "archived", "withdrawn")
SEEN_BY_EVERYONE = frozenset({"live", "answered"})


@dataclass
class Question:
    id: str
    text: str
    author: str  # the asker's hash for this question alone
    item_id: str | None
    asked_at: int
    # Only when the author chose to be named; anonymous questions carry neither.
    name: str = ""
    organisation: str = ""
    status: str = "live"
    votes: set[str] = field(default_factory=set)  # voters' hashes for this question alone
    edited: bool = False
    reason: str = ""  # why it was dismissed, if the facilitator said
    answered_at: int | None = None
    # Kinds of patient identifier its writer confirmed it holds: exports leave such text out.
    flags: list[str] = field(default_factory=list)

    @property
    def anonymous(self) -> bool:
        return not self.name


@dataclass
class QuestionSettings:
    moderated: bool = False  # questions wait for approval before anyone else sees them
    on_screen: bool = False  # the screen shows questions even outside a Q&A phase


@dataclass
class Questions:
    questions: dict[str, Question] = field(default_factory=dict)  # in the order asked
    pinned: str | None = None
    settings: QuestionSettings = field(default_factory=QuestionSettings)

    def count(self, status: str) -> int:
        return sum(1 for q in self.questions.values() if q.status == status)


def author_scope(question_id: str) -> str:
    return f"question:{question_id}:author"


def vote_scope(question_id: str) -> str:
    return f"question:{question_id}:vote"


def asked_by(question: Question, person: Actor) -> bool:
    return question.author == person.pseudonym(author_scope(question.id))


def vote_of(person: Actor, question_id: str) -> str:
    """The hash this person's upvote of this question is filed under."""
    return person.pseudonym(vote_scope(question_id))


def theirs(person: Actor, questions: Iterable[Question]) -> tuple[list[Question], list[Question]]:
    """The questions this person asked, and those they upvoted. Each hash is derived once per
    person and question (`Actor.pseudonym` remembers them for as long as the socket lives)."""
    asked, voted = [], []
    for question in questions:
        if question.author == person.pseudonym(author_scope(question.id)):
            asked.append(question)
        elif question.votes and person.pseudonym(vote_scope(question.id)) in question.votes:
            voted.append(question)  # elif: nobody upvotes their own question
    return asked, voted


def questions_of(state: RoomState) -> Questions:
    """The questions of a room: the one way any feature reads this slice."""
    return state.slices["questions"]
