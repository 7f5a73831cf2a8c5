"""Poll figures for one process on SQLite: a burst of votes from every phone at once, and one vote's round trip.

    .venv/bin/python bench/votes.py [--phones 200] [--rounds 10]

N phones join and hold their WebSockets, a screen watches, one poll is open.
Each round every phone votes in one burst; the poll is reset between rounds.
Printed: the time from the first vote sent to the screen showing the final
count, the screen pushes per burst (coalesced renders, not one per vote), and
the round trip of a single vote over HTTP and over a phone's socket.

Everything runs on 127.0.0.1 and stops by itself. The machines are shared and
noisy: read the medians, and compare runs on the same machine only.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facilitator.config import Settings
from tests.live import Socket, cookie_for, create_room, drain, fragment, has, open_socket, running_server

OPTIONS = ["Discharge lounge", "Pharmacy rounds", "Transport desk", "Carers' calls"]
COUNTED = "Your answer counted"


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(ordered)})"


def answered(count: int, present: int) -> str:
    return f"<strong>{count}</strong> of {present} answered"


def acked(command_id: str):
    return lambda m: f'data-command-id="{command_id}"' in m


async def forget(*sockets: Socket) -> None:
    """Read what is in flight and drop it, every socket at once."""
    await asyncio.gather(*(drain(s, 0.2) for s in sockets))
    for s in sockets:
        s.received.clear()


async def bench(base: str, phones: int, rounds: int) -> None:
    room = create_room(base)
    code, facilitator = room["code"], {"Authorization": f"Bearer {room['tokens']['facilitator']}"}
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(body: dict, headers: dict) -> httpx.Response:
            response = await client.post(f"{base}/api/rooms/{code}/commands", json=body, headers=headers)
            response.raise_for_status()
            return response

        started = time.perf_counter()
        joined = await asyncio.gather(
            *(
                client.post(
                    f"{base}/api/rooms/{code}/join",
                    json={"name": f"P{i}", "organisation": f"Org {i % 5}", "accept_confidentiality": True},
                )
                for i in range(phones)
            )
        )
        tokens = [r.raise_for_status().json()["token"] for r in joined]
        screen = await open_socket(base, code, "screen", cookie_for(code, "screen", room["tokens"]["screen"]))
        sockets: list[Socket] = []
        for first in range(0, phones, 50):  # a few handshakes at a time, as phones arrive in a room
            sockets += await asyncio.gather(
                *(
                    open_socket(base, code, "phone", cookie_for(code, "participant", t))
                    for t in tokens[first : first + 50]
                )
            )
        await screen.until(lambda m: f'data-count="online">{phones}<' in m, timeout=60)
        print(f"{phones} phones joined and connected in {time.perf_counter() - started:.2f} s")

        created = await post(
            {
                "type": "poll.create",
                "kind": "single",
                "question": "Which change first?",
                "options": OPTIONS,
                "open": True,
            },
            facilitator,
        )
        poll_id = created.json()["reply"]["poll_id"]
        started = time.perf_counter()
        await asyncio.gather(*(s.until(has("my-polls", poll_id), timeout=60) for s in sockets))
        print(f"poll opened -> on all {phones} phones: {(time.perf_counter() - started) * 1000:.0f} ms")
        await screen.until(has("poll-screen", answered(0, phones)), timeout=30)

        final_shown, confirmed, pushes = [], [], []
        for round_ in range(rounds):
            if round_:
                await forget(screen, *sockets)
                await post({"type": "poll.reset", "poll_id": poll_id, "confirm": True}, facilitator)
                await screen.until(has("poll-screen", answered(0, phones)), timeout=30)
                await asyncio.gather(
                    *(s.until(has("my-polls", poll_id, without=(COUNTED,)), timeout=30) for s in sockets)
                )
            await asyncio.sleep(0.15)  # past the render interval: the burst starts on a quiet room
            await forget(screen, *sockets)
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    s.send(
                        {"type": "poll.answer", "poll_id": poll_id, "choice": i % len(OPTIONS), "id": f"r{round_}-{i}"}
                    )
                    for i, s in enumerate(sockets)
                )
            )
            await screen.until(has("poll-screen", answered(phones, phones)), timeout=60)
            final_shown.append(time.perf_counter() - started)
            await asyncio.gather(*(s.until(acked(f"r{round_}-{i}"), timeout=60) for i, s in enumerate(sockets)))
            confirmed.append(time.perf_counter() - started)
            await drain(screen, 0.3)  # a push after the final count would count too
            pushes.append(sum(fragment(m, "poll-screen") is not None for m in screen.received))
        print(f"burst of {phones} votes, first sent -> screen shows the final count: {quantiles(final_shown)}")
        print(f"burst of {phones} votes, first sent -> every phone acknowledged: {quantiles(confirmed)}")
        print(
            f"screen pushes per burst of {phones} votes: median {statistics.median(pushes):g}, "
            f"max {max(pushes)} (rounds: {pushes})"
        )

        # One vote at a time on a quiet room; each voter changes their answer, so every vote is an event.
        samples = max(10, rounds * 5)
        over_ws, over_http = [], []
        await forget(screen, *sockets)
        for n in range(samples):
            i = n % phones
            sock = sockets[i]
            await asyncio.sleep(0.15)
            started = time.perf_counter()
            await sock.send(
                {
                    "type": "poll.answer",
                    "poll_id": poll_id,
                    "choice": (i + 1 + n // phones) % len(OPTIONS),
                    "id": f"ws-{n}",
                }
            )
            said = await sock.until(acked(f"ws-{n}"), timeout=10)
            over_ws.append(time.perf_counter() - started)
            assert 'id="flash"' not in said, said
        for n in range(samples):
            i = (phones - 1 - n) % phones
            await asyncio.sleep(0.15)
            started = time.perf_counter()
            await post(
                {"type": "poll.answer", "poll_id": poll_id, "choice": (i + 2 + n // phones) % len(OPTIONS)},
                {"Authorization": f"Bearer {tokens[i]}"},
            )
            over_http.append(time.perf_counter() - started)
        print(f"vote round trip over a phone's WebSocket (send -> ack): {quantiles(over_ws)}")
        print(f"vote round trip over HTTP (POST -> 200): {quantiles(over_http)}")

        state = (await client.get(f"{base}/api/rooms/{code}/state", headers=facilitator)).json()
        poll = next(p for p in state["polls"]["polls"] if p["id"] == poll_id)
        assert poll["answered"] == phones, poll["answered"]
        await forget(screen, *sockets)  # a client with unread messages stops reading, and so its close waits
        for s in [screen, *sockets]:
            await s.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db", secret_key="bench", redis_url=None, commands_per_actor=1_000_000
        )  # measure the pipeline, not the throttle
        with running_server(settings) as base:
            asyncio.run(bench(base, args.phones, args.rounds))


if __name__ == "__main__":
    main()
