"""Cross-site request forgery: a page of another origin cannot change anything with a visitor's
cookies, whichever route it posts to; the pages of the exchange itself still can."""

import asyncio
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from fastapi.routing import APIRoute
from websockets.exceptions import InvalidStatus

from facilitator.app import create_app
from facilitator.rooms.origin import REFUSAL, SAFE_METHODS
from tests.live import add_item, auth, command, cookie_for, create_room, events_of, free_port, join, ok, open_socket
from tests.review.test_wiring import plan_next

AGENDA = "items:\n  - kind: break\n    title: Coffee\n    minutes: 10\n"
CASE = {
    "kind": "case",
    "title": "Criteria-led discharge",
    "organisation": "St Mary's",
    "presenter": "Ana",
    "presentation_minutes": 15,
    "qa_minutes": 5,
}


ROUTES = [
    "/rooms",
    "/join",
    "/r/{code}/agenda",
    "/r/{code}/plan",
    "/r/{code}/summary/{item_id}",
    "/r/{code}/follow-up",
    "/r/{code}/follow-up/dashboard",
    "/r/{code}/next",
    "/r/{code}/review",
    "/r/{code}/delete",
    "/api/rooms",
    "/api/rooms/{code}/join",
]


def foreign_origins(base: str) -> list[str]:
    """Pages that are not the exchange's own, the same-site ones SameSite=Lax lets through included."""
    port = urlsplit(base).port
    return [
        "http://evil.example",
        f"http://127.0.0.1:{free_port()}",  # another port of the same host
        f"http://localhost:{port}",  # the same server under another name is another origin
        "null",
    ]  # a sandboxed frame or a data: page


@dataclass
class Form:
    """One state-changing request as the page that sends it would, minus its origin."""

    path: str
    cookie: str = ""
    data: dict = field(default_factory=dict)
    json: dict | None = None
    files: dict | None = None
    # The room whose log the accepted form changes, when it is not the test's room.
    watch: dict | None = None

    def send(self, base: str, **headers: str) -> httpx.Response:
        if self.cookie:
            headers["Cookie"] = self.cookie
        return httpx.post(
            base + self.path,
            data=self.data or None,
            json=self.json,
            files=self.files,
            headers=headers,
            follow_redirects=False,
            timeout=10,
        )


def forms(base: str, room: dict) -> dict[str, Form]:
    """Every POST route of the app, each with the credentials its page holds."""
    code = room["code"]
    tokens = room["tokens"]
    ana = join(base, code, name="Ana", organisation="St Mary's")
    case = add_item(base, room, **CASE)
    creation = {"title": "Falls prevention", "confidentiality": "Stays here."}
    # An ended exchange with a plan, and the next one, its review running with St Mary's presenting.
    earlier = create_room(base)
    bea = join(base, earlier["code"], name="Bea", organisation="St Mary's")
    plan_id = command(base, earlier["code"], bea["token"], type="plan.save", change="Lounge").json()["reply"]["plan_id"]
    ok(base, earlier, type="room.end")
    _, later = plan_next(base, earlier)
    cleo = join(base, later["code"], name="Cleo", organisation="St Mary's")
    ok(base, later, type="timer.start")
    ok(base, later, type="review.present", organisation="St Mary's")
    facilitator = cookie_for(code, "facilitator", tokens["facilitator"])
    spare = create_room(base)
    ok(base, spare, type="room.end")
    return {
        "/rooms": Form("/rooms", data=creation),
        "/join": Form("/join", data={"code": code, "name": "Ben", "organisation": "Northfield", "accept": "yes"}),
        "/r/{code}/agenda": Form(
            f"/r/{code}/agenda",
            cookie_for(code, "facilitator", tokens["facilitator"]),
            files={"file": ("agenda.yaml", AGENDA.encode(), "text/plain")},
        ),
        "/r/{code}/plan": Form(
            f"/r/{code}/plan",
            cookie_for(code, "participant", ana["token"]),
            data={"plan_id": "", "change": "Open the lounge at seven"},
        ),
        "/r/{code}/summary/{item_id}": Form(
            f"/r/{code}/summary/{case}",
            cookie_for(code, "scribe", tokens["scribe"]),
            data={"problem": "Patients wait for transport"},
        ),
        "/r/{code}/follow-up": Form(
            f"/r/{code}/follow-up",
            cookie_for(code, "participant", ana["token"]),
            data={"form": "contact", "email": "ana@example.org"},
        ),
        "/r/{code}/follow-up/dashboard": Form(
            f"/r/{code}/follow-up/dashboard", facilitator, data={"form": "checkins", "after": "30d"}
        ),
        "/r/{code}/next": Form(
            f"/r/{spare['code']}/next",
            cookie_for(spare["code"], "facilitator", spare["tokens"]["facilitator"]),
            data={"title": "Falls prevention, part 2", "confidentiality": "Stays here.", "minutes": "20"},
            watch=spare,  # it gains its link to the next exchange
        ),
        "/r/{code}/review": Form(
            f"/r/{later['code']}/review",
            cookie_for(later["code"], "participant", cleo["token"]),
            data={"plan_id": plan_id, "milestone": "30", "status": "on_track"},
            watch=earlier,  # written where the plan was made
        ),
        "/r/{code}/delete": Form(
            f"/r/{code}/delete", cookie_for(code, "facilitator", tokens["facilitator"]), data={"confirm": code}
        ),
        "/api/rooms": Form("/api/rooms", json=creation),
        "/api/rooms/{code}/join": Form(
            f"/api/rooms/{code}/join",
            json={"name": "Cara", "organisation": "Riverside", "accept_confidentiality": True},
        ),
    }


