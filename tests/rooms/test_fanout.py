"""Several nodes, one room: Redis carries fan-out and presence, the shared log stays the truth.

These tests run real `facilitator serve` processes (or, for the broker's
recovery, two in-process servers) against one shared database and Redis db 15.
"""

import asyncio
import subprocess
import sys
import time

import httpx
import pytest
import redis

from facilitator.config import Settings
from tests.clock import eventually
from tests.live import command, cookie_for, create_room, free_port, join, open_socket, running_server
from tests.processes import SECRET, database_for, serving, settings_free_env
from tests.services import REDIS_URL, redis_or_missing

pytestmark = pytest.mark.redis

ONLINE = 'data-count="online">{}<'
JOINED = 'data-count="joined">{}<'
CLOSED = "Closed to new participants"
# Small presence timings for the test of a node that dies (see Settings).
PRESENCE_TTL, PRESENCE_REFRESH = 3, 1.0


@pytest.fixture(scope="module", autouse=True)
def clean_redis():
    redis_or_missing()
    with redis.Redis.from_url(REDIS_URL, socket_timeout=5) as client:
        client.flushdb()


def forget(*sockets) -> None:
    """Drop what the sockets received so far, so `until` waits for something new."""
    for socket in sockets:
        socket.received.clear()


def report(name: str, seconds: float) -> None:
    print(f"\n[fanout] {name}: {seconds * 1000:.0f} ms")


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("store", STORES)
def test_two_processes_serve_one_room(tmp_path, store):
    redis_or_missing()
    with serving(tmp_path, database_for(store, tmp_path)) as (a, b):
        room = create_room(a.base)
        code, tokens = room["code"], room["tokens"]

        async def scenario():
            screen = await open_socket(b.base, code, "screen", cookie_for(code, "screen", tokens["screen"]))
            await screen.until(lambda m: JOINED.format(0) in m)
            joined = await asyncio.to_thread(join, a.base, code)
            await screen.until(lambda m: JOINED.format(1) in m, timeout=2)

            forget(screen)
            started = time.monotonic()
            phone = await open_socket(a.base, code, "phone", cookie_for(code, "participant", joined["token"]))
            opened = time.monotonic()
            shown = await screen.until(lambda m: ONLINE.format(1) in m, timeout=5)
            latency = time.monotonic() - opened
            report(f"{store}: phone on A -> screen on B online (after socket open)", latency)
            report(f"{store}: phone on A -> screen on B online (incl. handshake)", time.monotonic() - started)
            assert latency < 1.0
            assert JOINED.format(1) in shown
            await phone.until(lambda m: 'id="me"' in m)

            console = await open_socket(a.base, code, "console", cookie_for(code, "facilitator", tokens["facilitator"]))
            await console.until(lambda m: 'value="room.lock"' in m)
            forget(console)
            locked = await asyncio.to_thread(command, b.base, code, tokens["facilitator"], type="room.lock")
            assert locked.status_code == 200, locked.text
            await console.until(lambda m: 'value="room.unlock"' in m and CLOSED in m, timeout=2)

            forget(screen)
            await phone.close()
            await screen.until(lambda m: ONLINE.format(0) in m, timeout=3)
            for socket in (screen, console):
                await socket.close()

        asyncio.run(scenario())


@pytest.mark.parametrize("store", STORES)
def test_concurrent_joins_on_two_processes_make_one_log(tmp_path, store):
    redis_or_missing()
    with serving(tmp_path, database_for(store, tmp_path)) as (a, b):
        room = create_room(a.base)
        code, auth = room["code"], {"Authorization": f"Bearer {room['tokens']['facilitator']}"}

        async def joins() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=30) as client:
                return await asyncio.gather(
                    *(
                        client.post(
                            f"{(a, b)[i % 2].base}/api/rooms/{code}/join",
                            json={
                                "name": f"Person {i}",
                                "organisation": f"Org {i % 5}",
                                "accept_confidentiality": True,
                            },
                        )
                        for i in range(40)
                    )
                )

        responses = asyncio.run(joins())
        assert [r.status_code for r in responses] == [201] * 40, [r.text for r in responses if r.status_code != 201]
        assert len({r.json()["participant_id"] for r in responses}) == 40

        logs = [httpx.get(f"{node.base}/api/rooms/{code}/events", headers=auth).json()["events"] for node in (a, b)]
        assert logs[0] == logs[1]
        seqs = [event["seq"] for event in logs[0]]
        assert len(seqs) >= 41
        assert seqs == list(range(1, len(seqs) + 1))
        assert sum(event["type"] == "participant.joined" for event in logs[0]) == 40

        def converged():
            states = [httpx.get(f"{node.base}/api/rooms/{code}/state", headers=auth).json() for node in (a, b)]
            return states if states[0]["seq"] == states[1]["seq"] == seqs[-1] else None

        states = eventually(converged, every=0.1)
        assert states[0]["counts"] == states[1]["counts"]
        assert states[0]["counts"]["joined"] == 40
        assert len(states[0]["participants"]) == len(states[1]["participants"]) == 40


