"""Breakout groups from a roster: a pure function of (people, settings, earlier rounds, seed).

What each strategy optimises, most important first (a later aim only breaks ties of the earlier):

    mix         fewest same-organisation pairs, then (avoid_repeats) fewest repeated pairs
    roles       most same-role pairs (fewest mismatched), then fewest repeated pairs
    random      a seeded shuffle; with avoid_repeats, fewest repeated pairs
    choose      most people in their chosen group, then sizes as even as the cap allows,
                then the mix rule (and fewest repeated pairs)
    preference  most first choices, then the best ranks for the rest (second before third before
                unranked), then sizes as even as the cap allows, then the mix rule (and repeats)

Mixing comes before repeat avoidance: a group never takes a second member of an organisation to
keep apart two people who met before. The ordered aims are one integer cost (a pair that breaks
an earlier aim weighs more than every later pair together), so "better" is one comparison.

How: without a cap, sizes differ by at most one. A roster with few ways to split it (at most
ENUMERATE_AT_MOST partitions) is searched exhaustively and the seed picks among the best; a larger
one starts from a construction (organisations dealt round-robin, which is already optimal for
mixing; roles sorted and chunked; a shuffle) and improves it by swapping two people while that
lowers the cost, within SWAP_BUDGET evaluations, so the answer never depends on the machine's speed.
"choose" and "preference" are an assignment problem (people onto the groups' seats), solved
exactly for choices, ranks and sizes; mixing, a cost of pairs rather than of seats, is approached
by solving again with each seat costing the colleagues now in its group (a few times, while that
helps), then by the same swaps where they keep everyone's rank. Who loses a seat in an over-full
group is the seed's pick. Without a cap these two keep sizes within one as well, so a choice
counts only as far as that allows; a topic index out of range counts as no choice.
People are sorted by id first, so the order they are passed in does not matter; all chance
comes from random.Random(seed).
"""

import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import coo_array

Strategy = Literal["mix", "roles", "random", "choose", "preference"]
Groups = tuple[tuple[str, ...], ...]  # group index -> member ids (each sorted), every person exactly once

ENUMERATE_AT_MOST = 10_000  # partitions of the roster searched one by one
SWAP_BUDGET = 200_000  # swaps weighed on a larger roster before settling


@dataclass(frozen=True)
class Person:
    id: str  # participant id
    organisation: str
    role: str = ""  # job title as typed; compared by normalised form (casefold, collapsed spaces)
    choice: int | None = None  # "choose": index of the chosen group/topic
    ranking: tuple[int, ...] = ()  # "preference": group/topic indexes, first choice first


@dataclass(frozen=True)
class Settings:
    strategy: Strategy
    groups: int  # number of groups (>= 1)
    cap: int | None = None  # max members per group ("choose"/"preference"); None: sizes differ by <= 1
    avoid_repeats: bool = False  # keep apart people who sat together in earlier rounds


@dataclass(frozen=True)
class Quality:
    same_organisation_pairs: int
    fewest_possible_same_organisation_pairs: int
    repeated_pairs: int  # pairs that sat together in any earlier round
    role_mismatched_pairs: int  # pairs in a group whose normalised roles differ
    first_choices: int  # people placed in their first choice ("preference") or chosen group ("choose")


def normalised_role(role: str) -> str:
    """One role however it is typed: "Nurse  Manager " and "nurse manager" match."""
    return " ".join(role.split()).casefold()


def assign(people: Sequence[Person], settings: Settings, earlier: Sequence[Groups], seed: int) -> Groups:
    """The round's groups: `settings.groups` groups, every person in exactly one. Raises ValueError
    with a sentence for settings no assignment can meet."""
    _check(people, settings)
    roster = sorted(people, key=lambda p: p.id)
    rng = random.Random(seed)
    cost = _Cost(roster, settings, earlier)
    if settings.strategy in ("choose", "preference"):
        groups = _by_rank(roster, settings, cost, rng)
    else:
        sizes = _even_sizes(len(roster), settings.groups)
        if cost.weighs_pairs and _partition_count(sizes) <= ENUMERATE_AT_MOST and not cost.dealt_optimally:
            groups = rng.choice(_best_partitions(sizes, cost))
        else:
            groups = _construct(roster, settings.strategy, sizes, cost, rng)
            if cost.weighs_pairs and not cost.dealt_optimally:
                _swap_while_better(groups, cost, rng)
        rng.shuffle(groups)
    return tuple(tuple(sorted(roster[i].id for i in group)) for group in groups)


