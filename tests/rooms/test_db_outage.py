"""A database outage answers in one voice: 503, one sentence, a Retry-After, one warning.

The server talks to PostgreSQL through a TCP relay (tests/relay.py) that the test
cuts and restores, so the shared PostgreSQL is never stopped.
"""

import asyncio
import logging
import sqlite3

import httpx
import pytest
import websockets
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from facilitator.config import Settings
from facilitator.rooms.outage import UNAVAILABLE, is_outage
from tests.clock import eventually
from tests.live import (
    auth,
    command,
    cookie_for,
    create_room,
    events_of,
    flash,
    ok,
    open_socket,
    room_with,
    running_server,
)
from tests.relay import Relay
from tests.services import postgres_or_missing

JSON_ANSWER = {"ok": False, "error": UNAVAILABLE}


def test_only_errors_of_reaching_the_database_count_as_an_outage():
    assert is_outage(OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked")))
    assert is_outage(OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused")))
    # A statement that is wrong is a bug, and keeps its traceback.
    assert not is_outage(IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not is_outage(ProgrammingError("SELECT nonsense", {}, sqlite3.ProgrammingError("syntax error")))


def unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == JSON_ANSWER
    assert int(response.headers["retry-after"]) > 0


def unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert UNAVAILABLE in response.text
    assert int(response.headers["retry-after"]) > 0


@pytest.fixture
def server_logs(caplog):
    """Every record the server logs, uvicorn's own errors included (they do not propagate)."""
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="facilitator")
    try:
        yield caplog
    finally:
        uvicorn_errors.removeHandler(caplog.handler)


@pytest.mark.postgres
def test_a_postgres_outage_answers_503_once_said_and_loses_nothing(tmp_path, server_logs):
    postgres = make_url(postgres_or_missing())
    relay = Relay(postgres.host or "127.0.0.1", postgres.port or 5432)
    relay.start()
    settings = Settings(
        database_url=postgres.set(port=relay.port).render_as_string(hide_password=False),
        secret_key="outage",
        redis_url=None,
        render_interval_seconds=0.05,
    )
    try:
        with running_server(settings) as base:
            room, (phone,) = room_with(base, people=[("Ana", "St Mary's")])
            code, facilitator = room["code"], room["tokens"]["facilitator"]
            untouched = create_room(base)  # never opened on this node: anything about it reads the log
            other = untouched["code"]
            acknowledged = [ok(base, room, type="room.lock")["seq"], ok(base, room, type="room.unlock")["seq"]]
            raised = command(base, code, phone["token"], type="hand.raise")
            acknowledged.append(raised.json()["seq"])
            server_logs.clear()

            relay.stop()
            try:
                # The API: commands, joining, the state and the log of a room this node has not loaded.
                unavailable(command(base, code, facilitator, type="room.lock"))
                unavailable(command(base, code, phone["token"], type="hand.raise"))
                unavailable(
                    httpx.post(
                        f"{base}/api/rooms/{code}/join",
                        json={"name": "Bo", "organisation": "Northfield", "accept_confidentiality": True},
                    )
                )
                unavailable(
                    httpx.get(f"{base}/api/rooms/{other}/state", headers=auth(untouched["tokens"]["facilitator"]))
                )
                unavailable(
                    httpx.get(f"{base}/api/rooms/{other}/events", headers=auth(untouched["tokens"]["facilitator"]))
                )
                unavailable(httpx.post(f"{base}/api/rooms", json={"title": "New", "confidentiality": "c"}))
                # Pages: the same sentence as a page.
                unavailable_page(httpx.get(f"{base}/join", params={"code": other}))
                unavailable_page(
                    httpx.post(
                        f"{base}/join", data={"code": code, "name": "Bo", "organisation": "Northfield", "accept": "yes"}
                    )
                )
                unavailable_page(httpx.get(f"{base}/r/{other}/screen"))
                # A WebSocket to a room that must be read first is closed with "try again later",
                # which the page's socket extension answers by reconnecting.
                closed = asyncio.run(socket_close(base, other, untouched["tokens"]["screen"]))
                assert closed == (1013, UNAVAILABLE)
                # A command over a phone's open socket: the same sentence, to that phone alone.
                assert UNAVAILABLE in asyncio.run(socket_command(base, code, phone["token"]))
            finally:
                relay.start()

            def recovered():
                response = command(base, code, phone["token"], type="hand.raise")
                return response if response.status_code != 503 else None

            lowered = eventually(recovered, timeout=10, every=0.2)
            assert lowered.status_code == 200, lowered.text
            acknowledged.append(lowered.json()["seq"])
            assert (
                httpx.get(
                    f"{base}/api/rooms/{other}/state", headers=auth(untouched["tokens"]["facilitator"])
                ).status_code
                == 200
            )

            logged = events_of(base, room)
            assert [event["seq"] for event in logged] == list(range(1, len(logged) + 1))
            assert set(acknowledged) <= {event["seq"] for event in logged}
            assert [event["type"] for event in logged if event["seq"] in acknowledged] == [
                "room.locked",
                "room.unlocked",
                "hand.raised",
                "hand.lowered",
            ]
    finally:
        relay.stop()

    records = server_logs.records
    warnings = [r for r in records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings if r.name == "facilitator.rooms.outage"] == [
        r.getMessage() for r in warnings
    ], "anything but the one warning about the outage"
    assert len(warnings) == 1 and warnings[0].getMessage().startswith("Reaching the database failed")
    assert not [r for r in records if r.exc_info or "Traceback" in r.getMessage()]
    assert any(r.name == "facilitator.rooms.outage" and "works again" in r.getMessage() for r in records)


async def socket_command(base: str, code: str, token: str) -> str:
    """What a phone is told when it raises its hand over its socket."""
    socket = await open_socket(base, code, "phone", cookie_for(code, "participant", token))
    try:
        await socket.send({"type": "hand.raise", "kind": "comment", "id": "during-the-outage"})
        return await socket.until(flash(UNAVAILABLE), timeout=10)
    finally:
        await socket.close()


async def socket_close(base: str, code: str, screen_token: str) -> tuple[int, str]:
    """How the server closed a screen's socket: its close code and reason."""
    socket = await open_socket(base, code, "screen", cookie_for(code, "screen", screen_token))
    try:
        async with asyncio.timeout(5):
            await socket.connection.recv()
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code, closed.rcvd.reason
    raise AssertionError("the socket stayed open")
