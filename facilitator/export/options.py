"""What an export leaves out, and how: de-identified names, flagged text, hashes.

Applied to the whole of an export at once (the report and the event log alike), so
"Participant 3" is the same person in the Markdown, the Word file and every CSV.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from facilitator.polls.questions.model import questions_of
from facilitator.rooms.model import RoomState
from facilitator.scribe.model import notebook_of
from facilitator.timers.floor.model import floor_of
from facilitator.timers.model import agenda_of

FLAGGED = "[left out: possible patient identifier]"
# Fields of the log that hold free text a writer may have confirmed (its event's "flags"): a note's
# or a worksheet's text, a milestone's note, a pulse answer, a recommended idea.
FLAGGABLE_FIELDS = ("text", "note", "helped", "hindered", "idea")
# Fields of the log that hold a pseudonym (see `Actor.pseudonym`): never exported as they are.
PSEUDONYM_FIELDS = frozenset({"author", "voter"})


@dataclass(frozen=True)
class Options:
    deidentify: bool = False
    omit_flagged: bool = False
    # Poll results the facilitator has not shown the room are for the facilitator and the scribe.
    staff: bool = True

    def described(self) -> str:
        """The options, as the top of every export states them."""
        said = []
        if self.deidentify:
            said.append("participants and organisations de-identified")
        if self.omit_flagged:
            said.append("text flagged as a possible patient identifier left out")
        if not self.staff:
            said.append("hidden poll results left out")
        return "; ".join(said) if said else "none (names and all text as recorded)"


def letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the labels of organisations."""
    label = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        if name.strip():
            seen.setdefault(name.casefold(), name)
    return list(seen.values())


def organisation_order(state: RoomState) -> list[str]:
    """Every organisation the log names: the peer group's order, then in order of first appearance.
    Exports list organisations in this order, never alphabetically, so that de-identified
    labels (A, B, …) and rows keep one order that says nothing of the names."""
    return _unique(
        [
            *state.organisations,
            *(p.organisation for p in state.participants.values()),
            *(item.organisation for item in agenda_of(state).ordered()),
            *(plan.organisation for plan in notebook_of(state).plans.values()),
            *(q.organisation for q in questions_of(state).questions.values()),
            *(turn.organisation for turn in floor_of(state).turns),
        ]
    )


def rank(names: list[str]) -> dict[str, int]:
    """name (case-folded) -> its place, for sorting by an order rather than alphabetically."""
    return {name.casefold(): i for i, name in enumerate(names)}


class Names:
    """Participant and organisation names -> "Participant 1…" and "Organisation A…".

    People are numbered in joining order, organisations in the peer group's order, then in
    the order they first appear; the same name always gets the same label, whatever its case,
    also where it appears inside free text (as a whole word)."""

    def __init__(self, state: RoomState):
        people = _unique(p.name for p in state.participants.values())
        organisations = organisation_order(state)
        self.labels: dict[str, str] = {name.casefold(): f"Participant {i}" for i, name in enumerate(people, start=1)}
        for i, name in enumerate(organisations):
            self.labels.setdefault(name.casefold(), f"Organisation {letters(i)}")
        longest_first = sorted(self.labels, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in longest_first) + r")(?!\w)", re.IGNORECASE)
            if longest_first
            else None
        )

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda match: self.labels[match.group().casefold()], value)


def scrub(value: Any, names: Names | None) -> Any:
    """Every string in plain data (dicts, lists, tuples) with names replaced, keys included."""
    if names is None:
        return value
    if isinstance(value, str):
        return names.text(value)
    if isinstance(value, dict):
        return {scrub(key, names): scrub(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(item, names) for item in value)
    return value


def names_for(state: RoomState, options: Options) -> Names | None:
    return Names(state) if options.deidentify else None


def shown_text(text: str, flags: list[str], options: Options) -> str:
    """A note's or a question's text as the export prints it."""
    return FLAGGED if options.omit_flagged and flags else text


class Pseudonyms:
    """A pseudonym of the log -> "anon-1", "anon-2"… in order of first appearance: the same hash
    stays the same label (so "one answer each" still folds), and no export carries the hash."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        return self.labels.setdefault(value, f"anon-{len(self.labels) + 1}")


def event_data(data: dict[str, Any], options: Options, names: Names | None, pseudonyms: Pseudonyms) -> dict[str, Any]:
    """One event's data as an export carries it: no secret link hashes, no pseudonym, and the
    options applied (flagged text left out, names replaced, job titles dropped when de-identified)."""
    shown = dict(data)
    for key in PSEUDONYM_FIELDS & shown.keys():
        if isinstance(shown[key], str):
            shown[key] = pseudonyms(shown[key])
    if "link_hashes" in shown:
        shown["link_hashes"] = {}
    if "hash" in shown:
        shown["hash"] = ""
    if options.omit_flagged and shown.get("flags"):
        for key in FLAGGABLE_FIELDS:
            if shown.get(key):
                shown[key] = FLAGGED
    if names is not None and "job_title" in shown:
        shown["job_title"] = ""
    return scrub(shown, names)
