"""Numbers out of range through a real server: refused with a sentence over HTTP and over the
WebSocket, the room carrying on, and the event log's paging refusing sequence numbers no
database column holds (SQLite and PostgreSQL)."""

import httpx
import pytest

from facilitator.config import Settings
from facilitator.rooms.clock import SYSTEM_CLOCK
from facilitator.timers.commands import LATEST_MS
from tests.live import (
    add_item,
    auth,
    command,
    create_room,
    events_of,
    flash,
    ok,
    run,
    running_server,
    staff,
    state_of,
)
from tests.services import postgres_or_missing

HUGE_AT_MS = 10**15  # the year 33658: once it broke the scheduler after the event was written
REFUSED = f"at_ms: at most {LATEST_MS}, please."


def test_a_start_beyond_the_calendar_is_refused_over_http_and_the_room_keeps_working(server):
    room = create_room(server)
    item = add_item(server, room, kind="break", title="Coffee", minutes=10)
    seq = state_of(server, room)["seq"]

    response = command(server, room["code"], room["tokens"]["facilitator"], type="timer.schedule", at_ms=HUGE_AT_MS)
    assert (response.status_code, response.json()) == (400, {"ok": False, "error": REFUSED})
    next_week = command(
        server,
        room["code"],
        room["tokens"]["facilitator"],
        type="timer.schedule",
        at_ms=SYSTEM_CLOCK.now_ms() + 8 * 24 * 3600 * 1000,
    )
    assert (next_week.status_code, next_week.json()["error"]) == (400, "A start can be scheduled at most 7 days ahead.")
    assert state_of(server, room)["seq"] == seq  # nothing was written

    in_an_hour = SYSTEM_CLOCK.now_ms() + 3600 * 1000
    ok(server, room, type="timer.schedule", item_id=item, at_ms=in_an_hour)
    ok(server, room, type="room.lock")
    assert [(e["type"], e["data"]) for e in events_of(server, room)[-2:]] == [
        ("timer.scheduled", {"item_id": item, "at": in_an_hour}),
        ("room.locked", {}),
    ]


def test_a_start_beyond_the_calendar_is_refused_over_the_websocket_and_the_socket_carries_on(server):
    room = create_room(server)
    add_item(server, room, kind="break", title="Coffee", minutes=10)

    async def scenario():
        console = await staff(server, room, "console")
        await console.send({"type": "timer.schedule", "at_ms": HUGE_AT_MS, "id": "far-away"})
        await console.until(flash(REFUSED))
        await console.until(lambda m: 'data-command-id="far-away" data-accepted="false"' in m)
        await console.send({"type": "timer.schedule", "at_ms": SYSTEM_CLOCK.now_ms() + 60_000, "id": "in-a-minute"})
        await console.until(lambda m: 'data-command-id="in-a-minute" data-accepted="true"' in m)
        await console.close()

    run(scenario, limit=20)
    assert [e["type"] for e in events_of(server, room)][-1] == "timer.scheduled"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_settings(request, tmp_path) -> Settings:
    url = postgres_or_missing() if request.param == "postgres" else f"sqlite:///{tmp_path}/facilitator.db"
    return Settings(database_url=url, secret_key="test-secret", redis_url=None, render_interval_seconds=0.05)


def test_reading_the_log_after_a_sequence_number_no_column_holds_is_refused(database_settings):
    with running_server(database_settings) as base:
        room = create_room(base)

        def events_after(after) -> httpx.Response:
            return httpx.get(
                f"{base}/api/rooms/{room['code']}/events",
                params={"after": after},
                headers=auth(room["tokens"]["facilitator"]),
                timeout=5,
            )

        for after in (2**63, 2**31, -1):
            assert 400 <= events_after(after).status_code < 500, after
        last = events_after(2**31 - 1)
        assert (last.status_code, last.json()) == (200, {"events": []})
        assert [e["seq"] for e in events_after(0).json()["events"]] == [1]