def place_late(
    groups: Groups, person: Person, people: Sequence[Person], settings: Settings, earlier: Sequence[Groups]
) -> int:
    """The group a late joiner goes to: their choice ("choose") or best-ranked group ("preference")
    while it has room, else the group where they break the rule least (same organisation, or
    other roles, then repeated pairs), the smallest of those, the first of equals."""
    open_groups = [i for i, group in enumerate(groups) if settings.cap is None or len(group) < settings.cap]
    for i, group in enumerate(groups):
        if person.id in group:
            return i
    if not groups:
        raise ValueError("There are no groups to place anyone in yet.")
    if not open_groups:
        raise ValueError(f"Every group is full (at most {settings.cap}): raise the cap or add a group.")
    for choice in _wanted(person, settings.strategy):
        if choice in open_groups:
            return choice
    by_id = {p.id: p for p in people}
    met = {mate for round_ in earlier for group in round_ if person.id in group for mate in group} - {person.id}

    def breaks(i: int) -> tuple[int, int, int, int]:
        mates = [by_id[m] for m in groups[i] if m in by_id]
        if settings.strategy == "roles":
            rule = sum(normalised_role(m.role) != normalised_role(person.role) for m in mates)
        elif settings.strategy == "random":
            rule = 0
        else:
            rule = sum(_organisation_key(m) == _organisation_key(person) for m in mates)
        repeats = sum(m in met for m in groups[i]) if settings.avoid_repeats else 0
        return rule, repeats, len(groups[i]), i

    return min(open_groups, key=breaks)


def quality(groups: Groups, people: Sequence[Person], earlier: Sequence[Groups]) -> Quality:
    """How well `groups` keep each rule; ids not among `people` are left out."""
    by_id = {p.id: p for p in people}
    placed = [[by_id[i] for i in group if i in by_id] for group in groups]
    met = _met_pairs(earlier)
    same_organisation = repeated = mismatched = first = 0
    for group in placed:
        same_organisation += sum(math.comb(c, 2) for c in Counter(map(_organisation_key, group)).values())
        same_role = sum(math.comb(c, 2) for c in Counter(normalised_role(p.role) for p in group).values())
        mismatched += math.comb(len(group), 2) - same_role
        repeated += sum((a.id, b.id) in met for a, b in itertools.combinations(sorted(group, key=_id), 2))
    for index, group in enumerate(placed):
        for p in group:
            wanted = p.ranking[0] if p.ranking else p.choice
            first += wanted == index
    fewest = _fewest_same_organisation_pairs(
        list(Counter(_organisation_key(p) for group in placed for p in group).values()), [len(g) for g in placed]
    )
    return Quality(same_organisation, fewest, repeated, mismatched, first)


# --- checks and sizes -------------------------------------------------------------------------


def _check(people: Sequence[Person], settings: Settings) -> None:
    n, g, cap = len(people), settings.groups, settings.cap
    if settings.strategy not in get_args(Strategy):
        raise ValueError(f"There is no way to form groups called {settings.strategy!r}.")
    if g < 1:
        raise ValueError("A round needs at least one group.")
    if n == 0:
        raise ValueError("There is no one to place in groups yet.")
    if g > n:
        raise ValueError(f"There are more groups ({g}) than people ({n}): choose at most {n} groups.")
    if cap is not None and cap < 1:
        raise ValueError("A group's cap must be at least one person.")
    if cap is not None and cap * g < n:
        raise ValueError(
            f"{g} groups of at most {cap} hold {cap * g} people, but {n} are here: "
            f"raise the cap to {math.ceil(n / g)} or add groups."
        )
    twice = [i for i, count in Counter(p.id for p in people).items() if count > 1]
    if twice:
        raise ValueError(f"{twice[0]} is on the roster twice.")


