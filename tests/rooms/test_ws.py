"""The WebSocket edge, through a real server and real sockets."""

import asyncio
import re
import socket
import time

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from facilitator.config import Settings
from tests.clock import eventually
from tests.live import (
    Socket,
    command,
    cookie_for,
    create_room,
    drain,
    events_of,
    flash,
    join,
    open_socket,
    phone_of,
    room_with,
    running_server,
    staff,
    state_of,
)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def joined_count(n: int):
    return lambda m: f'data-count="joined">{n}<' in m


async def first(sock: Socket, timeout: float = 5.0) -> str:
    async with asyncio.timeout(timeout):
        message = await sock.connection.recv()
    sock.received.append(message)
    return message


async def closed_code(sock: Socket, timeout: float = 5.0) -> int | None:
    """Read until the server closes the socket; its close code."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                sock.received.append(await sock.connection.recv())
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def refused(base: str, path: str, cookie: str = "", origin: str | None = None) -> int:
    url = base.replace("http://", "ws://") + path
    headers = {"Cookie": cookie, "Origin": origin or base}
    with pytest.raises(InvalidStatus) as raised:
        async with websockets.connect(url, additional_headers=headers, compression=None):
            pass
    return raised.value.response.status_code


async def turned_away(base: str, path: str, cookie: str = "") -> tuple[int | None, str]:
    """Accepted, then closed at once: the close code and the sentence it carries."""
    url = base.replace("http://", "ws://") + path
    async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": base}) as sock:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(sock.recv(), 5)
    received = closed.value.rcvd
    return (received.code, received.reason) if received else (None, "")


NOT_RECOGNISED = (1008, "This phone is no longer recognised in this exchange (the server may have been reset).")
LINK_GONE = (1008, "This link no longer opens this exchange; ask the facilitator for the new one.")


# -- connecting ------------------------------------------------------------------


def test_every_surface_gets_a_full_render_on_connect(server):
    room, (joined,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    expected = {
        "console": ("room-header", "room-counts", "roster", "room-controls", "join-panel"),
        "scribe": ("room-header", "room-counts"),
        "screen": ("room-header", "room-counts", "join-panel"),
        "phone": ("room-header", "room-counts", "me"),
    }
    absent = {
        "console": ("me",),
        "scribe": ("roster", "join-panel", "me", "room-controls"),
        "screen": ("roster", "me", "room-controls"),
        "phone": ("roster", "join-panel", "room-controls"),
    }

    async def scenario():
        for surface, ids in expected.items():
            if surface == "phone":
                sock = await phone_of(server, code, joined["token"])
            else:
                sock = await staff(server, room, surface)
            message = await first(sock)
            for fragment in ids:
                assert f'id="{fragment}"' in message, (surface, fragment)
            for fragment in absent[surface]:
                assert f'id="{fragment}"' not in message, (surface, fragment)
            assert "Reducing discharge delays" in message
            assert joined_count(1)(message)
            if surface in ("console", "scribe"):
                assert "Ana" in message
            if surface == "phone":
                assert "You are <strong>Ana</strong>" in message
            if surface in ("console", "screen"):
                assert f'<strong class="code">{code}</strong>' in message
            await sock.close()

    asyncio.run(scenario())


def test_reconnecting_phone_sees_what_changed_while_it_was_away(server):
    room, (joined,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        phone = await phone_of(server, code, joined["token"])
        message = await first(phone)
        assert joined_count(1)(message)
        assert "Closed to new participants" not in message
        await phone.close()

        join(server, code, name="Ben", organisation="Northfield")
        command(server, code, room["tokens"]["facilitator"], type="room.lock").raise_for_status()

        again = await phone_of(server, code, joined["token"])
        message = await first(again)
        assert joined_count(2)(message)
        assert "Closed to new participants" in message
        assert "You are <strong>Ana</strong>" in message
        await again.close()

    asyncio.run(scenario())


def test_a_command_resent_with_the_same_id_is_applied_once(server):
    room = create_room(server)

    async def scenario():
        console = await staff(server, room, "console")
        await first(console)
        await console.send({"type": "room.lock", "id": "cmd-lock-1"})
        reply = await console.until(lambda m: 'id="ack"' in m)
        assert 'data-command-id="cmd-lock-1"' in reply
        assert 'id="flash"' not in reply
        await console.close()

        # As a page resends after a reconnect, before it saw the ack.
        again = await staff(server, room, "console")
        assert "Closed to new participants" in await first(again)
        await again.send({"type": "room.lock", "id": "cmd-lock-1"})
        reply = await again.until(lambda m: 'id="ack"' in m)
        assert 'data-command-id="cmd-lock-1"' in reply
        assert "already closed" not in reply
        # A new id is a new command: this one is refused, because the room is locked.
        await again.send({"type": "room.lock", "id": "cmd-lock-2"})
        reply = await again.until(lambda m: 'data-command-id="cmd-lock-2"' in m)
        assert "already closed" in reply
        await again.close()

    asyncio.run(scenario())
    assert [e["type"] for e in events_of(server, room)].count("room.locked") == 1


def test_ack_escapes_and_bounds_the_command_id(server):
    room = create_room(server)

    async def scenario():
        console = await staff(server, room, "console")
        await first(console)
        await console.send({"type": "nope", "id": '"><script>x</script>'})
        reply = await console.until(lambda m: 'id="ack"' in m)
        assert "<script>x" not in reply
        await console.send({"type": "nope", "id": "x" * 65})
        reply = await console.until(lambda m: 'id="ack"' in m and "x" * 65 not in m and m != reply)
        assert 'data-command-id=""' in reply
        await console.close()

    asyncio.run(scenario())


def test_roles_are_checked_over_the_websocket(server):
    room, (joined,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        for sock in (
            await phone_of(server, code, joined["token"]),
            await staff(server, room, "scribe"),
            await staff(server, room, "screen"),
        ):
            await first(sock)
            await sock.send({"type": "room.lock", "id": "try-lock"})
            reply = await sock.until(flash("Only the facilitator can"))
            assert "close the exchange to new participants" in reply
            await sock.send({"type": "link.rotate", "role": "scribe"})
            await sock.until(lambda m: "Only the facilitator can replace a secret link" in m)
            await sock.close()

    asyncio.run(scenario())
    assert state_of(server, room)["locked"] is False
    assert [e["type"] for e in events_of(server, room)] == ["room.created", "participant.joined"]


# -- who may connect ---------------------------------------------------------------


def test_origin_cookie_surface_and_code_are_checked_before_accepting(server):
    room, (joined,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    console_cookie = cookie_for(code, "facilitator", room["tokens"]["facilitator"])
    phone_cookie = cookie_for(code, "participant", joined["token"])
    path = f"/r/{code}/ws?surface="

    async def scenario():
        assert await refused(server, path + "console", console_cookie, origin="http://evil.example") == 403
        assert await refused(server, path + "phone", phone_cookie, origin="http://evil.example") == 403
        assert await refused(server, path + "console", console_cookie, origin="null") == 403
        # Same origin is welcome.
        ok = await open_socket(server, code, "console", console_cookie)
        assert 'id="room-controls"' in await first(ok)
        await ok.close()
        # No cookie, a wrong cookie, the wrong role's cookie: said, with a policy close the page
        # does not retry (a refused handshake would reach it as 1006, which it retries for ever).
        assert await turned_away(server, path + "console") == LINK_GONE
        assert await turned_away(server, path + "console", cookie_for(code, "facilitator", "forged")) == LINK_GONE
        assert await turned_away(server, path + "phone", cookie_for(code, "participant", "forged")) == NOT_RECOGNISED
        scribe_cookie = cookie_for(code, "scribe", room["tokens"]["scribe"])
        assert await turned_away(server, path + "console", scribe_cookie) == LINK_GONE
        assert await turned_away(server, path + "console", phone_cookie) == LINK_GONE
        assert await turned_away(server, path + "phone", console_cookie) == NOT_RECOGNISED
        # A participant token of another room.
        other = create_room(server)
        stranger = join(server, other["code"])
        stranger_cookie = cookie_for(code, "participant", stranger["token"])
        assert await turned_away(server, path + "phone", stranger_cookie) == NOT_RECOGNISED
        # Unknown surface or malformed code: refused before accepting; an unknown room is said.
        assert await refused(server, path + "admin", console_cookie) == 403
        assert await refused(server, "/r/bad/ws?surface=console", console_cookie) == 403
        assert await turned_away(server, "/r/ABCDEF/ws?surface=console", cookie_for("ABCDEF", "facilitator", "x")) == (
            1008,
            "There is no exchange with this code.",
        )

    asyncio.run(scenario())


# -- bad input stays with its sender -------------------------------------------------


@pytest.mark.parametrize(
    "payload, said",
    [
        ('{"type": "room.lock", "pad": "' + "x" * (16 * 1024 + 1) + '"}', "too large"),
        ("{not json", "not valid JSON"),
        (b"\xff\xfe not utf-8", "not valid JSON"),
        ('["room.lock"]', "must be a JSON object"),
        ('"room.lock"', "must be a JSON object"),
        ("null", "must be a JSON object"),
        ('{"type": "room.explode"}', "Unknown command type"),
        ('{"type": 7}', "Unknown command type"),
        ('{"type": "room.lock", "extra": 1}', "Unexpected field"),
        ('{"type": "participant.remove", "participant_id": ""}', "Please give the participant id."),
        ('{"type": "room.lock", "id": "not an id!"}', "id"),
        ("[" * 5000 + "]" * 5000, "not valid JSON"),
    ],
)
def test_bad_input_is_answered_to_its_sender_alone(server, payload, said):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        other = await staff(server, room, "console")
        await first(phone)
        await first(other)

        await phone.send(payload) if not isinstance(payload, bytes) else await phone.connection.send(payload)
        reply = await phone.until(flash(said))
        assert 'class="flash error"' in reply

        # The socket still works, and so does the room.
        await phone.send({"type": "room.lock", "id": "after-bad"})
        await phone.until(lambda m: 'data-command-id="after-bad"' in m and "Only the facilitator" in m)
        join(server, code, name="Ben")
        await other.until(joined_count(2))
        await other.send({"type": "room.lock", "id": "console-lock"})
        await other.until(lambda m: 'data-command-id="console-lock"' in m)
        await phone.until(lambda m: "Closed to new participants" in m)
        await drain(other, 0.2)
        assert not any('id="flash"' in m for m in other.received)
        await phone.close()
        await other.close()

    asyncio.run(scenario())


def test_a_flood_is_refused_once_and_the_socket_recovers(server, clock):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        other = await phone_of(server, code, join(server, code, name="Ben")["token"])
        await first(phone)
        await first(other)

        for n in range(200):
            await phone.send({"type": "nothing.here", "id": f"flood-{n}"})
        await phone.until(flash("Too many messages"))
        await drain(phone, 0.5)
        floods = [m for m in phone.received if "Too many messages" in m]
        assert len(floods) == 1, len(floods)
        handled = sum("Unknown command type" in m for m in phone.received)
        assert 1 <= handled < 200

        clock.advance(1.0)  # the bucket refills
        await phone.send({"type": "room.lock", "id": "after-flood"})
        reply = await phone.until(lambda m: 'data-command-id="after-flood"' in m)
        assert "Too many messages" not in reply

        join(server, code, name="Cy")
        await other.until(joined_count(3))
        await drain(other, 0.2)
        assert not any('id="flash"' in m for m in other.received)
        await phone.close()
        await other.close()

    asyncio.run(scenario())


# -- removal, ending, links ------------------------------------------------------------


def test_removed_participant_is_told_and_disconnected_and_locked_out(server):
    room, (ana, ben) = room_with(server, people=[("Ana", "St Mary's"), ("Ben", "St Mary's")])
    code = room["code"]

    async def scenario():
        console = await staff(server, room, "console")
        phone = await phone_of(server, code, ana["token"])
        bystander = await phone_of(server, code, ben["token"])
        for sock in (console, phone, bystander):
            await first(sock)
        await console.until(lambda m: 'data-count="online">2<' in m)

        await console.send({"type": "participant.remove", "participant_id": ana["participant_id"], "id": "rm-1"})
        await console.until(lambda m: 'data-command-id="rm-1"' in m)
        await phone.until(lambda m: "You were removed" in m)
        assert await closed_code(phone) == 1008
        roster = await console.until(joined_count(1))
        await bystander.until(joined_count(1))
        assert 'id="roster"' in roster and ana["participant_id"] not in roster
        await console.close()
        await bystander.close()

        # The token and the cookie are dead, for the API, the page and the socket.
        dead = cookie_for(code, "participant", ana["token"])
        assert await turned_away(server, f"/r/{code}/ws?surface=phone", dead) == (
            1008,
            "You were removed from this exchange.",
        )

    asyncio.run(scenario())
    api = httpx.get(f"{server}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {ana['token']}"})
    assert api.status_code == 401
    page = httpx.get(
        f"{server}/r/{code}", headers={"Cookie": cookie_for(code, "participant", ana["token"])}, follow_redirects=False
    )
    assert page.status_code == 303
    assert page.headers["location"] == f"/join?code={code}"
    assert (
        httpx.get(f"{server}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {ben['token']}"}).status_code
        == 200
    )


def test_an_ended_exchange_is_read_only_but_still_readable(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        console = await staff(server, room, "console")
        phone = await phone_of(server, code, ana["token"])
        await first(console)
        await first(phone)
        await console.send({"type": "room.end", "id": "end-1"})
        await console.until(lambda m: 'data-command-id="end-1"' in m)
        await console.until(lambda m: "This exchange has ended" in m)
        await phone.until(lambda m: "Ended" in m)

        await console.send({"type": "room.lock", "id": "late"})
        reply = await console.until(lambda m: 'data-command-id="late"' in m)
        assert "read-only" in reply
        await phone.send({"type": "room.lock"})
        await phone.until(flash("Only the facilitator"))
        await console.close()
        await phone.close()

        # Surfaces still open and render.
        again = await staff(server, room, "console")
        assert "Ended" in await first(again)
        await again.close()

    asyncio.run(scenario())
    cookie = {"Cookie": cookie_for(code, "facilitator", room["tokens"]["facilitator"])}
    console_page = httpx.get(f"{server}/r/{code}/console", headers=cookie)
    assert console_page.status_code == 200
    assert "This exchange has ended" in console_page.text
    assert (
        httpx.get(f"{server}/r/{code}", headers={"Cookie": cookie_for(code, "participant", ana["token"])}).status_code
        == 200
    )

    refused_join = httpx.post(
        f"{server}/api/rooms/{code}/join", json={"name": "Late", "organisation": "X", "accept_confidentiality": True}
    )
    assert refused_join.status_code in (403, 409)
    assert "ended" in refused_join.json()["error"]
    assert "This exchange has ended" in httpx.get(f"{server}/join", params={"code": code}).text
    late = command(server, code, room["tokens"]["facilitator"], type="room.unlock")
    assert late.status_code == 409
    assert "read-only" in late.json()["error"]
    assert [e["type"] for e in events_of(server, room)][-1] == "room.ended"


def test_rotating_the_screen_link_over_the_websocket(server):
    room = create_room(server)
    code = room["code"]
    old_cookie = cookie_for(code, "screen", room["tokens"]["screen"])

    async def scenario():
        console = await staff(server, room, "console")
        scribe = await staff(server, room, "scribe")
        await first(console)
        await first(scribe)
        await console.send({"type": "link.rotate", "role": "screen", "id": "rot-1"})
        notice = await console.until(lambda m: 'data-command-id="rot-1"' in m)
        assert 'class="flash notice"' in notice
        found = re.search(r"(http://[^\s<;]+/r/" + code + r"/screen\?key=([A-Za-z0-9_-]+))", notice)
        assert found, notice
        await drain(scribe, 0.3)
        assert not any("key=" in m for m in scribe.received)
        await console.close()
        await scribe.close()
        return found.group(1), found.group(2)

    url, key = asyncio.run(scenario())
    assert url.startswith(server)
    assert key != room["tokens"]["screen"]

    async def after():
        assert await turned_away(server, f"/r/{code}/ws?surface=screen", old_cookie) == LINK_GONE
        fresh = await open_socket(server, code, "screen", cookie_for(code, "screen", key))
        assert 'id="join-panel"' in await first(fresh)
        await fresh.close()

    asyncio.run(after())
    opened = httpx.get(url, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/r/{code}/screen"
    assert opened.cookies.get(f"fac_{code}_screen") == key
    assert (
        httpx.get(
            f"{server}/r/{code}/screen", params={"key": room["tokens"]["screen"]}, follow_redirects=False
        ).status_code
        == 403
    )
    assert httpx.get(f"{server}/r/{code}/screen", headers={"Cookie": old_cookie}).status_code == 403


# -- escaping ------------------------------------------------------------------------


def test_user_text_is_escaped_on_every_surface(server):
    room = create_room(server, title=f"Title {SCRIPT}", charter={"focus": f"Focus {IMG}", "outcome": SCRIPT})
    code = room["code"]
    ana = join(server, code, name=SCRIPT, organisation=IMG, job_title=IMG)
    raw = (SCRIPT, IMG, "<script>alert", "<img src=x")
    escaped_name = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_org = "&lt;img src=x onerror=alert(1)&gt;"

    def clean(html: str, shows_people: bool, full: bool = True) -> None:
        for text in raw:
            assert text not in html
        if full:  # a later render carries only what changed, not the header
            assert "Title " + escaped_name in html
        if shows_people:
            assert escaped_name in html and escaped_org in html

    async def scenario():
        socks = {surface: await staff(server, room, surface) for surface in ("console", "scribe", "screen")}
        socks["phone"] = await phone_of(server, code, ana["token"])
        for surface, sock in socks.items():
            clean(await first(sock), surface != "screen")
        # A later render (a second join) and a flash that repeats user input.
        join(server, code, name=f"{SCRIPT}2", organisation=IMG)
        for surface, sock in socks.items():
            clean(await sock.until(joined_count(2)), surface in ("console", "scribe"), full=False)
        await socks["phone"].send({"type": SCRIPT})
        reply = await socks["phone"].until(flash("Unknown command type"))
        assert "<script>" not in reply and "&lt;script&gt;" in reply
        for sock in socks.values():
            await drain(sock, 0.2)
            for message in sock.received:
                for text in raw:
                    assert text not in message
            await sock.close()

    asyncio.run(scenario())
    pages = {
        "console": cookie_for(code, "facilitator", room["tokens"]["facilitator"]),
        "scribe": cookie_for(code, "scribe", room["tokens"]["scribe"]),
        "screen": cookie_for(code, "screen", room["tokens"]["screen"]),
    }
    for surface, cookie in pages.items():
        response = httpx.get(f"{server}/r/{code}/{surface}", headers={"Cookie": cookie})
        assert response.status_code == 200
        clean(response.text, surface != "screen")
    phone_page = httpx.get(f"{server}/r/{code}", headers={"Cookie": cookie_for(code, "participant", ana["token"])})
    assert phone_page.status_code == 200
    clean(phone_page.text, True)
    join_page = httpx.get(f"{server}/join", params={"code": code})
    for text in raw:
        assert text not in join_page.text
    refused_form = httpx.post(f"{server}/join", data={"code": code, "name": SCRIPT, "organisation": IMG})
    assert refused_form.status_code == 400
    for text in raw:
        assert text not in refused_form.text
    assert escaped_name in refused_form.text
    home = httpx.get(f"{server}/", headers={"Cookie": pages["console"]})
    assert "Title " + escaped_name in home.text
    assert SCRIPT not in home.text


# -- slow clients ------------------------------------------------------------------


async def stalled_socket(base: str, code: str, surface: str, cookie: str):
    """A client that reads its first render, then stops reading, with tiny receive buffers."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    host, port = base.removeprefix("http://").split(":")
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    url = base.replace("http://", "ws://") + f"/r/{code}/ws?surface={surface}"
    connection = await websockets.connect(
        url,
        sock=sock,
        additional_headers={"Cookie": cookie, "Origin": base},
        compression=None,
        max_queue=1,
        ping_interval=None,
    )
    await connection.recv()
    return connection


