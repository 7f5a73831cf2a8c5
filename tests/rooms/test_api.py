"""The HTTP API and the HTML pages, through a real server."""

import httpx
import pytest

from facilitator.config import Settings
from facilitator.rooms.secrets import CODE_ALPHABET
from tests.live import command, cookie_for, create_room, join, room_with, running_server


def state(base: str, code: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{base}/api/rooms/{code}/state", headers=headers)


def events(base: str, code: str, token: str, **params) -> httpx.Response:
    return httpx.get(f"{base}/api/rooms/{code}/events", params=params, headers={"Authorization": f"Bearer {token}"})


# -- creating ----------------------------------------------------------------


def test_create_returns_a_readable_code_and_the_four_links(server):
    room = create_room(server)
    code = room["code"]
    assert len(code) == 6
    assert all(ch in CODE_ALPHABET for ch in code)
    assert set(room["links"]) == {"join", "console", "scribe", "screen"}
    assert room["links"]["join"] == f"{server}/join?code={code}"
    for surface, role in (("console", "facilitator"), ("scribe", "scribe"), ("screen", "screen")):
        assert room["links"][surface] == f"{server}/r/{code}/{surface}?key={room['tokens'][role]}"
    assert set(room["tokens"]) == {"facilitator", "scribe", "screen"}
    assert len(set(room["tokens"].values())) == 3


def test_create_without_confidentiality_is_refused_with_a_clear_message(server):
    response = httpx.post(f"{server}/api/rooms", json={"title": "No statement"})
    assert 400 <= response.status_code < 500
    body = response.json()
    assert body["ok"] is False
    assert "confidentiality" in body["error"]


def test_create_with_a_blank_title_is_refused(server):
    response = httpx.post(f"{server}/api/rooms", json={"title": "  ", "confidentiality": "Stays here."})
    assert response.status_code == 400
    assert "title" in response.json()["error"]


@pytest.fixture
def admin_server(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/admin.db",
        secret_key="test-secret",
        redis_url=None,
        render_interval_seconds=0.05,
        facilitator_admin_token="t",
    )
    with running_server(settings) as base:
        yield base


def test_admin_token_guards_creating_exchanges(admin_server):
    body = {"title": "Guarded", "confidentiality": "Stays here."}
    refused = httpx.post(f"{admin_server}/api/rooms", json=body)
    assert refused.status_code == 401
    assert "admin token" in refused.json()["error"]
    wrong = httpx.post(f"{admin_server}/api/rooms", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    made = httpx.post(f"{admin_server}/api/rooms", json=body, headers={"Authorization": "Bearer t"})
    assert made.status_code == 201
    assert len(made.json()["code"]) == 6

    home = httpx.get(f"{admin_server}/")
    assert 'name="admin_token"' in home.text
    form = {"title": "Form guarded", "confidentiality": "Stays here."}
    page = httpx.post(f"{admin_server}/rooms", data=form)
    assert page.status_code == 401
    assert "needs the admin token" in page.text
    assert not any(name.startswith("fac_") for name in page.cookies)
    created = httpx.post(f"{admin_server}/rooms", data={**form, "admin_token": "t"})
    assert created.status_code == 200
    assert 'id="room-code"' in created.text


# -- commands and roles ----------------------------------------------------------


def test_participant_cannot_run_facilitator_commands(server):
    room, (joined,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    response = command(server, code, joined["token"], type="room.lock")
    assert response.status_code == 403
    assert response.json()["error"].startswith("Only the facilitator can")
    assert state(server, code, room["tokens"]["facilitator"]).json()["locked"] is False


def test_commands_need_a_valid_bearer_token(server):
    room = create_room(server)
    code = room["code"]
    anonymous = httpx.post(f"{server}/api/rooms/{code}/commands", json={"type": "room.lock"})
    assert anonymous.status_code == 401
    assert "bearer token" in anonymous.json()["error"]
    assert command(server, code, "made-up", type="room.lock").status_code == 401
    # A token of another exchange opens nothing here.
    other = create_room(server)
    assert command(server, code, other["tokens"]["facilitator"], type="room.lock").status_code == 401
    assert state(server, code, None).status_code == 401


def test_facilitator_command_is_applied_and_repeated_id_is_answered_once(server):
    room = create_room(server)
    code, token = room["code"], room["tokens"]["facilitator"]
    first = command(server, code, token, type="room.lock", id="lock-1")
    assert first.status_code == 200
    assert first.json()["duplicate"] is False
    again = command(server, code, token, type="room.lock", id="lock-1")
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["seq"] == first.json()["seq"]
    locks = [e for e in events(server, code, token).json()["events"] if e["type"] == "room.locked"]
    assert len(locks) == 1


def test_unknown_room_is_404(server):
    assert (
        httpx.post(
            f"{server}/api/rooms/ABCDEF/join", json={"name": "Ana", "organisation": "X", "accept_confidentiality": True}
        ).status_code
        == 404
    )
    assert httpx.get(f"{server}/api/rooms/not-a-code/state").status_code == 404


def test_state_shows_each_role_what_it_may_see(server):
    room, (joined, _) = room_with(server, people=[("Ana", "St Mary's"), ("Ben", "Northfield")])
    code = room["code"]

    as_facilitator = state(server, code, room["tokens"]["facilitator"]).json()
    assert {p["name"] for p in as_facilitator["participants"]} == {"Ana", "Ben"}
    assert "me" not in as_facilitator
    assert as_facilitator["counts"]["joined"] == 2

    as_scribe = state(server, code, room["tokens"]["scribe"]).json()
    assert len(as_scribe["participants"]) == 2

    as_participant = state(server, code, joined["token"]).json()
    assert "participants" not in as_participant
    assert as_participant["me"]["name"] == "Ana"
    assert as_participant["me"]["organisation"] == "St Mary's"
    assert as_participant["counts"]["joined"] == 2

    as_screen = state(server, code, room["tokens"]["screen"]).json()
    assert "participants" not in as_screen and "me" not in as_screen


def test_events_are_for_the_facilitator_only_and_after_pages(server):
    room, (joined,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    command(server, code, room["tokens"]["facilitator"], type="room.lock").raise_for_status()

    everything = events(server, code, room["tokens"]["facilitator"])
    assert everything.status_code == 200
    log = everything.json()["events"]
    assert [e["type"] for e in log] == ["room.created", "participant.joined", "room.locked"]
    assert [e["seq"] for e in log] == [1, 2, 3]

    later = events(server, code, room["tokens"]["facilitator"], after=1).json()["events"]
    assert [e["seq"] for e in later] == [2, 3]
    assert events(server, code, room["tokens"]["facilitator"], after=3).json()["events"] == []
    assert events(server, code, room["tokens"]["facilitator"], after=1, limit=1).json()["events"][0]["seq"] == 2

    for token in (room["tokens"]["scribe"], room["tokens"]["screen"], joined["token"]):
        refused = events(server, code, token)
        assert refused.status_code == 403
        assert "Only the facilitator" in refused.json()["error"]


def test_openapi_documents_the_commands(server):
    schema = httpx.get(f"{server}/openapi.json").json()
    operation = schema["paths"]["/api/rooms/{code}/commands"]["post"]
    assert "room.lock" in operation["description"]
    assert "participant.join" in operation["description"]
    assert "/api/rooms" in schema["paths"]
    assert "/api/rooms/{code}/events" in schema["paths"]
    # The HTML pages are not part of the API.
    assert "/join" not in schema["paths"]


# -- pages ---------------------------------------------------------------------


def test_home_form_creates_an_exchange_and_remembers_it(server):
    with httpx.Client(base_url=server) as browser:
        created = browser.post(
            "/rooms",
            data={
                "title": "Falls prevention",
                "focus": "Night-time falls",
                "outcome": "Fewer falls",
                "beneficiaries": "Ward nurses",
                "confidentiality": "Stays here.",
                "organisations": "St Mary's\nNorthfield\n\n",
            },
        )
        assert created.status_code == 200
        code = created.text.split('id="room-code">')[1].split("<")[0]
        assert len(code) == 6 and all(ch in CODE_ALPHABET for ch in code)
        assert f"/r/{code}/console?key=" in created.text
        assert f"/r/{code}/screen?key=" in created.text
        assert f"/join?code={code}" in created.text
        cookie = created.cookies.get(f"fac_{code}_facilitator")
        assert cookie

        home = browser.get("/")
        assert "Your exchanges" in home.text
        assert "Falls prevention" in home.text
        assert f"/r/{code}/console" in home.text
        # The cookie is the facilitator's: the console opens without the key.
        console = browser.get(f"/r/{code}/console")
        assert console.status_code == 200
        state_ = state(server, code, cookie).json()
        assert state_["organisations"] == ["St Mary's", "Northfield"]
        assert state_["charter"]["focus"] == "Night-time falls"

    assert "Your exchanges" not in httpx.get(f"{server}/").text


def test_home_form_with_an_invalid_field_shows_the_error_and_keeps_the_input(server):
    response = httpx.post(f"{server}/rooms", data={"title": "Kept title", "confidentiality": ""})
    assert response.status_code == 400
    assert "confidentiality" in response.text
    assert 'value="Kept title"' in response.text


def test_join_with_a_bad_code_shows_an_error(server):
    for code in ("bad", "ABCDEF"):
        response = httpx.get(f"{server}/join", params={"code": code})
        assert response.status_code == 404
        assert "There is no exchange with this code" in response.text
    assert httpx.get(f"{server}/join").status_code == 200


def test_join_form_requires_accepting_confidentiality(server):
    room = create_room(server)
    code = room["code"]
    form = httpx.get(f"{server}/join", params={"code": code.lower()})
    assert form.status_code == 200
    assert "What is said here stays here." in form.text
    refused = httpx.post(
        f"{server}/join", data={"code": code, "name": "Ana", "organisation": "St Mary's"}, follow_redirects=False
    )
    assert refused.status_code == 400
    assert "Please accept the confidentiality statement" in refused.text
    assert 'value="Ana"' in refused.text
    assert not any(name.startswith("fac_") for name in refused.cookies)
    assert state(server, code, room["tokens"]["facilitator"]).json()["participants"] == []


def test_join_form_sets_a_cookie_and_reloading_keeps_the_same_participant(server):
    room = create_room(server)
    code = room["code"]
    with httpx.Client(base_url=server, headers={"Origin": server}) as phone:  # forms name their origin
        joined = phone.post(
            "/join",
            data={
                "code": code.lower(),
                "name": "Ana",
                "organisation": "St Mary's",
                "accept": "yes",
                "command_id": "join-abcdefghijklmnop",
            },
        )
        assert joined.status_code == 303
        assert joined.headers["location"] == f"/r/{code}"
        assert phone.cookies.get(f"fac_{code}_participant")
        assert "httponly" in joined.headers["set-cookie"].lower()

        page = phone.get(f"/r/{code}")
        assert page.status_code == 200
        assert "Ana" in page.text
        assert f'ws-connect="/r/{code}/ws?surface=phone"' in page.text

        again = phone.get("/join", params={"code": code})
        assert again.status_code == 303
        assert again.headers["location"] == f"/r/{code}"

        # The same form resent (a double tap) joins once.
        resent = phone.post(
            "/join",
            data={
                "code": code,
                "name": "Ana",
                "organisation": "St Mary's",
                "accept": "yes",
                "command_id": "join-abcdefghijklmnop",
            },
        )
        assert resent.status_code == 303
    people = state(server, code, room["tokens"]["facilitator"]).json()["participants"]
    assert [p["name"] for p in people] == ["Ana"]


def test_phone_page_without_a_cookie_goes_to_join(server):
    room = create_room(server)
    response = httpx.get(f"{server}/r/{room['code']}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/join?code={room['code']}"


def test_locked_exchange_join_page_says_so(server):
    room = create_room(server)
    code = room["code"]
    command(server, code, room["tokens"]["facilitator"], type="room.lock").raise_for_status()
    assert "closed this exchange to new participants" in httpx.get(f"{server}/join", params={"code": code}).text
    refused = httpx.post(
        f"{server}/join",
        data={"code": code, "name": "Ana", "organisation": "X", "accept": "yes"},
        follow_redirects=False,
    )
    assert refused.status_code == 403


def test_role_links(server):
    room = create_room(server)
    code = room["code"]
    wrong = httpx.get(f"{server}/r/{code}/console", params={"key": "wrong"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert "This link is not valid" in wrong.text
    # A participant token is no role link.
    joined = join(server, code)
    as_key = httpx.get(f"{server}/r/{code}/console", params={"key": joined["token"]}, follow_redirects=False)
    assert as_key.status_code == 403
    # The scribe's key does not open the console, and no key opens nothing.
    scribe_key = httpx.get(
        f"{server}/r/{code}/console", params={"key": room["tokens"]["scribe"]}, follow_redirects=False
    )
    assert scribe_key.status_code == 303
    assert (
        httpx.get(
            f"{server}/r/{code}/console", headers={"Cookie": cookie_for(code, "scribe", room["tokens"]["scribe"])}
        ).status_code
        == 403
    )
    assert httpx.get(f"{server}/r/{code}/console").status_code == 403

    right = httpx.get(
        f"{server}/r/{code}/console", params={"key": room["tokens"]["facilitator"]}, follow_redirects=False
    )
    assert right.status_code == 303
    assert right.headers["location"] == f"/r/{code}/console"
    assert right.cookies.get(f"fac_{code}_facilitator") == room["tokens"]["facilitator"]
    assert httpx.get(f"{server}/r/{code}/nothing").status_code == 404
    assert httpx.get(f"{server}/r/ABCDEF/console").status_code == 404


def test_qr_code_is_an_svg(server):
    room = create_room(server)
    response = httpx.get(f"{server}/r/{room['code']}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text
    assert httpx.get(f"{server}/r/ABCDEF/qr.svg").status_code == 404


def test_malformed_requests_are_answered_with_a_sentence_not_a_list_of_details(server):
    room = create_room(server)
    headers = {"Authorization": f"Bearer {room['tokens']['facilitator']}", "Content-Type": "application/json"}
    bad_json = httpx.post(f"{server}/api/rooms/{room['code']}/commands", content=b"{not json", headers=headers)
    assert bad_json.status_code == 422 and bad_json.json() == {"ok": False, "error": "That is not valid JSON."}
    too_far = httpx.get(f"{server}/api/rooms/{room['code']}/events", params={"after": 2**63}, headers=headers)
    assert too_far.status_code == 422 and too_far.json()["ok"] is False
    assert too_far.json()["error"].startswith("after: at most 2147483647")
