"""How long one render of each surface takes for a large, busy exchange.

    .venv/bin/python bench/render.py [--people 300] [--turns 1000] [--items 20] [--questions 150]

A render happens at most once per interval per room (see hub.py), however many
events arrive, so this figure bounds the server's work per push. Pure: no
server, no database. Quote the medians; the machines are shared.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import jinja2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitator.config import Settings
from facilitator.features import RULES
from facilitator.polls.model import polls_of
from facilitator.rooms.model import Actor, Role
from facilitator.rooms.render import Renderer
from facilitator.rooms.views import Scene
from facilitator.timers.floor.model import floor_of
from tests.pure import T0, run

ORGANISATIONS = [
    "St Mary's Hospital",
    "Northfield Clinic",
    "Riverside Medical Centre",
    "Eastgate Health",
    "Hillcrest Rehabilitation",
]


def busy_room(people: int, turns: int, items: int, questions: int):
    state = RULES.new_state("BENCH1")
    now = T0
    visitor, facilitator = Actor(Role.VISITOR), Actor(Role.FACILITATOR)
    run(
        state,
        visitor,
        {
            "type": "room.create",
            "title": "Reducing discharge delays",
            "confidentiality": "c",
            "organisations": ORGANISATIONS,
        },
        now,
    )
    ids = []
    for i in range(people):
        now += 1
        joined = run(
            state,
            visitor,
            {
                "type": "participant.join",
                "name": f"Person {i}",
                "organisation": ORGANISATIONS[i % 5],
                "accept_confidentiality": True,
            },
            now,
        )
        ids.append(joined[0].data["participant_id"])
    for i in range(items):
        now += 1
        run(state, facilitator, {"type": "agenda.add", "kind": "case", "organisation": ORGANISATIONS[i % 5]}, now)
    run(state, facilitator, {"type": "timer.start"}, now)
    for i in range(turns):
        now += 7_000
        run(state, facilitator, {"type": "floor.give", "speaker": ids[(i * 7) % people]}, now)
    for pid in ids[: people // 5]:
        now += 1
        run(state, participant(pid), {"type": "hand.raise"}, now)
    # Four polls open at once (the survey), answered by everyone, and a busy Q&A.
    run(state, facilitator, {"type": "poll.survey", "open": True}, now)
    for poll_id in list(polls_of(state).polls):
        kind = polls_of(state).polls[poll_id].kind
        for i, pid in enumerate(ids):
            now += 1
            answer = {"value": 1 + i % 5} if kind == "scale" else {"text": f"Try idea {i % 40}"}
            run(state, participant(pid), {"type": "poll.answer", "poll_id": poll_id, **answer}, now)
    for i in range(questions):
        now += 60_000 // 3  # within the rate limit
        asked = run(state, participant(ids[i % people]), {"type": "question.ask", "text": f"Question {i}?"}, now)
        for pid in [p for p in ids[: (i * 7) % 40] if p != ids[i % people]]:
            run(state, participant(pid), {"type": "question.upvote", "question_id": asked[0].data["question_id"]}, now)
    return state, ids


def participant(pid: str) -> Actor:
    return Actor(Role.PARTICIPANT, pid, "bench-pseudonym-key")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    state, ids = busy_room(args.people, args.turns, args.items, args.questions)
    settings = Settings()
    renderer = Renderer(
        jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir), autoescape=True), RULES.fragments
    )
    scene = Scene(state, frozenset(ids[::2]))
    print(
        f"{args.people} people, {args.turns} turns, {args.items} agenda items, "
        f"{len(floor_of(state).hands)} hands up, 4 open polls answered by everyone, "
        f"{args.questions} questions"
    )
    for surface in ("console", "screen", "scribe", "phone"):
        samples = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            renderer.shared(surface, scene)
            samples.append(time.perf_counter() - started)
        print(f"  {surface:<8} shared fragments: median {statistics.median(samples) * 1000:.2f} ms")
    # One push renders every phone's own fragments against one scene, as hub.render does.
    viewers = [participant(pid) for pid in ids]
    samples = []
    for _ in range(max(3, args.rounds // 5)):
        push_scene = Scene(state, frozenset(ids[::2]))
        started = time.perf_counter()
        for viewer in viewers:
            renderer.personal("phone", push_scene, viewer)
        samples.append(time.perf_counter() - started)
    per_push = statistics.median(samples)
    print(
        f"  phone    per-person fragments for all {len(viewers)} phones: median {per_push * 1000:.0f} ms per push "
        f"({per_push / len(viewers) * 1000:.3f} ms per phone)"
    )


if __name__ == "__main__":
    main()