async def join_many(base: str, code: str, count: int) -> None:
    limits = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=base) as client:

        async def one(n: int) -> None:
            async with limits:
                response = await client.post(
                    f"/api/rooms/{code}/join",
                    json={
                        "name": f"Person {n} " + "x" * 40,
                        "organisation": f"Org {n % 6}",
                        "job_title": "y" * 60,
                        "accept_confidentiality": True,
                    },
                )
                response.raise_for_status()

        await asyncio.gather(*(one(n) for n in range(count)))


def test_a_phone_that_stops_reading_does_not_hold_the_room_back(server):
    room, (sleepy,) = room_with(server, people=[("Sleepy", "St Mary's")])
    code, slow_token = room["code"], sleepy["token"]

    async def scenario():
        started = time.monotonic()
        slow = await stalled_socket(server, code, "phone", cookie_for(code, "participant", slow_token))
        reader = await phone_of(server, code, join(server, code, name="Awake")["token"])
        screen = await staff(server, room, "screen")
        await first(reader)
        await first(screen)

        # The readers keep reading while the joins pour in.
        watching = [asyncio.create_task(sock.until(joined_count(302), timeout=18)) for sock in (reader, screen)]
        await join_many(server, code, 300)
        joined_at = time.monotonic()
        await asyncio.gather(*watching)
        assert time.monotonic() - joined_at < 2.0
        # The room still answers its other clients at once.
        await reader.send({"type": "room.lock", "id": "after-slow"})
        await reader.until(lambda m: 'data-command-id="after-slow"' in m, timeout=2)
        assert time.monotonic() - started < 20

        # When it wakes it gets either the backlog or a close asking it to come back.
        try:
            async with asyncio.timeout(5):
                while True:
                    await slow.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1013
        except TimeoutError:
            pass
        await slow.close()
        await reader.close()
        await screen.close()

    asyncio.run(scenario())