def pubsub_clients(client: redis.Redis) -> set[int]:
    """Ids of the Redis server's pub/sub connections that use our database."""
    db = str(client.connection_pool.connection_kwargs.get("db", 0))
    return {int(c["id"]) for c in client.client_list(_type="pubsub") if str(c.get("db")) == db}


def test_a_node_that_lost_its_subscription_reads_what_it_missed(tmp_path):
    redis_or_missing()
    settings = Settings(
        redis_url=REDIS_URL,
        database_url=f"sqlite:///{tmp_path}/shared.db",
        secret_key=SECRET,
        render_interval_seconds=0.05,
    )
    admin = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    with admin, running_server(settings) as a, running_server(settings) as b:
        room = create_room(b)
        code, tokens = room["code"], room["tokens"]
        before = pubsub_clients(admin)

        async def scenario():
            screen = await open_socket(a, code, "screen", cookie_for(code, "screen", tokens["screen"]))
            await screen.until(lambda m: JOINED.format(0) in m)
            # The room is open on A only: the pub/sub connections that appeared since are A's.
            mine_a = pubsub_clients(admin) - before
            assert mine_a, "node A holds no Redis pub/sub connection"
            await asyncio.to_thread(join, b, code)  # opens the room on B: B subscribes too
            await screen.until(lambda m: JOINED.format(1) in m, timeout=2)
            keep = before | (pubsub_clients(admin) - mine_a)  # everyone but A

            def kill_a_for(seconds: float) -> int:
                """Kill A's subscription, and each reconnection of it, for `seconds`."""
                killed, end = 0, time.monotonic() + seconds
                while time.monotonic() < end:
                    for client_id in pubsub_clients(admin) - keep:
                        killed += admin.client_kill_filter(_id=client_id, _type="pubsub")
                    time.sleep(0.005)
                return killed

            forget(screen)
            killer = asyncio.create_task(asyncio.to_thread(kill_a_for, 1.5))
            await asyncio.sleep(0.6)  # A is now between reconnects, backing off
            locked = await asyncio.to_thread(command, b, code, tokens["facilitator"], type="room.lock")
            assert locked.status_code == 200, locked.text
            changed = time.monotonic()
            assert await killer >= 1
            await screen.until(lambda m: CLOSED in m, timeout=10)
            report(
                "resync after lost subscription: change shown on A after it was made on B", time.monotonic() - changed
            )
            await screen.close()

        asyncio.run(scenario())


def test_several_workers_need_redis_and_postgres_needs_a_shared_secret(tmp_path):
    redis_or_missing()
    argv = [sys.executable, "-m", "facilitator", "serve", "--workers", "2", "--port", str(free_port())]

    def refused(env: dict[str, str]) -> str:
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=20)
        assert done.returncode != 0, done.stdout + done.stderr
        assert "Uvicorn running" not in done.stdout + done.stderr
        return done.stderr

    assert "REDIS_URL" in refused(settings_free_env(SECRET_KEY=SECRET))
    # On SQLite they share the key kept beside the database; on PostgreSQL it must be set.
    postgres = "postgresql://nobody@127.0.0.1:1/none"
    assert "SECRET_KEY" in refused(settings_free_env(REDIS_URL=REDIS_URL, DATABASE_URL=postgres))


def test_the_members_of_a_node_that_dies_fade_out(tmp_path):
    redis_or_missing()
    with serving(
        tmp_path,
        database_for("sqlite", tmp_path),
        PRESENCE_TTL_SECONDS=str(PRESENCE_TTL),
        PRESENCE_REFRESH_SECONDS=str(PRESENCE_REFRESH),
    ) as (a, b):
        room = create_room(a.base)
        code, tokens = room["code"], room["tokens"]

        async def scenario():
            screen = await open_socket(a.base, code, "screen", cookie_for(code, "screen", tokens["screen"]))
            await screen.until(lambda m: JOINED.format(0) in m)
            joined = await asyncio.to_thread(join, b.base, code)
            phone = await open_socket(b.base, code, "phone", cookie_for(code, "participant", joined["token"]))
            await phone.until(lambda m: 'id="me"' in m)
            await screen.until(lambda m: ONLINE.format(1) in m, timeout=2)
            await asyncio.sleep(PRESENCE_REFRESH * 1.5)  # B has refreshed its heartbeat at least once

            forget(screen)
            b.process.kill()  # SIGKILL: B says goodbye to nobody
            await asyncio.to_thread(b.process.wait, 5)
            died = time.monotonic()
            shown = await screen.until(lambda m: ONLINE.format(0) in m, timeout=PRESENCE_TTL + PRESENCE_REFRESH + 5)
            faded = time.monotonic() - died
            report("dead node's phone dropped from A's screen", faded)
            assert faded < PRESENCE_TTL + PRESENCE_REFRESH + 1.0
            assert JOINED.format(1) in shown
            await screen.close()
            try:
                await phone.close()
            except Exception:  # noqa: BLE001 - its server is gone
                pass

        asyncio.run(scenario())