def _even_sizes(n: int, groups: int) -> list[int]:
    base, extra = divmod(n, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def _partition_count(sizes: list[int]) -> int:
    """Ways to split sum(sizes) people into unlabelled groups of these sizes."""
    ways = math.factorial(sum(sizes))
    for size in sizes:
        ways //= math.factorial(size)
    for same in Counter(sizes).values():
        ways //= math.factorial(same)
    return ways


def _wanted(p: Person, strategy: str) -> tuple[int, ...]:
    """The groups a person asked for under this strategy, most wanted first."""
    if strategy == "choose":
        return () if p.choice is None else (p.choice,)
    return p.ranking if strategy == "preference" else ()


def _id(p: Person) -> str:
    return p.id


def _organisation_key(p: Person) -> str:
    # Organisations compare like roles; a person without one shares it with no one.
    return " ".join(p.organisation.split()).casefold() or f"\0{p.id}"


def _met_pairs(earlier: Sequence[Groups]) -> set[tuple[str, str]]:
    return {pair for round_ in earlier for group in round_ for pair in itertools.combinations(sorted(group), 2)}


# --- the cost ---------------------------------------------------------------------------------


class _Cost:
    """A pair's weight when both sit in one group, by the strategy's aims in order: a sparse
    map per person (people not in it weigh 0). Same-role pairs weigh less than nothing."""

    def __init__(self, roster: list[Person], settings: Settings, earlier: Sequence[Groups]) -> None:
        n = len(roster)
        self.n = n
        self.organisation = _ranks([_organisation_key(p) for p in roster])
        self.role = _ranks([normalised_role(p.role) for p in roster])
        strategy = settings.strategy
        aims = ["roles"] if strategy == "roles" else [] if strategy == "random" else ["mix"]
        aims += ["repeats"] if settings.avoid_repeats and earlier else []
        self.weighs_pairs = bool(aims)
        # Round-robin dealing of organisations is optimal when mixing is the only aim.
        self.dealt_optimally = aims == ["mix"]
        scale = math.comb(n, 2) + 1  # more than any later aim can sum to
        weight = {aim: scale ** (len(aims) - 1 - k) for k, aim in enumerate(aims)}
        self.roles_weight = weight.get("roles", 0)
        self.pair: list[dict[int, int]] = [{} for _ in range(n)]
        if "mix" in weight:
            self._add_within(self.organisation, weight["mix"])
        if "roles" in weight:
            self._add_within(self.role, -weight["roles"])
        if "repeats" in weight:
            index = {p.id: i for i, p in enumerate(roster)}
            met = {
                pair
                for round_ in earlier
                for group in round_
                for pair in itertools.combinations(sorted(index[m] for m in group if m in index), 2)
            }
            for a, b in sorted(met):  # once per pair, however many rounds it sat together
                self.pair[a][b] = self.pair[a].get(b, 0) + weight["repeats"]
                self.pair[b][a] = self.pair[b].get(a, 0) + weight["repeats"]

    def _add_within(self, classes: list[int], w: int) -> None:
        members: dict[int, list[int]] = {}
        for person, c in enumerate(classes):
            members.setdefault(c, []).append(person)
        for group in members.values():
            for a, b in itertools.combinations(group, 2):
                self.pair[a][b] = self.pair[a].get(b, 0) + w
                self.pair[b][a] = self.pair[b].get(a, 0) + w

    def of_group(self, group: Sequence[int]) -> int:
        return sum(self.pair[a].get(b, 0) for a, b in itertools.combinations(group, 2))

    def troubled(self, person: int, group: list[int]) -> bool:
        """Could a swap help this person: a mate they should not sit with, or one of another role."""
        weights = self.pair[person]
        if any(weights.get(m, 0) > 0 for m in group if m != person):
            return True
        return self.roles_weight > 0 and any(self.role[m] != self.role[person] for m in group)


def _ranks(keys: list[str]) -> list[int]:
    # Strings become small ints in sorted order: no set of strings is ever iterated (hash order).
    order = {k: i for i, k in enumerate(sorted(set(keys)))}
    return [order[k] for k in keys]


# --- building and improving groups -------------------------------------------------------------


def _construct(
    roster: list[Person], strategy: str, sizes: list[int], cost: _Cost, rng: random.Random
) -> list[list[int]]:
    """A first split of the roster into groups of `sizes` (largest first)."""
    people = list(range(len(roster)))
    rng.shuffle(people)
    if strategy == "mix":
        # Each organisation's members are consecutive, so dealing them round-robin spreads every
        # organisation as evenly as the groups allow: the fewest same-organisation pairs there are.
        order = _shuffled_classes(cost.organisation, rng)
        people.sort(key=lambda p: order[cost.organisation[p]])
        groups: list[list[int]] = [[] for _ in sizes]
        for k, p in enumerate(people):
            groups[k % len(sizes)].append(p)
        return groups
    if strategy == "roles":
        # The commonest roles first, so that they fill whole groups before the rare ones share.
        counts = Counter(cost.role)
        order = _shuffled_classes(cost.role, rng)
        people.sort(key=lambda p: (-counts[cost.role[p]], order[cost.role[p]]))
    groups, start = [], 0
    for size in sizes:
        groups.append(people[start : start + size])
        start += size
    return groups


def _shuffled_classes(classes: list[int], rng: random.Random) -> dict[int, int]:
    distinct = sorted(set(classes))
    rng.shuffle(distinct)
    return {c: position for position, c in enumerate(distinct)}


def _best_partitions(sizes: list[int], cost: _Cost) -> list[list[list[int]]]:
    """Every cheapest split of the roster into groups of `sizes`, found by trying them all."""
    cheapest_group = {size: -cost.roles_weight * math.comb(size, 2) for size in set(sizes)}
    best: list[float] = [math.inf]
    found: list[list[list[int]]] = []
    chosen: list[list[int]] = []
    left = Counter(sizes)

    def extend(rest: list[int], spent: int) -> None:
        if not rest:
            if spent < best[0]:
                best[0] = spent
                found.clear()
            if spent == best[0]:
                found.append([list(group) for group in chosen])
            return
        if spent + sum(cheapest_group[size] * count for size, count in left.items()) > best[0]:
            return
        first, others = rest[0], rest[1:]
        # The group holding the first person left is built whole: each split is seen exactly once.
        for size in sorted(size for size, count in left.items() if count):
            left[size] -= 1
            for mates in itertools.combinations(others, size - 1):
                group = [first, *mates]
                chosen.append(group)
                taken = set(mates)
                extend([p for p in others if p not in taken], spent + cost.of_group(group))
                chosen.pop()
            left[size] += 1

    extend(list(range(cost.n)), 0)
    return found


def _swap_while_better(
    groups: list[list[int]], cost: _Cost, rng: random.Random, linear: list[list[int]] | None = None
) -> None:
    """Swap two people of different groups while that lowers the cost, first improvement, people
    with something to gain tried first, at most SWAP_BUDGET swaps weighed. `linear[p][g]`, when
    given, is what placing p in g costs on its own: a swap must leave its sum as it is."""
    where = [0] * cost.n
    for g, group in enumerate(groups):
        for p in group:
            where[p] = g
    pair = cost.pair
    # toward[p][g]: what p weighs with g's members, so that weighing a swap takes four look-ups.
    toward = [[0] * len(groups) for _ in range(cost.n)]
    for p in range(cost.n):
        for mate, w in pair[p].items():
            toward[p][where[mate]] += w
    budget, better = SWAP_BUDGET, True
    while better and budget > 0:
        better = False
        people = [p for group in groups for p in group]
        people.sort()
        rng.shuffle(people)
        for p in people:
            a = where[p]
            if not cost.troubled(p, groups[a]):
                continue
            tp, wp = toward[p], pair[p]
            # Under "roles" only a group holding the person's role (drawn to it: below 0) can do better.
            others = [b for b in range(len(groups)) if b != a and (tp[b] < 0 or not cost.roles_weight)]
            rng.shuffle(others)
            for b in others:
                drawn = tp[b] - tp[a]
                for q in groups[b]:
                    budget -= 1
                    tq = toward[q]
                    if drawn + tq[a] - tq[b] - 2 * wp.get(q, 0) < 0 and (
                        linear is None or linear[p][b] + linear[q][a] == linear[p][a] + linear[q][b]
                    ):
                        _move(p, a, b, groups, where, toward, pair)
                        _move(q, b, a, groups, where, toward, pair)
                        better = True
                        break
                if where[p] != a or budget <= 0:
                    break
            if budget <= 0:
                break


def _move(
    p: int,
    a: int,
    b: int,
    groups: list[list[int]],
    where: list[int],
    toward: list[list[int]],
    pair: list[dict[int, int]],
) -> None:
    groups[a].remove(p)
    groups[b].append(p)
    where[p] = b
    for mate, w in pair[p].items():
        toward[mate][a] -= w
        toward[mate][b] += w


def _by_rank(roster: list[Person], settings: Settings, cost: _Cost, rng: random.Random) -> list[list[int]]:
    """The "choose" and "preference" strategies: people onto the groups' seats by the assignment
    problem, where a seat costs, in this order, a missed first choice, the rank the person gave
    the group (unranked worst), the seat's position in its group (so that sizes come out even),
    and the people of one's own organisation already there. Without a cap the first
    n // groups seats of each group must be taken, so sizes differ by at most one."""
    n, g, cap = len(roster), settings.groups, settings.cap
    ranks: list[dict[int, int]] = []
    for p in roster:
        mine: dict[int, int] = {}
        for j in _wanted(p, settings.strategy):
            if 0 <= j < g and j not in mine:  # a topic removed since counts as unranked
                mine[j] = len(mine)
        ranks.append(mine)
    unranked = max(map(len, ranks))
    floor, ceil = n // g, -(-n // g)
    ranked_in = Counter(j for mine in ranks for j in mine)
    # A group is never fuller than the even size unless everyone in it asked for it.
    seats = [ceil] * g if cap is None else [min(cap, max(ceil, ranked_in[j])) for j in range(g)]
    # Each weight is more than everything below it can add up to.
    position_weight = n * max(seats) + 1
    rank_weight = n * max(seats) * position_weight + 1
    first_weight = (n * unranked + 1) * rank_weight
    taken_weight = first_weight + rank_weight * (unranked + 1)
    linear = [
        [0 if not mine else (mine.get(j) != 0) * first_weight + mine.get(j, unranked) * rank_weight for j in range(g)]
        for mine in ranks
    ]
    group_of_seat = np.repeat(np.arange(g), seats)
    position = np.concatenate([np.arange(s) for s in seats])
    seat_cost = position * position_weight - taken_weight * ((position < floor) & (cap is None))
    rows = list(range(n))
    rng.shuffle(rows)  # the seed breaks ties
    base = np.array([linear[p] for p in rows], dtype=np.float64)[:, group_of_seat] + seat_cost
    organisation = np.array([cost.organisation[p] for p in rows])
    group = _seat(base, group_of_seat)
    # Mixing is not a cost per seat: solve again with each seat costing the colleagues now in its
    # group, while that lowers the pairs (the earlier aims stay optimal in every solution).
    for _ in range(4):
        present = np.zeros((organisation.max() + 1, g))
        np.add.at(present, (organisation, group), 1)
        colleagues = present[organisation] - (np.arange(g) == group[:, None])
        again = _seat(base + colleagues[:, group_of_seat], group_of_seat)
        if _pairs_within(organisation, again) >= _pairs_within(organisation, group):
            break
        group = again
    groups: list[list[int]] = [[] for _ in range(g)]
    for row, j in enumerate(group):
        groups[int(j)].append(rows[row])
    _swap_while_better(groups, cost, rng, linear)
    return groups


def _seat(matrix: np.ndarray, group_of_seat: np.ndarray) -> np.ndarray:
    """Each row's group in the cheapest assignment of rows to seats."""
    _, seat = linear_sum_assignment(matrix)
    return group_of_seat[seat]


def _pairs_within(classes: np.ndarray, group: np.ndarray) -> int:
    _, counts = np.unique(np.stack([classes, group]), axis=1, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def _fewest_same_organisation_pairs(organisations: list[int], sizes: list[int]) -> int:
    """The fewest same-organisation pairs any split of people from organisations of these sizes
    into groups of these sizes can have."""
    g = len(sizes)
    if not sizes or max(sizes) - min(sizes) <= 1:
        # Even sizes: spreading each organisation evenly over the groups is possible for all of
        # them at once (deal them round-robin, one organisation after another), and nothing beats it.
        return sum((m % g) * math.comb(m // g + 1, 2) + (g - m % g) * math.comb(m // g, 2) for m in organisations)
    # Uneven sizes: a transportation problem with convex costs, as a linear programme whose k-th
    # member of an organisation in a group costs k; its optimum is whole. People alone in their
    # organisation cost nothing and fill whatever seats are left.
    shared = [m for m in organisations if m > 1]
    costs: list[int] = []
    of_organisation: list[int] = []
    of_group: list[int] = []
    for o, m in enumerate(shared):
        for j, size in enumerate(sizes):
            for k in range(min(m, size)):
                costs.append(k)
                of_organisation.append(o)
                of_group.append(j)
    if not shared:
        return 0
    column, ones = np.arange(len(costs)), np.ones(len(costs))

    def incidence(rows: list[int], height: int) -> Any:
        # Sparse, which HiGHS takes though scipy's stubs name only dense arrays.
        return coo_array((ones, (np.array(rows), column)), shape=(height, len(costs)))

    solved = linprog(
        costs,
        A_ub=incidence(of_group, g),
        b_ub=sizes,
        A_eq=incidence(of_organisation, len(shared)),
        b_eq=shared,
        bounds=(0, 1),
        method="highs",
    )
    assert solved.fun is not None, solved.message  # always feasible: the people came from these groups
    return round(solved.fun)
