"""Fan-out figures for one process on SQLite: broadcast latency, burst coalescing, command latency.

    .venv/bin/python bench/fanout.py [--phones 200] [--rounds 20]

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
from tests.live import cookie_for, create_room, join, open_socket, running_server


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(ordered)})"


async def broadcast_latency(base: str, room: dict, phones: int, rounds: int) -> None:
    code, token = room["code"], room["tokens"]["facilitator"]
    tokens = [join(base, code, name=f"P{i}", organisation=f"Org {i % 5}")["token"] for i in range(phones)]
    sockets = [await open_socket(base, code, "phone", cookie_for(code, "participant", t)) for t in tokens]
    for s in sockets:
        await s.until(lambda m: 'id="me"' in m)
    samples = []
    async with httpx.AsyncClient() as client:
        for i in range(rounds):
            kind, marker = ("room.lock", "Closed to new participants") if i % 2 == 0 else ("room.unlock", None)
            await asyncio.sleep(0.15)  # past the render interval: measure a command on a quiet room
            for s in sockets:
                s.received.clear()
            started = time.perf_counter()
            await client.post(
                f"{base}/api/rooms/{code}/commands", json={"type": kind}, headers={"Authorization": f"Bearer {token}"}
            )
            wanted = (
                (lambda m, marker=marker: marker in m)
                if marker
                else (lambda m: 'id="room-header"' in m and "Closed" not in m)
            )
            await asyncio.gather(*(s.until(wanted, timeout=10) for s in sockets))
            samples.append(time.perf_counter() - started)
    print(f"command -> all {phones} phones updated: {quantiles(samples)}")
    for s in sockets:
        await s.close()


async def burst(base: str, votes: int) -> None:
    room = create_room(base)
    code = room["code"]
    screen = await open_socket(base, code, "screen", cookie_for(code, "screen", room["tokens"]["screen"]))
    await screen.until(lambda m: 'data-count="joined">0<' in m)
    screen.received.clear()
    started = time.perf_counter()
    async with httpx.AsyncClient() as client:
        await asyncio.gather(
            *(
                client.post(
                    f"{base}/api/rooms/{code}/join",
                    json={"name": f"P{i}", "organisation": "Org", "accept_confidentiality": True},
                )
                for i in range(votes)
            )
        )
    await screen.until(lambda m: f'data-count="joined">{votes}<' in m, timeout=30)
    elapsed = time.perf_counter() - started
    print(
        f"{votes} joins in {elapsed:.2f} s reached the screen in {len(screen.received)} messages "
        f"(coalescing ratio {votes / max(1, len(screen.received)):.1f} events per push)"
    )
    await screen.close()


def command_latency(base: str, rounds: int) -> None:
    room = create_room(base)
    samples = []
    with httpx.Client() as client:
        for i in range(rounds):
            started = time.perf_counter()
            client.post(
                f"{base}/api/rooms/{room['code']}/commands",
                json={"type": "room.lock" if i % 2 == 0 else "room.unlock"},
                headers={"Authorization": f"Bearer {room['tokens']['facilitator']}"},
            ).raise_for_status()
            samples.append(time.perf_counter() - started)
    print(f"HTTP command round trip (decide + append + publish): {quantiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db", secret_key="bench", redis_url=None, commands_per_actor=1_000_000
        )  # measure the pipeline, not the throttle
        with running_server(settings) as base:
            command_latency(base, args.rounds * 5)
            asyncio.run(burst(base, 100))
            asyncio.run(broadcast_latency(base, create_room(base), args.phones, args.rounds))


if __name__ == "__main__":
    main()
