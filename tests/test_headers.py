"""Security headers on every HTTP response the app makes: pages, static files, JSON, refusals."""

import httpx

from facilitator.headers import HEADERS
from tests.live import room_with


def assert_secured(response: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name)


def test_pages_static_files_json_and_refusals_carry_the_security_headers(server):
    room, _ = room_with(server)
    for path in ("/", "/join", f"/join?code={room['code']}", "/static/app.css", "/healthz", "/nowhere"):
        assert_secured(httpx.get(f"{server}{path}"))
    assert_secured(httpx.get(room["links"]["console"]))  # the secret link's redirect
    assert_secured(httpx.post(f"{server}/api/rooms/{room['code']}/commands", json={"type": "room.lock"}))  # 401


def test_the_policy_allows_this_server_alone_and_no_framing():
    policy = dict(part.split(" ", 1) for part in HEADERS["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == policy["script-src"] == policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert HEADERS["Referrer-Policy"] == "same-origin"  # a secret link's key never leaves in a Referer


def test_the_api_documentation_keeps_the_browsers_defaults(server):
    response = httpx.get(f"{server}/docs")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