def refused(response: httpx.Response, route: str) -> bool:
    if response.status_code != 403 or "set-cookie" in response.headers:
        return False
    if route.startswith("/api/"):
        return response.json() == {"ok": False, "error": REFUSAL}
    return REFUSAL.replace("'", "&#39;") in response.text and 'role="alert"' in response.text


def unsafe_routes(router) -> list[APIRoute]:
    """The app's routes that may change something, through included routers (recent FastAPI keeps
    them nested; ours are included without a prefix of their own)."""
    found = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += unsafe_routes(included)
        elif isinstance(route, APIRoute) and route.methods - SAFE_METHODS:
            found.append(route)
    return found


def test_the_forms_tested_here_are_every_state_changing_route_of_the_app(settings):
    posted = {route.path for route in unsafe_routes(create_app(settings))}
    assert posted == {*ROUTES, "/api/rooms/{code}/commands"}  # commands take a bearer token: tested below


@pytest.mark.parametrize("route", ROUTES)
def test_a_foreign_page_is_refused_and_the_exchanges_own_page_is_accepted(server, route):
    room = create_room(server)
    form = forms(server, room)[route]
    watched = form.watch or room
    if route == "/r/{code}/delete":
        ok(server, room, type="room.end")  # only an ended exchange is deleted
    before = events_of(server, watched)

    for origin in foreign_origins(server):
        assert refused(form.send(server, Origin=origin), route), origin
    # Without Origin, the Referer names the page; a foreign one is refused the same way.
    assert refused(form.send(server, Referer="http://evil.example/forged.html"), route)
    assert events_of(server, watched) == before

    accepted = form.send(server, Origin=server)
    assert accepted.status_code in (200, 201, 303), accepted.text
    assert not refused(accepted, route)
    if route == "/r/{code}/delete":
        facilitator = auth(room["tokens"]["facilitator"])
        assert httpx.get(f"{server}/api/rooms/{room['code']}/events", headers=facilitator).status_code == 404
    elif "{code}" in route or route == "/join":
        assert len(events_of(server, watched)) > len(before)


def test_the_referer_stands_in_for_a_missing_origin(server):
    room = create_room(server)
    form = forms(server, room)["/r/{code}/plan"]
    before = events_of(server, room)
    assert refused(form.send(server, Referer=f"http://127.0.0.1:{free_port()}/r/{room['code']}/plan"), "/r/")
    assert events_of(server, room) == before
    assert form.send(server, Referer=f"{server}/r/{room['code']}/plan").status_code == 303
    assert events_of(server, room)[-1]["type"] == "plan.saved"


def test_a_request_naming_no_origin_is_refused_only_when_it_carries_cookies(server):
    room = create_room(server)
    plan = forms(server, room)["/r/{code}/plan"]
    before = events_of(server, room)
    assert refused(plan.send(server), "/r/")  # cookies, but no page named: it may be a forgery
    assert events_of(server, room) == before
    # A program without cookies borrows nobody's session: it may join, as it always could.
    joined = httpx.post(
        f"{server}/join",
        data={"code": room["code"], "name": "Dan", "organisation": "X", "accept": "yes"},
        follow_redirects=False,
    )
    assert joined.status_code == 303


def test_a_bearer_token_is_not_an_ambient_credential_so_the_api_takes_it_from_anywhere(server):
    room = create_room(server)
    response = httpx.post(
        f"{server}/api/rooms/{room['code']}/commands",
        json={"type": "room.lock"},
        headers={**auth(room["tokens"]["facilitator"]), "Origin": "http://evil.example"},
    )
    assert response.status_code == 200, response.text
    # Without its token the same request is refused before the route sees it.
    refused_here = httpx.post(
        f"{server}/api/rooms/{room['code']}/commands",
        json={"type": "room.unlock"},
        headers={"Origin": "http://evil.example"},
    )
    assert refused(refused_here, "/api/")


def test_configured_origins_and_the_public_url_count_as_the_exchanges_own(tmp_path):
    from facilitator.config import Settings
    from tests.live import running_server

    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/f.db",
        secret_key="test-secret",
        public_url="https://fac.example.org",
        allowed_origins=["https://partner.example"],
    )
    with running_server(settings) as base:
        room = create_room(base)
        for origin in ("https://fac.example.org", "https://partner.example"):
            assert forms(base, room)["/r/{code}/plan"].send(base, Origin=origin).status_code == 303, origin
        assert refused(forms(base, room)["/r/{code}/plan"].send(base, Origin="https://evil.fac.example.org"), "/r/")


def test_the_websocket_applies_the_same_rule(server):
    room = create_room(server)
    code = room["code"]
    console = cookie_for(code, "facilitator", room["tokens"]["facilitator"])
    url = server.replace("http://", "ws://") + f"/r/{code}/ws?surface=console"

    async def status(headers: dict) -> int:
        with pytest.raises(InvalidStatus) as raised:
            async with websockets.connect(url, additional_headers=headers, compression=None, open_timeout=5):
                pass
        return raised.value.response.status_code

    async def scenario():
        for origin in foreign_origins(server):
            assert await status({"Cookie": console, "Origin": origin}) == 403, origin
        assert await status({"Cookie": console}) == 403  # cookies, and no page named
        sock = await open_socket(server, code, "console", console)
        await sock.close()

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_every_other_unsafe_route_is_covered_too(settings, server):
    """Routes added later are covered without a line of their own: the check sits before routing."""
    routes = unsafe_routes(create_app(settings))
    assert routes
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "ABCDEF", route.path)
        for method in route.methods - SAFE_METHODS:
            response = httpx.request(
                method, server + path, headers={"Origin": "http://evil.example", "Cookie": "fac_ABCDEF_participant=x"}
            )
            assert refused(response, route.path), (method, route.path, response.text)
