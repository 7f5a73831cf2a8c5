"""A burst of votes split across two real `facilitator serve` processes that share Redis and one
database (SQLite, then PostgreSQL): every vote counted once, the same tally read from either node,
and both nodes' screens drawing the final count."""

import asyncio
import re
import time

import httpx
import pytest

from tests.clock import eventually
from tests.live import cookie_for, create_room, drain, fragment, has, open_socket
from tests.processes import database_for, serving
from tests.services import redis_or_missing

pytestmark = pytest.mark.redis

VOTERS = 100
SPLIT = (45, 35, 20)  # votes per option
MAX_SCREEN_PUSHES = 30
STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def answered_line(count: int, present: int) -> str:
    return f"<strong>{count}</strong> of {present} answered"


def shown_counts(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="result-count">(\d+)</span>', html)]


def report(name: str, seconds: float) -> None:
    print(f"\n[polls fanout] {name}: {seconds * 1000:.0f} ms")


@pytest.mark.parametrize("store", STORES)
def test_a_burst_of_votes_on_two_processes_is_counted_once_per_voter(tmp_path, store):
    redis_or_missing()
    with serving(tmp_path, database_for(store, tmp_path)) as nodes:
        a, b = nodes
        room = create_room(a.base)
        code, tokens = room["code"], room["tokens"]
        staff = {"Authorization": f"Bearer {tokens['facilitator']}"}
        choices = [option for option, count in enumerate(SPLIT) for _ in range(count)]

        async def scenario():
            async with httpx.AsyncClient(timeout=30) as client:

                async def post(node, path: str, body: dict, token: str | None = None) -> httpx.Response:
                    headers = {"Authorization": f"Bearer {token}"} if token else {}
                    return await client.post(f"{node.base}/api/rooms/{code}/{path}", json=body, headers=headers)

                joined = await asyncio.gather(
                    *(
                        post(
                            nodes[i % 2],
                            "join",
                            {"name": f"Voter {i}", "organisation": f"Org {i % 5}", "accept_confidentiality": True},
                        )
                        for i in range(VOTERS)
                    )
                )
                assert [r.status_code for r in joined] == [201] * VOTERS, [r.text for r in joined]
                voters = [r.json()["token"] for r in joined]

                screens = [
                    await open_socket(node.base, code, "screen", cookie_for(code, "screen", tokens["screen"]))
                    for node in nodes
                ]
                for screen in screens:
                    await screen.until(lambda m: f'data-count="joined">{VOTERS}<' in m, timeout=10)
                created = await post(
                    b,
                    "commands",
                    {
                        "type": "poll.create",
                        "kind": "single",
                        "open": True,
                        "question": "Which change first?",
                        "options": ["Lounge", "Pharmacy", "Transport"],
                    },
                    tokens["facilitator"],
                )
                assert created.status_code == 200, created.text
                poll_id = created.json()["reply"]["poll_id"]
                for screen in screens:
                    await screen.until(has("poll-screen", "Which change first?", answered_line(0, VOTERS)), timeout=10)
                    await drain(screen, 0.3)
                    screen.received.clear()

                # Every voter at once, alternating nodes: the nodes race for the same sequence numbers.
                started = time.perf_counter()
                votes = await asyncio.gather(
                    *(
                        post(
                            nodes[i % 2],
                            "commands",
                            {"type": "poll.answer", "poll_id": poll_id, "choice": choice, "id": f"vote-{i}"},
                            token,
                        )
                        for i, (token, choice) in enumerate(zip(voters, choices, strict=True))
                    )
                )
                confirmed = time.perf_counter() - started
                assert [r.status_code for r in votes] == [200] * VOTERS, [r.text for r in votes if r.is_error]
                assert not any(r.json()["duplicate"] for r in votes)
                report(f"{store}: {VOTERS} votes over two nodes, all answered", confirmed)

                async def final_count(screen) -> tuple[str, float]:
                    shown = await screen.until(has("poll-screen", answered_line(VOTERS, VOTERS)), timeout=15)
                    return fragment(shown, "poll-screen"), time.perf_counter() - started

                finals = await asyncio.gather(*(final_count(screen) for screen in screens))
                for node, screen, (final, seconds) in zip(nodes, screens, finals, strict=True):
                    report(f"{store}: final count on the screen of {node.base}", seconds)
                    await drain(screen, 0.4)
                    pushes = [f for m in screen.received if (f := fragment(m, "poll-screen")) is not None]
                    assert 1 <= len(pushes) < MAX_SCREEN_PUSHES, len(pushes)
                    assert pushes[-1] == final and shown_counts(final) == list(SPLIT)
                    await screen.close()

                # A vote retried on the other node is answered with its first result, not counted again.
                retried = await post(
                    b,
                    "commands",
                    {"type": "poll.answer", "poll_id": poll_id, "choice": choices[0], "id": "vote-0"},
                    voters[0],
                )
                assert retried.status_code == 200 and retried.json()["duplicate"], retried.text
                assert retried.json()["seq"] == votes[0].json()["seq"]
                return poll_id, voters

        poll_id, voters = asyncio.run(asyncio.wait_for(scenario(), 90))

        def tallies() -> list[tuple[int, list[int]]]:
            """(answered, counts per option) as each node tells it, once both have read the whole log."""

            def converged():
                states = [
                    httpx.get(f"{node.base}/api/rooms/{code}/state", headers=staff, timeout=5).json() for node in nodes
                ]
                return states if states[0]["seq"] == states[1]["seq"] else None

            states = eventually(converged, timeout=10, every=0.1)
            polls = [next(p for p in state["polls"]["polls"] if p["id"] == poll_id) for state in states]
            assert all(poll["present"] == VOTERS for poll in polls)
            return [(poll["answered"], [bar["count"] for bar in poll["results"]["bars"]]) for poll in polls]

        def log_of(node) -> list[dict]:
            return httpx.get(f"{node.base}/api/rooms/{code}/events", headers=staff, timeout=10).json()["events"]

        assert tallies() == [(VOTERS, list(SPLIT))] * 2
        logs = [log_of(node) for node in nodes]
        assert logs[0] == logs[1]
        assert [e["seq"] for e in logs[0]] == list(range(1, len(logs[0]) + 1))
        answered = [e for e in logs[0] if e["type"] == "poll.answered"]
        assert len(answered) == VOTERS
        assert len({e["data"]["voter"] for e in answered}) == VOTERS
        assert sorted(e["data"]["value"][0] for e in answered) == choices

        # The first voter voted on A and changes their answer on B: both nodes know them by the same
        # pseudonym, so their answer is replaced, not added.
        changed = httpx.post(
            f"{b.base}/api/rooms/{code}/commands",
            timeout=10,
            headers={"Authorization": f"Bearer {voters[0]}"},
            json={"type": "poll.answer", "poll_id": poll_id, "choice": 2},
        )
        assert changed.status_code == 200, changed.text
        assert tallies() == [(VOTERS, [SPLIT[0] - 1, SPLIT[1], SPLIT[2] + 1])] * 2
        last = log_of(a)[-1]
        assert last["type"] == "poll.answered" and last["data"]["value"] == [2]
        assert last["data"]["voter"] in {e["data"]["voter"] for e in answered}
