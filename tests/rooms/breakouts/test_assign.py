"""Breakout assignment as a pure function: each strategy's promise checked over many rosters
(hypothesis), against the best there is found by trying every split on small rosters."""

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator.rooms.breakouts.assign import (
    Groups,
    Person,
    Quality,
    Settings,
    assign,
    normalised_role,
    place_late,
    quality,
)

ORGANISATIONS = ["St Mary's", "Royal Infirmary", "Northgate", "Westfield", "Hillside", "Bayview"]
ROLES = ["Nurse manager", "nurse  Manager ", "Discharge coordinator", "Pharmacist", "Social worker"]
SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- rosters ------------------------------------------------------------------------------------


@st.composite
def rosters(draw: st.DrawFn, least: int = 1, most: int = 9, organisations: int = 4) -> list[Person]:
    n = draw(st.integers(least, most))
    orgs = st.sampled_from(ORGANISATIONS[:organisations])
    return [Person(f"p{i:02}", draw(orgs), draw(st.sampled_from(ROLES))) for i in range(n)]


@st.composite
def rounds(draw: st.DrawFn, people: Sequence[Person], count: int) -> list[Groups]:
    """Earlier rounds as random splits of (some of) the roster."""
    earlier = []
    for _ in range(count):
        ids = [p.id for p in people]
        draw(st.randoms()).shuffle(ids)
        g = draw(st.integers(1, max(1, len(ids) // 2)))
        earlier.append(tuple(tuple(sorted(ids[k::g])) for k in range(g)))
    return earlier


def random_groups(people: Sequence[Person], groups: int, seed: int) -> Groups:
    return assign(people, Settings("random", groups), [], seed)


# --- what a split costs, counted here rather than read from the module ---------------------------


def organisation_pairs(groups: Sequence[Sequence[str]], people: Sequence[Person]) -> int:
    org = {p.id: p.organisation for p in people}
    return sum(org[a] == org[b] for group in groups for a, b in itertools.combinations(group, 2))


def repeated_pairs(groups: Sequence[Sequence[str]], earlier: Sequence[Groups]) -> int:
    met = {frozenset(pair) for round_ in earlier for group in round_ for pair in itertools.combinations(group, 2)}
    return sum(frozenset(pair) in met for group in groups for pair in itertools.combinations(group, 2))


def mismatched_roles(groups: Sequence[Sequence[str]], people: Sequence[Person]) -> int:
    role = {p.id: " ".join(p.role.split()).lower() for p in people}
    return sum(role[a] != role[b] for group in groups for a, b in itertools.combinations(group, 2))


def even_sizes(n: int, groups: int) -> list[int]:
    return sorted([n // groups + (k < n % groups) for k in range(groups)], reverse=True)


def splits(ids: list[str], sizes: list[int]) -> Iterator[list[tuple[str, ...]]]:
    """Every way to split `ids` into unlabelled groups of `sizes`, each once."""
    if not ids:
        yield []
        return
    first, rest = ids[0], ids[1:]
    for size in sorted(set(sizes)):
        left = list(sizes)
        left.remove(size)
        for mates in itertools.combinations(rest, size - 1):
            others = [i for i in rest if i not in mates]
            for split in splits(others, left):
                yield [(first, *mates), *split]


def check_shape(groups: Groups, people: Sequence[Person], count: int) -> None:
    assert len(groups) == count
    placed = [i for group in groups for i in group]
    assert sorted(placed) == sorted(p.id for p in people), "everyone exactly once"
    assert all(list(group) == sorted(group) for group in groups)


# --- every strategy ---------------------------------------------------------------------------------


@SOME
@given(st.data(), rosters(most=30), st.sampled_from(["mix", "roles", "random"]), st.booleans())
def test_everyone_is_placed_once_and_sizes_differ_by_at_most_one(data, people, strategy, avoid) -> None:
    count = data.draw(st.integers(1, len(people)))
    earlier = data.draw(rounds(people, 2))
    groups = assign(people, Settings(strategy, count, avoid_repeats=avoid), earlier, data.draw(st.integers()))
    check_shape(groups, people, count)
    assert max(map(len, groups)) - min(map(len, groups)) <= 1


@SOME
@given(st.data(), rosters(most=14), st.sampled_from(["mix", "roles", "random", "choose", "preference"]))
def test_the_same_inputs_give_the_same_groups_in_whatever_order_people_come(data, people, strategy) -> None:
    count = data.draw(st.integers(1, len(people)))
    people = [
        Person(p.id, p.organisation, p.role, data.draw(st.none() | st.integers(0, count - 1)), tuple(range(count)))
        for p in people
    ]
    config = Settings(strategy, count, cap=data.draw(st.none() | st.integers(-(-len(people) // count), len(people))))
    earlier, seed = data.draw(rounds(people, 2)), data.draw(st.integers(0, 2**32))
    first = assign(people, config, earlier, seed)
    assert assign(list(reversed(people)), config, earlier, seed) == first
    assert assign(people, config, earlier, seed) == first


def test_a_new_seed_reshuffles() -> None:
    people = [Person(f"p{i:02}", ORGANISATIONS[i % 3]) for i in range(24)]
    for strategy in ("mix", "random", "roles"):
        results = {assign(people, Settings(strategy, 6), [], seed) for seed in range(5)}
        assert len(results) > 1, strategy


# --- mix organisations ------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.data(), rosters(most=60, organisations=6), st.booleans())
def test_mix_repeats_no_organisation_when_the_numbers_allow_else_the_fewest_pairs(data, people, avoid) -> None:
    count = data.draw(st.integers(1, len(people)))
    earlier = data.draw(rounds(people, 2))
    groups = assign(people, Settings("mix", count, avoid_repeats=avoid), earlier, data.draw(st.integers()))
    largest = max(Counter(p.organisation for p in people).values())
    measured = quality(groups, people, earlier)
    assert organisation_pairs(groups, people) == measured.same_organisation_pairs
    if largest <= count:
        assert measured.same_organisation_pairs == 0
    assert measured.same_organisation_pairs == measured.fewest_possible_same_organisation_pairs


@SOME
@given(st.data(), rosters(most=9, organisations=3))
def test_the_fewest_possible_same_organisation_pairs_is_the_least_any_split_has(data, people) -> None:
    """Checked on uneven sizes too (a capped "choose" round), where spreading each organisation
    evenly is no longer possible for all at once."""
    ids = [p.id for p in people]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(ids)), min_size=1, max_size=3)))
    groups = tuple(tuple(ids[a:b]) for a, b in itertools.pairwise([0, *cuts, len(ids)]))
    sizes = [len(g) for g in groups]
    fewest = min(organisation_pairs(split, people) for split in splits(ids, [s for s in sizes if s]))
    assert quality(groups, people, []).fewest_possible_same_organisation_pairs == fewest


def test_nine_people_from_three_organisations_make_three_mixed_groups() -> None:
    people = [Person(f"p{i}", org) for i, org in enumerate(ORGANISATIONS[:3] * 3)]
    groups = assign(people, Settings("mix", 3), [], seed=7)
    assert all(len({p.organisation for p in people if p.id in group}) == 3 for group in groups)


def test_organisations_compare_like_roles() -> None:
    people = [Person("a", "St Mary's"), Person("b", "st  mary's "), Person("c", "Northgate"), Person("d", "Bayview")]
    assert quality((("a", "b"), ("c", "d")), people, []).same_organisation_pairs == 1
    groups = assign(people, Settings("mix", 2), [], seed=1)
    assert not any({"a", "b"} <= set(group) for group in groups)


# --- avoid repeat pairings ----------------------------------------------------------------------------


@SOME
@given(st.data(), rosters(least=2, most=10, organisations=3), st.sampled_from(["mix", "random", "roles"]))
def test_avoiding_repeats_on_a_small_roster_is_as_good_as_the_best_split(data, people, strategy) -> None:
    """Zero repeated pairs whenever some split has none; with "mix" (or "roles") first, among the
    splits that keep that rule as well as possible."""
    count = data.draw(st.integers(1, len(people)))
    earlier = data.draw(rounds(people, data.draw(st.integers(1, 3))))
    groups = assign(people, Settings(strategy, count, avoid_repeats=True), earlier, data.draw(st.integers()))

    def aims(split: Sequence[Sequence[str]]) -> tuple[int, int]:
        rule = {"mix": organisation_pairs, "roles": mismatched_roles}.get(strategy)
        return (rule(split, people) if rule else 0), repeated_pairs(split, earlier)

    best = min(aims(split) for split in splits([p.id for p in people], even_sizes(len(people), count)))
    assert aims(groups) == best
    assert quality(groups, people, earlier).repeated_pairs == best[1]


@settings(max_examples=12, deadline=None)
@given(st.data(), st.integers(40, 240))
def test_avoiding_repeats_on_a_large_roster_never_does_worse_than_chance(data, n) -> None:
    people = [Person(f"p{i:03}", ORGANISATIONS[i % 5]) for i in range(n)]
    count = n // 4
    earlier = [
        random_groups(people, count, seed) for seed in data.draw(st.lists(st.integers(), min_size=2, max_size=2))
    ]
    seed = data.draw(st.integers())
    chance = [repeated_pairs(random_groups(people, count, seed + k), earlier) for k in range(3)]
    avoided = assign(people, Settings("random", count, avoid_repeats=True), earlier, seed)
    assert repeated_pairs(avoided, earlier) <= min(chance)
    mixed = assign(people, Settings("mix", count, avoid_repeats=True), earlier, seed)
    assert organisation_pairs(mixed, people) == 0
    assert repeated_pairs(mixed, earlier) <= repeated_pairs(assign(people, Settings("mix", count), [], seed), earlier)


def test_five_hundred_people_in_fourth_rounds_meet_no_one_twice_and_no_colleague() -> None:
    people = [Person(f"p{i:03}", f"Trust {i % 40}") for i in range(500)]
    earlier: list[Groups] = []
    for seed in range(3):
        groups = assign(people, Settings("mix", 125, avoid_repeats=True), earlier, seed)
        check_shape(groups, people, 125)
        measured = quality(groups, people, earlier)
        assert (measured.same_organisation_pairs, measured.repeated_pairs) == (0, 0)
        earlier.append(groups)


def test_a_second_round_gives_everyone_new_group_mates() -> None:
    people = [Person(f"p{i}", org) for i, org in enumerate(ORGANISATIONS[:3] * 3)]
    first = assign(people, Settings("mix", 3), [], seed=1)
    second = assign(people, Settings("mix", 3, avoid_repeats=True), [first], seed=2)
    assert quality(second, people, [first]) == Quality(0, 0, 0, 0, 0)


# --- match roles ------------------------------------------------------------------------------------------


def test_roles_are_compared_in_their_normalised_form() -> None:
    assert normalised_role("  Nurse   Manager ") == normalised_role("nurse manager") == "nurse manager"
    people = [Person("a", "X", "Nurse Manager"), Person("b", "Y", "nurse  manager "), Person("c", "Z", "Porter")]
    assert quality((("a", "b", "c"),), people, []).role_mismatched_pairs == 2


@SOME
@given(st.data(), rosters(least=2, most=10))
def test_roles_on_a_small_roster_are_as_homogeneous_as_the_best_split(data, people) -> None:
    count = data.draw(st.integers(1, len(people)))
    groups = assign(people, Settings("roles", count), [], data.draw(st.integers()))
    best = min(
        mismatched_roles(split, people) for split in splits([p.id for p in people], even_sizes(len(people), count))
    )
    assert mismatched_roles(groups, people) == quality(groups, people, []).role_mismatched_pairs == best


@settings(max_examples=15, deadline=None)
@given(rosters(least=30, most=200), st.integers(2, 6), st.integers())
def test_roles_on_a_large_roster_beat_chance(people, size, seed) -> None:
    count = max(1, len(people) // size)
    groups = assign(people, Settings("roles", count), [], seed)
    assert mismatched_roles(groups, people) <= mismatched_roles(random_groups(people, count, seed), people)


# --- participants choose -----------------------------------------------------------------------------------


@SOME
@given(st.data(), rosters(most=20))
def test_choosers_get_their_group_while_it_has_room_and_sizes_are_as_even_as_the_cap_allows(data, people) -> None:
    count = data.draw(st.integers(1, min(5, len(people))))
    cap = data.draw(st.integers(-(-len(people) // count), len(people)))
    people = [Person(p.id, p.organisation, choice=data.draw(st.none() | st.integers(0, count - 1))) for p in people]
    groups = assign(people, Settings("choose", count, cap=cap), [], data.draw(st.integers()))
    check_shape(groups, people, count)
    assert max(map(len, groups)) <= cap
    choosers = Counter(p.choice for p in people if p.choice is not None)
    assert quality(groups, people, []).first_choices == sum(min(cap, c) for c in choosers.values())
    chose = {p.id: p.choice for p in people}
    for a, b in itertools.permutations(range(count), 2):
        if len(groups[a]) >= len(groups[b]) + 2:  # only a full house of choosers may stand so uneven
            assert all(chose[i] == a for i in groups[a])


def test_people_who_did_not_choose_are_placed_by_the_mix_rule() -> None:
    people = [Person("a", "North", choice=0), Person("b", "South", choice=1)]
    people += [Person("c", "North"), Person("d", "South")]
    for seed in range(10):
        assert assign(people, Settings("choose", 2, cap=2), [], seed) == (("a", "d"), ("b", "c"))


def test_without_a_cap_choices_count_only_as_far_as_even_sizes_allow() -> None:
    people = [Person(f"p{i}", f"Org {i}", choice=0) for i in range(6)]
    groups = assign(people, Settings("choose", 3), [], seed=4)
    assert [len(g) for g in groups] == [2, 2, 2]
    assert quality(groups, people, []).first_choices == 2


# --- by preference -----------------------------------------------------------------------------------------


@st.composite
def ranked(draw: st.DrawFn, people: list[Person], count: int) -> list[Person]:
    topics = st.permutations(range(count)).map(tuple)
    return [Person(p.id, p.organisation, ranking=draw(topics)[: draw(st.integers(0, min(3, count)))]) for p in people]


@settings(max_examples=60, deadline=None)
@given(st.data(), rosters(most=7), st.booleans())
def test_preference_gives_as_many_first_choices_as_any_assignment_can(data, people, capped) -> None:
    count = data.draw(st.integers(1, min(3, len(people))))
    people = data.draw(ranked(people, count))
    cap = data.draw(st.integers(-(-len(people) // count), len(people))) if capped else None
    groups = assign(people, Settings("preference", count, cap=cap), [], data.draw(st.integers()))
    check_shape(groups, people, count)

    def allowed(sizes: Sequence[int]) -> bool:
        return max(sizes) <= cap if cap is not None else max(sizes) - min(sizes) <= 1

    best = 0
    for placing in itertools.product(range(count), repeat=len(people)):
        if allowed([placing.count(g) for g in range(count)]):
            best = max(best, sum(bool(p.ranking) and p.ranking[0] == g for p, g in zip(people, placing, strict=True)))
    assert allowed([len(g) for g in groups])
    assert quality(groups, people, []).first_choices == best


def test_preference_prefers_a_second_choice_to_none_and_then_mixes() -> None:
    people = [
        Person("a", "North", ranking=(0, 1)),
        Person("b", "North", ranking=(0, 1)),
        Person("c", "South", ranking=(0, 2)),
        Person("d", "South", ranking=(1,)),
        Person("e", "East", ranking=(2,)),
        Person("f", "West", ranking=()),
    ]
    groups = assign(people, Settings("preference", 3, cap=2), [], seed=3)
    # Two seats in topic 0 for three who want it: the two from one organisation do not both win.
    assert quality(groups, people, []).first_choices == 4
    assert organisation_pairs(groups, people) == 0
    loser = next(p for p in people[:3] if p.id not in groups[0])
    assert loser.id in groups[loser.ranking[1]]


def test_a_topic_that_no_longer_exists_counts_as_unranked() -> None:
    people = [Person("a", "X", ranking=(7, 1)), Person("b", "Y", ranking=(0,))]
    assert assign(people, Settings("preference", 2), [], seed=0) == (("b",), ("a",))


# --- late joiners -------------------------------------------------------------------------------------------


def test_a_late_joiner_goes_to_the_smallest_group_that_keeps_the_rule() -> None:
    people = [Person(i, org) for i, org in [("a", "N"), ("b", "S"), ("c", "N"), ("d", "E"), ("e", "W")]]
    groups = (("a", "b"), ("c", "d", "e"), ("z",))
    late = Person("f", "N")
    mix = Settings("mix", 3)
    assert place_late(groups, late, people, mix, []) == 2
    assert place_late((("a", "b"), ("c", "d", "e")), late, people, mix, []) == 0  # both hold an N: the smaller
    assert place_late((("a", "b"), ("d", "e", "x")), late, people, mix, []) == 1  # the only one without an N
    assert (
        place_late((("b", "d"), ("e", "x")), late, people, Settings("mix", 2, avoid_repeats=True), [(("f", "b"),)]) == 1
    )
    assert place_late((("a", "b"), ("c",)), Person("a", "N"), people, mix, []) == 0  # already placed: stays


def test_a_late_joiner_gets_their_choice_while_it_has_room() -> None:
    people = [Person("a", "N"), Person("b", "S"), Person("c", "E")]
    chooser = Person("f", "N", choice=0)
    assert place_late((("a", "b"), ("c",)), chooser, people, Settings("choose", 2, cap=3), []) == 0
    assert place_late((("a", "b"), ("c",)), chooser, people, Settings("choose", 2, cap=2), []) == 1
    ranker = Person("f", "N", ranking=(0, 1))
    assert place_late((("a", "b"), ("c", "x"), ()), ranker, people, Settings("preference", 3, cap=2), []) == 2


def test_a_late_joiner_finds_their_role() -> None:
    people = [Person("a", "N", "Porter"), Person("b", "S", "Nurse manager"), Person("c", "E", "nurse manager")]
    late = Person("f", "W", "Nurse  Manager")
    assert place_late((("a",), ("b", "c")), late, people, Settings("roles", 2), []) == 1


@SOME
@given(st.data(), rosters(least=2, most=20))
def test_a_late_joiner_joins_where_they_break_the_mix_rule_least_and_the_smallest_such_group(data, people) -> None:
    *present, late = people
    groups = assign(present, Settings("mix", data.draw(st.integers(1, len(present)))), [], 0)
    chosen = place_late(groups, late, present, Settings("mix", len(groups)), [])
    same = [sum(p.organisation == late.organisation for p in present if p.id in g) for g in groups]
    assert same[chosen] == min(same)
    assert len(groups[chosen]) == min(len(g) for g, s in zip(groups, same, strict=True) if s == min(same))


# --- settings no assignment can meet --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "count", "sentence"),
    [
        (Settings("mix", 5), 3, "There are more groups (5) than people (3): choose at most 3 groups."),
        (Settings("mix", 0), 3, "A round needs at least one group."),
        (Settings("choose", 2, cap=2), 5, "2 groups of at most 2 hold 4 people, but 5 are here: raise the cap to 3"),
        (Settings("random", 1), 0, "There is no one to place in groups yet."),
        (Settings("roulette", 1), 2, "There is no way to form groups called 'roulette'."),  # type: ignore[arg-type]
    ],
)
def test_impossible_settings_are_refused_with_a_sentence(config, count, sentence) -> None:
    with pytest.raises(ValueError, match=re.escape(sentence)):
        assign([Person(f"p{i}", "X") for i in range(count)], config, [], seed=0)


def test_a_cap_below_one_and_a_doubled_person_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("A group's cap must be at least one person.")):
        assign([Person("a", "X")], Settings("choose", 1, cap=0), [], seed=0)
    with pytest.raises(ValueError, match=re.escape("a is on the roster twice.")):
        assign([Person("a", "X"), Person("a", "Y")], Settings("mix", 1), [], seed=0)


def test_a_late_joiner_is_refused_when_every_group_is_full() -> None:
    with pytest.raises(ValueError, match=r"Every group is full \(at most 1\)"):
        place_late((("a",), ("b",)), Person("c", "X"), [], Settings("choose", 2, cap=1), [])
    with pytest.raises(ValueError, match="no groups"):
        place_late((), Person("c", "X"), [], Settings("mix", 1), [])


# --- the quality line -----------------------------------------------------------------------------------------


def test_quality_counts_each_rule() -> None:
    people = [
        Person("a", "North", "Nurse", ranking=(0,)),
        Person("b", "North", "nurse", choice=1),
        Person("c", "South", "Porter", ranking=(1, 0)),
        Person("d", "South", "Porter"),
    ]
    groups = (("a", "b"), ("c", "d"))
    earlier = [(("a", "b", "c"), ("d",)), (("a", "b"),)]
    assert quality(groups, people, earlier) == Quality(
        same_organisation_pairs=2,
        fewest_possible_same_organisation_pairs=0,
        repeated_pairs=1,
        role_mismatched_pairs=0,
        first_choices=2,
    )
    assert math.comb(4, 2) - 2 == quality((("a", "b", "c", "d"),), people, []).role_mismatched_pairs


def test_quality_leaves_out_people_who_left() -> None:
    people = [Person("a", "N"), Person("b", "N")]
    assert quality((("a", "b", "gone"),), people, []).same_organisation_pairs == 1
