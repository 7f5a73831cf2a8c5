"""Erasure and retention: an ended exchange deleted from the console, by the command line or by
the daily retention job is gone with its whole log; its links, cookies and exports answer 404,
and the sockets open on it are told and closed."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets

from facilitator import cli
from facilitator.app import create_app
from facilitator.config import Settings
from facilitator.rooms.hub import DELETED
from tests.clock import eventually
from tests.live import auth, cookie_for, ok, open_socket, room_with, running_server
from tests.services import redis_or_missing


def console_client(base: str, room: dict) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base})
    assert client.get(room["links"]["console"]).status_code == 303  # the key becomes a cookie
    return client


def gone(base: str, room: dict, phone_token: str) -> None:
    """Every way into the room answers 404: secret links, cookies, exports and the API."""
    code = room["code"]
    for surface in ("console", "scribe", "screen"):
        assert httpx.get(room["links"][surface]).status_code == 404, surface
    phone = cookie_for(code, "participant", phone_token)
    assert httpx.get(f"{base}/r/{code}", headers={"Cookie": phone}, follow_redirects=True).status_code == 404
    assert httpx.get(f"{base}/r/{code}/record", headers={"Cookie": phone}).status_code == 404
    assert httpx.get(f"{base}/r/{code}/questions.csv", headers={"Cookie": phone}).status_code == 404
    assert httpx.get(f"{base}/join", params={"code": code}).status_code == 404
    facilitator = auth(room["tokens"]["facilitator"])
    for export in ("export.md", "export.html", "export.docx", "export.json", "export.csv", "export.zip"):
        assert httpx.get(f"{base}/r/{code}/{export}", headers=facilitator).status_code == 404, export
    assert httpx.get(f"{base}/r/{code}/compendium.md", headers=facilitator).status_code == 404
    assert httpx.get(f"{base}/api/rooms/{code}/state", headers=facilitator).status_code == 404
    assert httpx.get(f"{base}/api/rooms/{code}/events", headers=facilitator).status_code == 404


def test_the_console_deletes_an_ended_exchange_after_its_code_is_typed(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    console = console_client(server, room)

    refused = console.post(f"/r/{code}/delete", data={"confirm": code})
    assert refused.status_code == 409 and "End the exchange before deleting it." in refused.text

    ok(server, room, type="room.end")
    page = console.get(f"/r/{code}/console")
    assert f'action="/r/{code}/delete"' in page.text and "Delete exchange" in page.text
    mistyped = console.post(f"/r/{code}/delete", data={"confirm": "ABC"})
    assert mistyped.status_code == 400 and f"Type the code {code} in the box" in mistyped.text
    assert (
        httpx.get(
            f"{server}/r/{code}/record", headers={"Cookie": cookie_for(code, "participant", ana["token"])}
        ).status_code
        == 200
    )
    # Only the facilitator.
    phone = httpx.Client(
        base_url=server, headers={"Origin": server, "Cookie": cookie_for(code, "participant", ana["token"])}
    )
    assert phone.post(f"/r/{code}/delete", data={"confirm": code}).status_code == 403

    async def watch_and_delete() -> tuple[int, str]:
        socket = await open_socket(server, code, "phone", cookie_for(code, "participant", ana["token"]))
        await socket.until(lambda message: 'id="me"' in message)
        deleted = await asyncio.to_thread(console.post, f"/r/{code}/delete", data={"confirm": code.lower()})
        assert deleted.status_code == 200 and f"The exchange {code} and its whole record were deleted." in deleted.text
        return await closed_by(socket)

    assert asyncio.run(watch_and_delete()) == (1008, DELETED)
    gone(server, room, ana["token"])


def test_the_command_line_lists_and_deletes(settings, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with running_server(settings) as base:
        room, (ana,) = room_with(base, people=[("Ana", "St Mary's")])
        kept, _ = room_with(base)
        ok(base, room, type="room.end")
        with pytest.raises(SystemExit) as listed:
            cli.main(["rooms", "list"])
        assert listed.value.code == 0
        shown = capsys.readouterr().out
        assert room["code"] in shown and kept["code"] in shown and "not ended" in shown and "2 exchanges." in shown
        assert "Ana" not in shown

        with pytest.raises(SystemExit) as deleted:
            cli.main(["rooms", "delete", room["code"]])
        assert deleted.value.code == 0
        assert f"Deleted the exchange {room['code']} and its whole record." in capsys.readouterr().out
        with pytest.raises(SystemExit) as again:
            cli.main(["rooms", "delete", room["code"]])
        assert again.value.code == 1
        assert f"There is no exchange with the code {room['code']}." in capsys.readouterr().err
        port = int(base.rsplit(":", 1)[1])
    # The log is gone from the database: a server that never held the room in memory has nothing.
    with running_server(settings, port=port) as base:
        gone(base, room, ana["token"])
        assert (
            httpx.get(f"{base}/api/rooms/{kept['code']}/state", headers=auth(kept["tokens"]["facilitator"])).status_code
            == 200
        )


def test_retention_deletes_exchanges_that_ended_longer_ago_and_keeps_the_rest(tmp_path, clock, caplog):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/r.db", secret_key="s", retention_days=2)
    caplog.set_level("INFO", logger="facilitator")
    app = create_app(settings, clock)

    def the_daily_run() -> None:
        """Run the retention job now, as its day comes, and wait until it has run."""
        jobs = app.state.housekeeping
        jobs.modify_job("retention", next_run_time=datetime.now(UTC))
        eventually(lambda: jobs.get_job("retention").next_run_time > datetime.now(UTC) + timedelta(hours=23))

    def status(room: dict) -> int:
        headers = auth(room["tokens"]["facilitator"])
        return httpx.get(f"{base}/api/rooms/{room['code']}/state", headers=headers).status_code

    with running_server(settings, clock, app=app) as base:
        jobs = app.state.housekeeping
        assert jobs.get_job("retention").trigger.interval == timedelta(days=1)
        assert jobs.get_job("follow-up").trigger.interval == timedelta(hours=1)
        ended, (ana,) = room_with(base, people=[("Ana", "St Mary's")])
        running, _ = room_with(base)
        ok(base, ended, type="room.end")
        clock.advance(24 * 3600 + 60)
        the_daily_run()  # the exchange ended a day ago: kept
        assert status(ended) == 200
        clock.advance(2 * 24 * 3600)
        the_daily_run()  # past the two days: deleted
        assert status(ended) == 404
        gone(base, ended, ana["token"])
        assert status(running) == 200
    assert any(f"room {ended['code']} deleted" in record.getMessage() for record in caplog.records)


def test_without_retention_days_nothing_is_ever_deleted_by_itself(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/r.db", secret_key="s"))
    with running_server(app.state.settings, app=app):
        assert app.state.housekeeping.get_job("retention") is None
        assert app.state.housekeeping.get_job("follow-up") is not None


async def closed_by(socket) -> tuple[int, str]:
    try:
        async with asyncio.timeout(5):
            while True:
                await socket.connection.recv()
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code, closed.rcvd.reason
    raise AssertionError("the socket stayed open")


@pytest.mark.redis
def test_a_deletion_reaches_every_node_through_redis(tmp_path, monkeypatch, capsys):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/shared.db", secret_key="shared", redis_url=redis_or_missing()
    )
    for name in ("database_url", "secret_key", "redis_url"):
        monkeypatch.setenv(name.upper(), str(getattr(settings, name)))
    with running_server(settings) as first, running_server(settings) as second:
        by_console, (ana,) = room_with(first, people=[("Ana", "St Mary's")])
        by_command_line, (ben,) = room_with(first, people=[("Ben", "Northfield")])
        for room in (by_console, by_command_line):
            ok(first, room, type="room.end")
        console = console_client(first, by_console)

        async def scenario() -> None:
            # Both phones are on the second node; the deletions are made on the first and in a shell.
            phones = [
                await open_socket(
                    second, room["code"], "phone", cookie_for(room["code"], "participant", person["token"])
                )
                for room, person in ((by_console, ana), (by_command_line, ben))
            ]
            for phone in phones:
                await phone.until(lambda message: 'id="me"' in message)
            deleted = await asyncio.to_thread(
                console.post, f"/r/{by_console['code']}/delete", data={"confirm": by_console["code"]}
            )
            assert deleted.status_code == 200
            assert await closed_by(phones[0]) == (1008, DELETED)
            with pytest.raises(SystemExit):
                cli.main(["rooms", "delete", by_command_line["code"]])
            assert await closed_by(phones[1]) == (1008, DELETED)

        asyncio.run(scenario())
        assert "the running servers closed its pages" in capsys.readouterr().out
        for room in (by_console, by_command_line):
            facilitator = auth(room["tokens"]["facilitator"])
            assert httpx.get(f"{second}/api/rooms/{room['code']}/state", headers=facilitator).status_code == 404
