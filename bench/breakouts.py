"""Breakout assignment figures: how long forming the groups takes for a large exchange.

    .venv/bin/python bench/breakouts.py [--runs 7]

The case the feature promises: 500 participants into 125 groups with "mix organisations" and
"avoid repeat pairings" over two earlier rounds, well under a second. Beside it: each other
strategy at the same size, the quality summary and a late joiner's placement (what a preview
and an arrival cost), and the slowest small roster, searched exhaustively. Printed: the median
and the slowest of the runs, and how well the rules hold in the main case.

Pure computation in this process; the machines are shared and noisy: read the medians.
"""

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitator.rooms.breakouts.assign import Groups, Person, Settings, assign, place_late, quality

ROLES = ["Nurse manager", "nurse  manager", "Discharge coordinator", "Pharmacist", "Social worker", "Physiotherapist"]


def roster(n: int, organisations: int, seed: int) -> list[Person]:
    """Organisations of uneven sizes (a few large trusts, many small ones); rankings of three topics."""
    rng = random.Random(seed)
    weights = [1 / (k + 1) for k in range(organisations)]
    people = []
    for i in range(n):
        org = rng.choices(range(organisations), weights)[0]
        ranking = tuple(rng.sample(range(10), 3))
        choice = ranking[0] if rng.random() < 0.8 else None
        people.append(Person(f"p{i:03}", f"Trust {org}", rng.choice(ROLES), choice, ranking))
    return people


def timed(runs: int, work: Callable[[int], object]) -> str:
    samples = []
    for run in range(runs):
        started = time.perf_counter()
        work(run)
        samples.append(time.perf_counter() - started)
    return f"median {statistics.median(samples) * 1000:7.1f} ms, slowest {max(samples) * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    people = roster(500, 40, seed=1)
    earlier: list[Groups] = []
    for seed in (101, 102):
        earlier.append(assign(people, Settings("mix", 125, avoid_repeats=True), earlier, seed))

    cases: list[tuple[str, Callable[[int], object]]] = [
        ("mix + avoid repeats, 500 into 125, 2 earlier rounds", lambda s: assign(people, MIX_AVOID, earlier, s)),
        ("mix, 500 into 125", lambda s: assign(people, Settings("mix", 125), earlier, s)),
        (
            "random + avoid repeats, 500 into 125",
            lambda s: assign(people, Settings("random", 125, None, True), earlier, s),
        ),
        ("roles, 500 into 125", lambda s: assign(people, Settings("roles", 125), earlier, s)),
        (
            "roles + avoid repeats, 500 into 125",
            lambda s: assign(people, Settings("roles", 125, None, True), earlier, s),
        ),
        ("choose, 500 into 10 topics, cap 60", lambda s: assign(people, Settings("choose", 10, 60), earlier, s)),
        (
            "preference, 500 into 10 topics, cap 60",
            lambda s: assign(people, Settings("preference", 10, 60), earlier, s),
        ),
        ("preference + avoid, 500 into 125, no cap", lambda s: assign(people, PREFERENCE_125, earlier, s)),
        ("quality of a 500-person round", lambda s: quality(earlier[-1], people, earlier[:1])),
        ("place a late joiner among 125 groups", lambda s: place_late(earlier[-1], LATE, people, MIX_AVOID, earlier)),
        (
            "12 into 3, mix + avoid (exhaustive)",
            lambda s: assign(people[:12], Settings("mix", 3, None, True), SMALL, s),
        ),
    ]
    width = max(len(name) for name, _ in cases)
    print(f"{runs} runs each")
    for name, work in cases:
        print(f"{name:<{width}}  {timed(runs, work)}")
    groups = assign(people, MIX_AVOID, earlier, 0)
    print(f"\nmain case, seed 0: {quality(groups, people, earlier)}")
    chance = assign(people, Settings("random", 125), [], 0)
    print(f"a random split:    {quality(chance, people, earlier)}")


MIX_AVOID = Settings("mix", 125, avoid_repeats=True)
PREFERENCE_125 = Settings("preference", 125, avoid_repeats=True)
LATE = Person("late", "Trust 0", "Pharmacist")
SMALL: list[Groups] = [(("p000", "p001", "p002", "p003"), ("p004", "p005", "p006", "p007"), ("p008", "p009", "p010"))]

if __name__ == "__main__":
    main()
