"""Pure sums over turns: who spoke how long, who is heard least, how balanced the room is.

Every function takes the time it should count up to (`now`) as an argument,
so the same inputs always give the same figures.
"""

from collections import defaultdict

from facilitator.rooms.model import RoomState
from facilitator.timers.floor.model import FACILITATOR, Floor, Hand, Turn


def all_turns(floor: Floor) -> list[Turn]:
    return floor.turns + ([floor.current] if floor.current else [])


def totals(turns: list[Turn], key, now: int | None = None) -> dict[str, int]:
    """Milliseconds spoken per key (speaker, organisation or item), counting a live turn up to `now`."""
    summed: dict[str, int] = defaultdict(int)
    for turn in turns:
        summed[key(turn)] += turn.length(now)
    return dict(summed)


def by_person(floor: Floor, now: int | None = None) -> dict[str, int]:
    return totals(all_turns(floor), lambda t: t.speaker, now)


def by_organisation(floor: Floor, now: int | None = None) -> dict[str, int]:
    """Per organisation; the facilitator's own time belongs to none and is left out."""
    return totals([t for t in all_turns(floor) if t.speaker != FACILITATOR], lambda t: t.organisation, now)


def by_item(floor: Floor, now: int | None = None) -> dict[str, int]:
    return totals(all_turns(floor), lambda t: t.item_id or "", now)


def organisations_in_room(state: RoomState, floor: Floor) -> list[str]:
    """Organisations with someone present, and any that spoke, in a stable order."""
    present = {p.organisation for p in state.present()}
    spoke = {t.organisation for t in all_turns(floor) if t.speaker != FACILITATOR}
    return sorted(present | spoke, key=str.casefold)


def balance(times: list[int]) -> float | None:
    """1 minus the Gini coefficient of speaking time, scaled so that 1 is perfectly even
    and 0 is one organisation holding the whole floor. None when there is nothing to
    compare: fewer than two organisations, or no time spoken."""
    n, total = len(times), sum(times)
    if n < 2 or total == 0:
        return None
    differences = sum(abs(a - b) for a in times for b in times)
    gini = differences / (2 * n * total)
    return 1 - gini * n / (n - 1)


def ordered_queue(state: RoomState, floor: Floor, now: int | None = None) -> list[Hand]:
    """Who speaks next: clarifying questions first, like a point of order, then comments,
    first come first served or least heard first (by person or by organisation).
    Ties go to whoever raised their hand first. Removed participants are not waiting.
    Given `now`, a turn in progress counts as heard up to then."""
    # Looked up per hand, not built for everyone: a phone's place is asked for at every connect.
    present = {
        hand.participant_id: person
        for hand in floor.hands.values()
        if (person := state.participants.get(hand.participant_id)) is not None and not person.removed
    }
    hands = [hand for hand in floor.hands.values() if hand.participant_id in present]
    people = by_person(floor, now) if floor.settings.order == "person" else {}
    organisations = by_organisation(floor, now) if floor.settings.order == "organisation" else {}

    def heard(hand: Hand) -> int:
        if floor.settings.order == "person":
            return people.get(hand.participant_id, 0)
        if floor.settings.order == "organisation":
            return organisations.get(present[hand.participant_id].organisation, 0)
        return 0

    def rank(hand: Hand) -> tuple:
        return (
            hand.kind != "clarify",
            0 if hand.kind == "clarify" else heard(hand),
            hand.raised_at,
            hand.participant_id,
        )

    return sorted(hands, key=rank)


def budget_used(floor: Floor, organisation: str, now: int | None = None) -> int:
    """Time the organisation spoke since the budget was set; a turn that was under way
    then counts from that moment."""
    budget = floor.budget
    if budget is None:
        return 0
    used = 0
    for turn in all_turns(floor):
        if turn.organisation != organisation or turn.speaker == FACILITATOR:
            continue
        end = turn.ended_at if turn.ended_at is not None else now
        if end is not None:
            used += max(0, end - max(turn.started_at, budget.started_at))
    return used


def budget_left(floor: Floor, organisation: str, now: int | None = None) -> int:
    """Milliseconds of its budget an organisation has left; negative once overrun."""
    budget = floor.budget
    assert budget is not None, "only a floor with a budget has budget left"
    allowed = budget.per_organisation_ms + budget.extra_ms.get(organisation, 0)
    return allowed - budget_used(floor, organisation, now)
