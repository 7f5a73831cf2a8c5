"""A broker that hangs or restarts never slows the room, and fan-out comes back at once.

Each test runs its own redis-server (tests/private_redis.py) so it can freeze it
with SIGSTOP or kill and restart it, without disturbing the shared Redis.
"""

import asyncio
import statistics
import time

import httpx
import pytest

from facilitator.config import Settings
from tests.live import (
    auth,
    close_all,
    cookie_for,
    create_room,
    events_of,
    join,
    open_socket,
    phone_of,
    room_with,
    running_server,
    settle,
)
from tests.private_redis import private_redis
from tests.processes import database_for, serving

pytestmark = pytest.mark.redis

HANG_SECONDS = 3.0
# Long enough for reconnects to back off past a second (a doubling backoff would wait 3.2 s).
DOWN_SECONDS = 3.5
CLOSED = "Closed to new participants"


def report(name: str, value: str) -> None:
    print(f"\n[broker faults] {name}: {value}")


def test_a_hung_redis_does_not_slow_the_room(tmp_path):
    with private_redis(tmp_path) as broker:
        settings = Settings(
            redis_url=broker.url,
            database_url=f"sqlite:///{tmp_path}/hung.db",
            secret_key="hung-redis",
            render_interval_seconds=0.05,
        )
        with running_server(settings) as base:
            room, phones = room_with(base, people=[(f"Person {i}", f"Org {i}") for i in range(6)])
            code = room["code"]
            unopened = create_room(base)  # not yet opened on this node: opening it asks Redis too

            async def scenario():
                online = [await phone_of(base, code, phone["token"]) for phone in phones[:5]]
                for socket in online:
                    await socket.until(lambda m: 'id="me"' in m)
                acknowledged: list[tuple[float, int]] = []

                async def raise_and_lower(client: httpx.AsyncClient, token: str) -> None:
                    end = time.monotonic() + HANG_SECONDS
                    while time.monotonic() < end:
                        sent = time.monotonic()
                        response = await client.post(
                            f"{base}/api/rooms/{code}/commands", headers=auth(token), json={"type": "hand.raise"}
                        )
                        assert response.status_code == 200, response.text
                        acknowledged.append((time.monotonic() - sent, response.json()["seq"]))
                        await asyncio.sleep(0.2)

                broker.hang()
                try:
                    async with httpx.AsyncClient(timeout=30) as client:
                        await asyncio.gather(*(raise_and_lower(client, phone["token"]) for phone in phones))
                        # A phone that connects now gets its page at once: sharing its presence waits
                        # for Redis in the background.
                        started = time.monotonic()
                        late = await phone_of(base, code, phones[5]["token"])
                        await late.until(lambda m: 'id="me"' in m, timeout=5)
                        connected = time.monotonic() - started
                        # Opening a room asks Redis for its presence; a hung Redis costs it a bounded wait.
                        started = time.monotonic()
                        state = await client.get(
                            f"{base}/api/rooms/{unopened['code']}/state",
                            headers=auth(unopened["tokens"]["facilitator"]),
                        )
                        opened = time.monotonic() - started
                        assert state.status_code == 200, state.text
                finally:
                    broker.resume()
                await settle(*online, late)  # read what queued up, so the sockets close at once
                await close_all(*online, late)
                return acknowledged, connected, opened

            acknowledged, connected, opened = asyncio.run(asyncio.wait_for(scenario(), 60))
            seconds = sorted(taken for taken, _ in acknowledged)
            p95 = seconds[int(len(seconds) * 0.95) - 1]
            report(
                f"{len(seconds)} commands from 6 phones while Redis hung {HANG_SECONDS:.0f}s",
                f"median {statistics.median(seconds) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"max {seconds[-1] * 1000:.0f} ms",
            )
            report("a phone connecting while Redis hung", f"{connected * 1000:.0f} ms")
            report("opening a room while Redis hung", f"{opened * 1000:.0f} ms")
            assert len(seconds) >= 6 * HANG_SECONDS * 2, "the room slowed down while Redis hung"
            assert p95 < 0.5
            assert connected < 1.0
            assert opened < 2.0
            logged = {event["seq"]: event["type"] for event in events_of(base, room)}
            assert all(logged.get(seq) in ("hand.raised", "hand.lowered") for _, seq in acknowledged)


def test_fan_out_resumes_within_a_second_of_a_redis_restart(tmp_path):
    with (
        private_redis(tmp_path) as broker,
        serving(tmp_path, database_for("sqlite", tmp_path), redis_url=broker.url) as (a, b),
    ):
        room = create_room(a.base)
        code, tokens = room["code"], room["tokens"]

        def lock(node, kind: str = "room.lock") -> float:
            """Send the command on `node`; how long its acknowledgement took."""
            sent = time.monotonic()
            response = httpx.post(
                f"{node.base}/api/rooms/{code}/commands",
                json={"type": kind},
                headers=auth(tokens["facilitator"]),
                timeout=30,
            )
            assert response.status_code == 200, response.text
            return time.monotonic() - sent

        async def scenario():
            screen = await open_socket(b.base, code, "screen", cookie_for(code, "screen", tokens["screen"]))
            await screen.until(lambda m: 'data-count="joined">0<' in m)
            await asyncio.to_thread(join, a.base, code)
            await screen.until(lambda m: 'data-count="joined">1<' in m, timeout=2)

            # Redis dies; a command on A while it is down is still acknowledged at once.
            broker.kill()
            screen.received.clear()
            acknowledged = await asyncio.to_thread(lock, a)
            await asyncio.sleep(DOWN_SECONDS)  # both nodes are backing off between reconnects
            await asyncio.to_thread(broker.start)
            restarted = time.monotonic()
            await screen.until(lambda m: CLOSED in m, timeout=10)
            caught_up = time.monotonic() - restarted

            # After the restart, fan-out is live again: the next change reaches B at once.
            screen.received.clear()
            changed = time.monotonic()
            await asyncio.to_thread(lock, a, "room.unlock")
            await screen.until(lambda m: 'class="join-panel"' in m, timeout=10)  # the QR code is back
            live = time.monotonic() - changed
            await screen.close()
            return acknowledged, caught_up, live

        acknowledged, caught_up, live = asyncio.run(asyncio.wait_for(scenario(), 60))
        report("command on A while Redis was down, acknowledged in", f"{acknowledged * 1000:.0f} ms")
        report("B shows that command after Redis restarted, in", f"{caught_up * 1000:.0f} ms")
        report("next change on A shown on B, in", f"{live * 1000:.0f} ms")
        assert acknowledged < 0.5
        assert caught_up < 1.5
        assert live < 1.0
