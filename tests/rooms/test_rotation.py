"""A replaced link stops working at once: for new requests, and for the sockets it already opened,
on every node serving the room."""

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from facilitator.config import Settings
from facilitator.features import RULES
from facilitator.rooms.auth import Credential, Identity
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.secrets import hash_secret
from tests import pure
from tests.live import (
    Socket,
    command,
    cookie_for,
    create_room,
    drain,
    events_of,
    join,
    ok,
    open_socket,
    phone_of,
    room_with,
    running_server,
    staff,
)
from tests.processes import database_for, serving
from tests.pure import FACILITATOR, T0, run
from tests.services import redis_or_missing

REPLACED = "This link was replaced; ask the facilitator for the new one."


async def told_and_closed(sock: Socket, timeout: float = 5.0) -> int | None:
    """Read until the server closes the socket; its close code, once the socket was told why."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                sock.received.append(await sock.connection.recv())
    except ConnectionClosed as closed:
        assert any(REPLACED in message for message in sock.received), sock.received[-3:]
        return closed.rcvd.code if closed.rcvd else None


def rotate(base: str, room: dict, role: str) -> str:
    """Replace a link over the API; the new secret."""
    return ok(base, room, type="link.rotate", role=role)["reply"]["links"][role]


# -- the rule, pure ---------------------------------------------------------------


def replace_link(state: RoomState, role: str) -> None:
    """As every node does on `link.rotated` (the facilitator's own, too, should rotation ever offer it)."""
    RULES.apply(
        state,
        Event(state.code, state.seq + 1, "link.rotated", {"role": role, "hash": hash_secret(f"new {role} secret")}, T0),
    )


@pytest.mark.parametrize("role", ["facilitator", "scribe", "screen"])
def test_a_link_credential_stops_holding_once_its_link_is_replaced_and_only_that_one(role):
    room = pure.room_with()
    state, secrets = room.state, room.links
    identity = Identity("key")
    held = {name: identity.credential_for(state, secret) for name, secret in secrets.items()}
    assert all(credential.holds(state) for credential in held.values())

    replace_link(state, role)
    assert not held[role].holds(state)
    assert held[role].revoked == REPLACED
    assert all(credential.holds(state) for name, credential in held.items() if name != role)
    assert identity.credential_for(state, secrets[role]) is None
    assert identity.credential_for(state, f"new {role} secret").holds(state)


def test_a_participant_credential_stops_holding_once_they_are_removed():
    state, (ana,) = pure.room_with(people=[("Ana", "Org")])
    identity = Identity("key")
    credential = identity.credential_for(state, identity.participant_token(state.code, ana))
    assert credential.holds(state)
    replace_link(state, "scribe")
    assert credential.holds(state)

    run(state, FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0)
    assert not credential.holds(state)
    assert credential.revoked == "You were removed from this exchange."


def test_a_credential_without_a_link_or_a_participant_never_holds():
    state = pure.room_with().state
    assert not Credential(Actor(Role.SCRIBE)).holds(state)
    assert not Credential(Actor(Role.VISITOR)).holds(state)
    assert not Credential(Actor(Role.PARTICIPANT, "nobody")).holds(state)


# -- one node ---------------------------------------------------------------------


def test_replacing_the_scribe_link_closes_the_old_scribe_socket_and_only_it(server):
    room = create_room(server)
    code = room["code"]

    async def scenario():
        console = await staff(server, room, "console")
        scribe = await staff(server, room, "scribe")
        facilitator_scribing = await open_socket(
            server, code, "scribe", cookie_for(code, "facilitator", room["tokens"]["facilitator"])
        )
        screen = await staff(server, room, "screen")
        for sock in (console, scribe, facilitator_scribing, screen):
            await sock.until(lambda m: True)

        await console.send({"type": "link.rotate", "role": "scribe", "id": "rot-scribe"})
        await console.until(lambda m: 'data-command-id="rot-scribe"' in m)
        assert await told_and_closed(scribe) == 1008

        # Everyone else carries on: the next change reaches them.
        await console.send({"type": "room.lock", "id": "lock"})
        for sock in (console, facilitator_scribing, screen):
            await sock.until(lambda m: "Closed to new participants" in m)
        assert not any(REPLACED in m for sock in (console, facilitator_scribing, screen) for m in sock.received)
        for sock in (console, facilitator_scribing, screen):
            await sock.close()

    asyncio.run(scenario())


def test_replacing_the_screen_link_closes_the_old_screen_which_sees_nothing_more(server):
    room = create_room(server)
    code = room["code"]

    async def scenario():
        screen = await staff(server, room, "screen")
        await screen.until(lambda m: 'id="join-panel"' in m)
        new_key = await asyncio.to_thread(rotate, server, room, "screen")
        assert await told_and_closed(screen) == 1008

        fresh = await open_socket(server, code, "screen", cookie_for(code, "screen", new_key))
        await fresh.until(lambda m: 'id="join-panel"' in m)
        await asyncio.to_thread(join, server, code, "Ben")
        await fresh.until(lambda m: 'data-count="joined">1<' in m)
        assert not any("Ben" in m or 'data-count="joined">1<' in m for m in screen.received)
        await fresh.close()

    asyncio.run(scenario())


@pytest.fixture
def slow_render_server(tmp_path):
    """A server whose next render, once one ran, is half a minute away: a command from a socket
    whose link was replaced arrives before the render that would close it."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/facilitator.db",
        secret_key="test-secret",
        redis_url=None,
        render_interval_seconds=30,
    )
    with running_server(settings) as base:
        yield base


def test_a_command_from_the_old_scribe_link_is_refused_even_before_its_socket_is_closed(slow_render_server):
    base = slow_render_server
    room = create_room(base)
    code = room["code"]

    async def scenario():
        scribe = await staff(base, room, "scribe")
        await scribe.until(lambda m: 'id="notes-scribe"' in m)
        await asyncio.to_thread(join, base, code, "Ana")  # a render now, so the next one waits
        await asyncio.to_thread(rotate, base, room, "scribe")

        await scribe.send({"type": "note.post", "kind": "insight", "text": "Written with the old link", "id": "n-1"})
        assert await told_and_closed(scribe) == 1008
        assert not any('data-command-id="n-1"' in m and 'data-accepted="true"' in m for m in scribe.received)

    asyncio.run(scenario())
    assert [e["type"] for e in events_of(base, room)] == ["room.created", "participant.joined", "link.rotated"]


def test_a_replaced_link_is_refused_as_a_bearer_token_and_as_a_cookie(server):
    room = create_room(server)
    code, old = room["code"], room["tokens"]
    new_scribe, new_screen = rotate(server, room, "scribe"), rotate(server, room, "screen")

    for token in (old["scribe"], old["screen"]):
        assert (
            httpx.get(f"{server}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )
    refused = command(server, code, old["scribe"], type="note.post", kind="insight", text="Old link")
    assert refused.status_code == 401
    assert command(server, code, new_scribe, type="note.post", kind="insight", text="New link").status_code == 200
    assert (
        httpx.get(f"{server}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {new_screen}"}).status_code
        == 200
    )
    assert [e["data"].get("text") for e in events_of(server, room) if e["type"] == "note.posted"] == ["New link"]

    for surface in ("scribe", "screen"):
        page = httpx.get(f"{server}/r/{code}/{surface}", headers={"Cookie": cookie_for(code, surface, old[surface])})
        assert page.status_code == 403
        stale_link = httpx.get(f"{server}/r/{code}/{surface}", params={"key": old[surface]}, follow_redirects=False)
        assert stale_link.status_code == 403


def test_a_participant_socket_is_unaffected_by_a_replaced_link(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        await phone.until(lambda m: 'id="me"' in m)
        await asyncio.to_thread(rotate, server, room, "screen")
        await drain(phone)  # the rotation's render has come and gone
        await phone.send({"type": "clock.sync", "sent": 1})
        await phone.until(lambda m: 'id="server-clock"' in m)
        assert not any(REPLACED in m for m in phone.received)
        await phone.close()

    asyncio.run(scenario())


# -- several nodes ---------------------------------------------------------------


@pytest.mark.redis
def test_a_link_replaced_on_one_node_closes_its_sockets_on_the_other(tmp_path):
    redis_or_missing()
    with serving(tmp_path, database_for("sqlite", tmp_path)) as (a, b):
        room = create_room(a.base)
        code, tokens = room["code"], room["tokens"]

        async def scenario():
            scribe = await open_socket(b.base, code, "scribe", cookie_for(code, "scribe", tokens["scribe"]))
            screen = await open_socket(b.base, code, "screen", cookie_for(code, "screen", tokens["screen"]))
            console = await open_socket(b.base, code, "console", cookie_for(code, "facilitator", tokens["facilitator"]))
            for sock in (scribe, screen, console):
                await sock.until(lambda m: True)

            await asyncio.to_thread(rotate, a.base, room, "scribe")
            assert await told_and_closed(scribe) == 1008
            await asyncio.to_thread(rotate, a.base, room, "screen")
            assert await told_and_closed(screen) == 1008

            await asyncio.to_thread(ok, a.base, room, type="room.lock")
            await console.until(lambda m: "Closed to new participants" in m)
            assert not any(REPLACED in m for m in console.received)
            await console.close()

        asyncio.run(scenario())
        assert [e["type"] for e in events_of(b.base, room)] == [
            "room.created",
            "link.rotated",
            "link.rotated",
            "room.locked",
        ]
