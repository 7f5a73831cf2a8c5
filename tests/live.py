"""A real server on 127.0.0.1 for tests, and small clients that talk to it."""

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
import websockets

from facilitator.app import create_app
from facilitator.config import Settings
from facilitator.rooms.clock import SYSTEM_CLOCK, Clock


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(settings: Settings, clock: Clock = SYSTEM_CLOCK, port: int | None = None, app: Any = None):
    """Serve the app (`app`, or one made from `settings`) in a thread, as uvicorn would in
    production, on `clock` (and `port`, to start again where the last one stopped); yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        app or create_app(settings, clock),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_per_message_deflate=False,
        ws_max_size=1024 * 1024,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def create_room(base: str, **fields) -> dict:
    body = {
        "title": "Reducing discharge delays",
        "confidentiality": "What is said here stays here.",
        "charter": {"focus": "Discharge delays", "outcome": "15 % shorter stays", "beneficiaries": "Nurses"},
        **fields,
    }
    response = httpx.post(f"{base}/api/rooms", json=body)
    response.raise_for_status()
    return response.json()


def join(base: str, code: str, name: str = "Ana", organisation: str = "St Mary's", **fields) -> dict:
    response = httpx.post(
        f"{base}/api/rooms/{code}/join",
        json={"name": name, "organisation": organisation, "accept_confidentiality": True, **fields},
    )
    response.raise_for_status()
    return response.json()


def room_with(base: str, people: Iterable[tuple[str, str]] = (), **room) -> tuple[dict, list[dict]]:
    """A room created with `room`'s fields, then `people` — (name, organisation) pairs — joined: what
    creating it replied (code, tokens, links) and each person's join reply, in joining order."""
    created = create_room(base, **room)
    return created, [join(base, created["code"], name, organisation) for name, organisation in people]


def ended_with_plans(
    base: str, people: Iterable[tuple[str, str]], plan: dict | None = None, **room
) -> tuple[dict, list[dict], dict[str, str]]:
    """A room as `room_with` makes it, where each person saves their organisation's action plan
    (a discharge lounge piloted on ward 4 within 30 days, with `plan`'s fields), then ended:
    (room, people, participant id -> plan id)."""
    created, joined = room_with(base, people, **room)
    plans = {}
    for person in joined:
        reply = command(
            base,
            created["code"],
            person["token"],
            type="plan.save",
            change=f"Lounge {person['participant_id']}",
            milestone_30="Pilot on ward 4",
            **(plan or {}),
        )
        plans[person["participant_id"]] = reply.json()["reply"]["plan_id"]
    ok(base, created, type="room.end")
    return created, joined, plans


def command(base: str, code: str, token: str, **body) -> httpx.Response:
    return httpx.post(f"{base}/api/rooms/{code}/commands", json=body, headers={"Authorization": f"Bearer {token}"})


def cookie_for(code: str, role: str, token: str) -> str:
    return f"fac_{code}_{role}={token}"


class Socket:
    """A WebSocket client that keeps every message it receives, for assertions."""

    def __init__(self, connection):
        self.connection = connection
        self.received: list[str] = []

    async def send(self, payload: dict | str) -> None:
        await self.connection.send(payload if isinstance(payload, str) else json.dumps(payload))

    async def until(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """Wait for a message satisfying the predicate; fail the test after `timeout` seconds."""
        for message in self.received:
            if predicate(message):
                return message
        async with asyncio.timeout(timeout):
            while True:
                message = await self.connection.recv()
                self.received.append(message)
                if predicate(message):
                    return message

    async def close(self) -> None:
        await self.connection.close()


async def open_socket(base: str, code: str, surface: str, cookie: str, origin: str | None = None) -> Socket:
    url = base.replace("http://", "ws://") + f"/r/{code}/ws?surface={surface}"
    headers = {"Cookie": cookie, "Origin": origin or base}
    return Socket(await websockets.connect(url, additional_headers=headers, compression=None))


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def ok(base: str, room: dict, **body) -> dict:
    """Run a facilitator command that must succeed; its result."""
    response = command(base, room["code"], room["tokens"]["facilitator"], **body)
    assert response.status_code == 200, response.text
    return response.json()


def events_of(base: str, room: dict) -> list[dict]:
    response = httpx.get(
        f"{base}/api/rooms/{room['code']}/events", headers=auth(room["tokens"]["facilitator"]), timeout=5
    )
    response.raise_for_status()
    return response.json()["events"]


def state_of(base: str, room: dict) -> dict:
    response = httpx.get(
        f"{base}/api/rooms/{room['code']}/state", headers=auth(room["tokens"]["facilitator"]), timeout=5
    )
    response.raise_for_status()
    return response.json()


def add_item(base: str, room: dict, **spec) -> str:
    """Add an agenda item; its id, read from the log."""
    seq = ok(base, room, type="agenda.add", **spec)["seq"]
    return next(e for e in events_of(base, room) if e["seq"] == seq)["data"]["item"]["id"]


async def staff(base: str, room: dict, surface: str) -> Socket:
    """A socket on the console, scribe panel or screen, with that surface's own link."""
    role = {"console": "facilitator", "scribe": "scribe", "screen": "screen"}[surface]
    return await open_socket(base, room["code"], surface, cookie_for(room["code"], role, room["tokens"][role]))


async def phone_of(base: str, code: str, token: str) -> Socket:
    return await open_socket(base, code, "phone", cookie_for(code, "participant", token))


async def drain(sock: Socket, quiet: float = 0.3) -> None:
    """Receive until nothing arrives for `quiet` seconds."""
    while True:
        try:
            async with asyncio.timeout(quiet):
                sock.received.append(await sock.connection.recv())
        except TimeoutError:
            return


def flash(text: str) -> Callable[[str], bool]:
    """Matches a message carrying an error or notice with this text."""
    return lambda m: 'id="flash"' in m and text in m


def fragment(message: str, element_id: str) -> str | None:
    """The element with this id in a message, up to its closing tag (none of ours nest their own tag)."""
    match = re.search(rf'<(\w+) id="{element_id}".*?</\1>', message, re.DOTALL)
    return match.group(0) if match else None


def has(element_id: str, *parts: str, without: tuple[str, ...] = ()) -> Callable[[str], bool]:
    """Matches a message whose fragment `element_id` holds every one of `parts` and none of `without`."""
    return lambda m: (
        (f := fragment(m, element_id)) is not None and all(p in f for p in parts) and not any(p in f for p in without)
    )


def latest(sock: Socket, element_id: str) -> str | None:
    """The last copy of this fragment the socket received."""
    for message in reversed(sock.received):
        if (found := fragment(message, element_id)) is not None:
            return found
    return None


async def settle(*socks: Socket) -> None:
    """Read what is in flight (on every socket at once), then forget it, so `until` sees only
    what comes next."""
    await asyncio.gather(*(drain(sock, 0.25) for sock in socks))
    for sock in socks:
        sock.received.clear()


async def nothing_more(*socks: Socket) -> None:
    """These sockets received nothing since they were last settled."""
    await asyncio.gather(*(drain(sock, 0.3) for sock in socks))
    for sock in socks:
        assert sock.received == [], sock.received


async def close_all(*socks: Socket) -> None:
    for sock in socks:
        await sock.close()


def run(scenario, limit: float = 60):
    """Run a socket scenario, failing it after `limit` seconds at most; its result."""

    async def bounded():
        async with asyncio.timeout(limit):
            return await scenario()

    return asyncio.run(bounded())
