"""What changed since the last push, so that a push renders only what it affects.

Every event belongs to a topic (its feature's name, or one the feature names
for it: `participant.joined` is "participants", not "room"). A fragment
declares the topics it reads; it is rendered again only when one of them
changed. A per-viewer fragment also says which viewers an event concerns
(`Fragment.touches`): a vote concerns the voter alone, so it costs one
phone's fragment, not one per phone. Viewers are named by participant id or,
where the log must not name them, by a pseudonym and its scope; the hub
resolves both to connections.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

# Not an event's topic: who is connected right now (see presence.py).
PRESENCE = "presence"


@dataclass(frozen=True)
class Viewers:
    """The viewers an event concerns: everyone, or these people."""

    everyone: bool = False
    participants: frozenset[str] = frozenset()
    # (scope, pseudonym) pairs: a person known only by their pseudonym in one scope.
    pseudonyms: frozenset[tuple[str, str]] = frozenset()


EVERYONE = Viewers(everyone=True)
NOBODY = Viewers()


def participants(*ids: str | None) -> Viewers:
    return Viewers(participants=frozenset(i for i in ids if i))


def pseudonymous(scope: str, *values: str | None) -> Viewers:
    return Viewers(pseudonyms=frozenset((scope, v) for v in values if v))


@dataclass
class Audience:
    """Who must see a per-viewer fragment again, gathered over the events of one push."""

    everyone: bool = False
    participants: set[str] = field(default_factory=set)
    pseudonyms: set[tuple[str, str]] = field(default_factory=set)

    def add(self, viewers: Viewers) -> None:
        if self.everyone:
            return
        if viewers.everyone:
            self.everyone = True
            self.participants.clear()
            self.pseudonyms.clear()
            return
        self.participants |= viewers.participants
        self.pseudonyms |= viewers.pseudonyms


@dataclass
class Changes:
    """The topics changed and, per per-viewer fragment, the viewers concerned, since the last push."""

    topics: set[str] = field(default_factory=set)
    audiences: dict[str, Audience] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.topics)

    def touch(self, topic: str, fragments: Iterable, viewers_of=lambda fragment: EVERYONE) -> None:
        """Mark `topic` changed; per-viewer fragments that read it learn whom it concerns."""
        self.topics.add(topic)
        for fragment in fragments:
            if fragment.per_viewer and fragment.reads_topic(topic):
                self.audiences.setdefault(fragment.id, Audience()).add(viewers_of(fragment))

    def dirty(self, fragment) -> bool:
        if fragment.per_viewer:
            return fragment.id in self.audiences
        return any(fragment.reads_topic(topic) for topic in self.topics)