@pytest.fixture
def small_outbox_server(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/slow.db",
        secret_key="test-secret",
        redis_url=None,
        render_interval_seconds=0.02,
        outbox_limit=8,
    )
    with running_server(settings) as base:
        yield base


def test_a_client_too_far_behind_is_closed_with_1013(small_outbox_server):
    base = small_outbox_server
    room = create_room(base)
    code = room["code"]

    async def scenario():
        started = time.monotonic()
        # The console gets the whole roster with every render: it falls behind fast.
        slow = await stalled_socket(
            base, code, "console", cookie_for(code, "facilitator", room["tokens"]["facilitator"])
        )
        reader = await staff(base, room, "screen")
        await first(reader)
        watching = asyncio.create_task(reader.until(joined_count(300), timeout=18))
        await join_many(base, code, 300)
        await watching

        code_seen = None
        try:
            async with asyncio.timeout(10):
                while True:
                    await slow.recv()
        except ConnectionClosed as closed:
            code_seen = closed.rcvd.code if closed.rcvd else None
        assert code_seen == 1013
        assert time.monotonic() - started < 20

        # It comes back and is whole again.
        again = await staff(base, room, "console")
        assert joined_count(300)(await first(again))
        await again.close()
        await reader.close()

    asyncio.run(scenario())
    # The operator sees it in the metrics.
    eventually(lambda: "facilitator_slow_clients_dropped_total 1.0" in httpx.get(f"{base}/metrics").text)


