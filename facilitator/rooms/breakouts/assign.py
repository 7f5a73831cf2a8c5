"""Who sits in which breakout group: a pure function of the people present, the settings,
the earlier rounds and a seed. No I/O, no clock, no global random source.

A simple version: people are shuffled by the seed and dealt round-robin (grouped by
organisation for "mix", by role for "roles"); "choose" and "preference" honour choices up
to the cap; with `avoid_repeats` the seeds after the given one are tried and the deal with
the fewest repeated pairs is kept.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

Strategy = Literal["mix", "roles", "random", "choose", "preference"]
Groups = tuple[tuple[str, ...], ...]
ATTEMPTS = 256


@dataclass(frozen=True)
class Person:
    id: str
    organisation: str
    role: str = ""
    choice: int | None = None
    ranking: tuple[int, ...] = ()


@dataclass(frozen=True)
class Settings:
    strategy: Strategy
    groups: int
    cap: int | None = None
    avoid_repeats: bool = False


@dataclass(frozen=True)
class Quality:
    same_organisation_pairs: int
    fewest_possible_same_organisation_pairs: int
    repeated_pairs: int
    role_mismatched_pairs: int
    first_choices: int


def normalised_role(role: str) -> str:
    return " ".join(role.casefold().split())


def _check(people: Sequence[Person], settings: Settings) -> None:
    if settings.groups < 1:
        raise ValueError("There must be at least one group.")
    if settings.groups > len(people):
        raise ValueError(f"There are {settings.groups} groups for {len(people)} people: fewer groups, please.")
    if settings.cap is not None and settings.cap * settings.groups < len(people):
        raise ValueError(f"{settings.groups} groups of at most {settings.cap} cannot hold {len(people)} people.")


def _deal(people: Sequence[Person], settings: Settings, seed: int) -> Groups:
    shuffled = list(people)
    random.Random(seed).shuffle(shuffled)
    if settings.strategy == "mix":
        shuffled.sort(key=lambda p: p.organisation)
    elif settings.strategy == "roles":
        shuffled.sort(key=lambda p: normalised_role(p.role))
    groups: list[list[str]] = [[] for _ in range(settings.groups)]
    cap = settings.cap if settings.cap is not None else len(people)
    waiting: list[Person] = []
    if settings.strategy in ("choose", "preference"):
        for person in shuffled:
            wanted = (person.choice,) if settings.strategy == "choose" else person.ranking
            spot = next(
                (g for g in wanted if g is not None and 0 <= g < settings.groups and len(groups[g]) < cap), None
            )
            if spot is None:
                waiting.append(person)
            else:
                groups[spot].append(person.id)
    else:
        waiting = shuffled
    if settings.strategy == "roles":  # consecutive runs: similar roles sit together
        size = -(-len(people) // settings.groups)
        for index, person in enumerate(waiting):
            groups[min(index // size, settings.groups - 1)].append(person.id)
    else:
        for person in waiting:
            smallest = min(range(settings.groups), key=lambda g: (len(groups[g]), g))
            groups[smallest].append(person.id)
    return tuple(tuple(sorted(group)) for group in groups)


def assign(people: Sequence[Person], settings: Settings, earlier: Sequence[Groups], seed: int) -> Groups:
    _check(people, settings)
    if not settings.avoid_repeats or not earlier:
        return _deal(people, settings, seed)
    deals = [_deal(people, settings, seed + n) for n in range(ATTEMPTS)]
    return min(deals, key=lambda groups: _repeats(groups, earlier))


def place_late(
    groups: Groups, person: Person, people: Sequence[Person], settings: Settings, earlier: Sequence[Groups]
) -> int:
    if not groups:
        raise ValueError("There is no group to join.")
    return min(range(len(groups)), key=lambda g: (len(groups[g]), g))


def _pairs(groups: Groups) -> set[frozenset[str]]:
    return {frozenset(pair) for group in groups for pair in combinations(group, 2)}


def _repeats(groups: Groups, earlier: Sequence[Groups]) -> int:
    before = set().union(*(_pairs(round_) for round_ in earlier)) if earlier else set()
    return len(_pairs(groups) & before)


def quality(groups: Groups, people: Sequence[Person], earlier: Sequence[Groups]) -> Quality:
    by_id = {person.id: person for person in people}
    pairs = [(by_id[a], by_id[b]) for group in groups for a, b in combinations(group, 2) if a in by_id and b in by_id]
    same = sum(1 for a, b in pairs if a.organisation == b.organisation)
    fewest = 0
    if groups:
        counts: dict[str, int] = {}
        for person in people:
            counts[person.organisation] = counts.get(person.organisation, 0) + 1
        for count in counts.values():  # spread evenly over the groups
            base, extra = divmod(count, len(groups))
            fewest += extra * (base + 1) * base // 2 + (len(groups) - extra) * base * (base - 1) // 2
    firsts = 0
    for index, group in enumerate(groups):
        for member in group:
            found = by_id.get(member)
            if found is not None and (found.choice == index or found.ranking[:1] == (index,)):
                firsts += 1
    return Quality(
        same_organisation_pairs=same,
        fewest_possible_same_organisation_pairs=fewest,
        repeated_pairs=_repeats(groups, earlier),
        role_mismatched_pairs=sum(1 for a, b in pairs if normalised_role(a.role) != normalised_role(b.role)),
        first_choices=firsts,
    )
