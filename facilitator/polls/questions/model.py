"""Questions as plain data folded from the log.

A question's author and its voters are pseudonyms (`Actor.pseudonym(SCOPE)`):
enough to let an author withdraw their question, to refuse a vote for one's
own question and to limit questions per minute, and nothing a reader of the
log, the API or any page can turn back into a person.
"""

from dataclasses import dataclass, field

SCOPE = "questions"
# pending: awaiting approval; live: everyone sees it; answered; dismissed (with a reason);
# archived: kept for the record, off the lists; withdrawn: by its author.
STATUSES = ("pending", "live", "answered", "dismissed", "archived", "withdrawn")
SEEN_BY_EVERYONE = frozenset({"live", "answered"})


@dataclass
class Question:
    id: str
    text: str
    author: str  # pseudonym
    item_id: str | None
    asked_at: int
    # Only when the author chose to be named; anonymous questions carry neither.
    name: str = ""
    organisation: str = ""
    status: str = "live"
    votes: set[str] = field(default_factory=set)  # voters' pseudonyms
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