def test_a_fault_while_handling_a_command_is_told_to_its_sender_and_the_socket_carries_on(server, monkeypatch):
    from facilitator.features import RULES
    from facilitator.rooms.commands import LockRoom

    def broken(*_args):
        raise RuntimeError("a fault the rules did not foresee")

    room = create_room(server)

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        await drain(console)
        await drain(screen)
        monkeypatch.setitem(RULES.deciders, LockRoom, broken)
        await console.send({"type": "room.lock", "id": "during-fault"})
        said = await console.until(lambda m: 'data-command-id="during-fault"' in m)
        assert "Something went wrong with that; please try again." in said and 'data-accepted="false"' in said
        monkeypatch.undo()
        await console.send({"type": "room.lock", "id": "after-fault"})
        said = await console.until(lambda m: 'data-command-id="after-fault"' in m)
        assert 'data-accepted="true"' in said
        await screen.until(lambda m: "Closed to new participants" in m)
        assert not any('id="flash"' in m for m in screen.received)
        await console.close()
        await screen.close()

    asyncio.run(scenario())


def test_a_validator_fault_while_reading_a_command_is_told_as_a_sentence_naming_the_field(server, monkeypatch):
    from typing import Annotated

    from pydantic import BeforeValidator, Field

    from facilitator.features import RULES
    from facilitator.scribe.commands import PostNote, Tags

    def buggy(value):
        return value + ["x"]  # a TypeError for text: pydantic does not make it a ValidationError

    class BuggyNote(PostNote):
        tags: Annotated[Tags, BeforeValidator(buggy)] = Field(default_factory=list)

    room = create_room(server)

    async def scenario():
        scribe = await staff(server, room, "scribe")
        screen = await staff(server, room, "screen")
        await drain(scribe)
        await drain(screen)
        monkeypatch.setitem(RULES.commands, "note.post", BuggyNote)
        await scribe.send({"type": "note.post", "text": "Lounge", "tags": "lean", "id": "buggy-tags"})
        said = await scribe.until(lambda m: 'data-command-id="buggy-tags"' in m)
        assert "tags: this value could not be read; please check it." in said and 'data-accepted="false"' in said
        assert "Something went wrong" not in said
        monkeypatch.undo()
        await scribe.send({"type": "note.post", "text": "Lounge", "tags": "lean", "id": "good-tags"})
        said = await scribe.until(lambda m: 'data-command-id="good-tags"' in m)
        assert 'data-accepted="true"' in said
        await drain(screen)
        assert not any('id="flash"' in m for m in screen.received)
        await scribe.close()
        await screen.close()

    asyncio.run(scenario())
