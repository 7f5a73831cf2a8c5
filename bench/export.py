"""How long an export of a big exchange takes: 5,000 events, every format, from the log.

    flock /tmp/bench.lock .venv/bin/python bench/export.py [--events 5000] [--rounds 5]

The room is built through the pure rules (no server): 40 people in five organisations, sixty
agenda items, notes with tags, questions with upvotes, polls of every kind, speaking turns and
a breakout round every ten items.
Each round folds the log and writes one format, as the route does; the figure is the median.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitator.export.formats import COMPENDIUM, RECORD, export
from facilitator.export.options import Options
from facilitator.features import RULES
from tests.pure import FACILITATOR, MIN, SCRIBE, SEC, T0, Room, person, room_with

KINDS = ("insight", "practice", "barrier", "action", "decision", "quote")


def big_room(target: int) -> Room:
    people = [(f"Person {i}", f"Organisation number {i % 5}") for i in range(40)]
    room = room_with(
        people=people, agenda=[{"kind": "discussion", "title": f"Item {i}", "minutes": 10} for i in range(60)]
    )
    ids = list(room.people.values())
    now = T0
    item = 0
    while len(room.log) < target:
        room.do(FACILITATOR, {"type": "timer.start", "item_id": room.items[item]}, now)
        for turn in range(5):
            now += 30 * SEC
            room.do(FACILITATOR, {"type": "floor.give", "speaker": ids[(item * 5 + turn) % 40]}, now)
            text = f"Note {len(room.log)}: what | we learned #tag{turn} #item{item % 10}\nsecond line"
            room.do(SCRIBE, {"type": "note.post", "text": text, "kind": KINDS[turn % 6]}, now + SEC)
        room.do(FACILITATOR, {"type": "floor.stop"}, now + 2 * SEC)
        kind = ("single", "words", "matrix", "scale")[item % 4]
        raw = {"type": "poll.create", "kind": kind, "question": f"Poll {item}?", "open": True}
        if kind in ("single", "matrix"):
            raw["options"] = ["One", "Two", "Three"]
        poll = room.do(FACILITATOR, raw, now + 3 * SEC)[0].data["poll_id"]
        for n, pid in enumerate(ids):
            answer = {
                "single": {"choice": n % 3},
                "words": {"words": [f"word{n % 7}", f"other{n % 3}"]},
                "matrix": {"impact": [1 + n % 5, 2, 3], "effort": [2, 1 + n % 5, 4]},
                "scale": {"value": 1 + n % 5},
            }[kind]
            room.do(person(pid), {"type": "poll.answer", "poll_id": poll, **answer}, now + 4 * SEC + n)
        room.do(FACILITATOR, {"type": "poll.close", "poll_id": poll}, now + 5 * SEC)
        for n in range(6):
            asked = room.do(person(ids[n]), {"type": "question.ask", "text": f"Question {item}.{n}?"}, now + 6 * SEC)
            for voter in ids[10:20]:
                room.do(
                    person(voter),
                    {"type": "question.upvote", "question_id": asked[0].data["question_id"]},
                    now + 7 * SEC,
                )
        if item % 10 == 0:  # a breakout round now and then: eight groups, each writing its worksheet
            room.do(FACILITATOR, {"type": "breakouts.setup", "groups": 8, "topics": ["Flow"]}, now + 8 * SEC)
            room.do(FACILITATOR, {"type": "breakouts.open"}, now + 9 * SEC)
            for g in range(8):
                for section in range(3):
                    text = f"Group {g} of item {item}: what we found\nand what we would try"
                    raw = {"type": "breakouts.write", "group_id": f"g{g + 1}", "section": section, "text": text}
                    room.do(SCRIBE, raw, now + 10 * SEC)
            room.do(FACILITATOR, {"type": "breakouts.close"}, now + 11 * SEC)
        now += 10 * MIN
        room.do(FACILITATOR, {"type": "timer.finish"}, now)
        item += 1
    return room


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    room = big_room(args.events)
    log = room.log
    print(f"{len(log):,} events, {len(room.state.participants)} people")
    started = time.perf_counter()
    RULES.fold(room.state.code, log)
    print(f"  folding the log alone: {(time.perf_counter() - started) * 1000:.0f} ms")
    worst = 0.0
    for which, formats in (("record", RECORD), ("compendium", COMPENDIUM)):
        for fmt in formats:
            for options in (Options(), Options(deidentify=True, omit_flagged=True)):
                samples = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    made = export(RULES.fold(room.state.code, log), log, fmt, options, now_ms(log), which, rules=RULES)
                    samples.append(time.perf_counter() - started)
                median = statistics.median(samples)
                worst = max(worst, median)
                label = f"{which}.{fmt}{' (de-identified)' if options.deidentify else ''}"
                print(f"  {label:<32} median {median * 1000:6.0f} ms  ({len(made.content):,} bytes)")
    print(f"slowest median: {worst * 1000:.0f} ms ({'under' if worst < 1 else 'OVER'} a second)")


def now_ms(log) -> int:
    return log[-1].at + MIN


if __name__ == "__main__":
    main()
