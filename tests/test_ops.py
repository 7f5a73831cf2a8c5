"""The operator's endpoints over HTTP: /healthz, /readyz (and its 503 when PostgreSQL or Redis
cannot be reached), and /metrics in the Prometheus text format, optionally behind a token."""

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

import facilitator
from facilitator.config import Settings
from tests.clock import eventually
from tests.live import cookie_for, ok, open_socket, room_with, running_server, state_of
from tests.private_redis import private_redis
from tests.relay import Relay
from tests.services import postgres_or_missing


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a metrics page, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_healthz_says_the_process_is_up_and_which_release_it_runs(server):
    response = httpx.get(f"{server}/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "version": facilitator.__version__}


def test_readyz_on_sqlite_without_redis_checks_the_database_alone(server):
    response = httpx.get(f"{server}/readyz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok"}


def test_metrics_count_connections_commands_and_renders(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        phone = await open_socket(server, code, "phone", cookie_for(code, "participant", ana["token"]))
        await phone.until(lambda message: 'id="me"' in message)
        ok(server, room, type="room.lock")
        refused = httpx.post(
            f"{server}/api/rooms/{code}/commands",
            json={"type": "room.lock"},
            headers={"Authorization": f"Bearer {ana['token']}"},
        )
        assert refused.status_code == 403
        await phone.until(lambda message: "Closed to new participants" in message)
        page = httpx.get(f"{server}/metrics")
        await phone.close()
        return page

    page = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    found = samples(page.text)
    assert found[("facilitator_connections", (("surface", "phone"),))] == 1
    assert found[("facilitator_commands_total", (("outcome", "accepted"), ("type", "room.lock")))] == 1
    assert found[("facilitator_commands_total", (("outcome", "refused"), ("type", "room.lock")))] == 1
    assert found[("facilitator_command_seconds_count", ())] >= 3  # the join too
    assert found[("facilitator_render_seconds_count", ())] >= 1
    assert found[("facilitator_broker_reconnects_total", ())] == 0
    assert found[("facilitator_slow_clients_dropped_total", ())] == 0
    # The phone went away.
    eventually(
        lambda: samples(httpx.get(f"{server}/metrics").text)[("facilitator_connections", (("surface", "phone"),))] == 0
    )


def test_metrics_behind_a_token(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/m.db", secret_key="s", metrics_token="scrape-me")
    with running_server(settings) as base:
        refused = httpx.get(f"{base}/metrics")
        assert refused.status_code == 401
        assert "METRICS_TOKEN" in refused.json()["error"]
        assert httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        allowed = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert allowed.status_code == 200
        assert "facilitator_commands" in allowed.text
        # The probes stay open: a load balancer has no token.
        assert httpx.get(f"{base}/healthz").status_code == 200


@pytest.mark.postgres
def test_readyz_names_postgresql_when_it_cannot_be_reached():
    postgres = make_url(postgres_or_missing())
    relay = Relay(postgres.host or "127.0.0.1", postgres.port or 5432)
    relay.start()
    settings = Settings(
        database_url=postgres.set(port=relay.port).render_as_string(hide_password=False), secret_key="ready"
    )
    try:
        with running_server(settings) as base:
            assert httpx.get(f"{base}/readyz").json() == {"ok": True, "database": "ok"}
            relay.stop()
            try:
                down = httpx.get(f"{base}/readyz", timeout=10)
                assert down.status_code == 503
                assert down.json()["database"].startswith("unreachable")
                assert down.json()["error"] == "Not ready: the database cannot be reached."
                assert httpx.get(f"{base}/healthz").status_code == 200  # the process itself is up
            finally:
                relay.start()
            eventually(lambda: httpx.get(f"{base}/readyz").status_code == 200, timeout=10)
    finally:
        relay.stop()


@pytest.mark.redis
def test_readyz_names_redis_when_it_cannot_be_reached(tmp_path):
    with private_redis(tmp_path) as redis_server:
        settings = Settings(database_url=f"sqlite:///{tmp_path}/r.db", secret_key="ready", redis_url=redis_server.url)
        with running_server(settings) as base:
            assert httpx.get(f"{base}/readyz").json() == {"ok": True, "database": "ok", "redis": "ok"}
            room, _ = room_with(base)
            state_of(base, room)  # the room is open here: its subscription is held
            redis_server.kill()
            down = httpx.get(f"{base}/readyz", timeout=10)
            assert down.status_code == 503
            body = down.json()
            assert body["database"] == "ok" and body["redis"].startswith("unreachable")
            assert body["error"] == "Not ready: Redis cannot be reached."
            redis_server.start()
            eventually(lambda: httpx.get(f"{base}/readyz").status_code == 200, timeout=10)
            # The subscription broke and was made again: the metrics count it.
            eventually(
                lambda: samples(httpx.get(f"{base}/metrics").text)[("facilitator_broker_reconnects_total", ())] >= 1,
                timeout=10,
            )
