"""The timers feature through the real server: HTTP, WebSocket, fragments and the agenda file."""

import asyncio
import json
import re

import httpx

from tests.live import (
    add_item,
    auth,
    command,
    cookie_for,
    create_room,
    drain,
    events_of,
    flash,
    fragment,
    has,
    join,
    ok,
    phone_of,
    room_with,
    staff,
    state_of,
)

ONLY_FACILITATOR = "Only the facilitator can control the timer."
TIMER_COMMANDS = [
    {"type": "timer.start"},
    {"type": "timer.pause"},
    {"type": "timer.resume"},
    {"type": "timer.adjust", "seconds": 60},
    {"type": "timer.next"},
    {"type": "timer.finish"},
    {"type": "timer.restart"},
    {"type": "timer.unschedule"},
    {"type": "timer.schedule", "at_ms": 4_102_444_800_000},
]
YAML_AGENDA = """\
items:
  - kind: case
    organisation: St Mary's Hospital
    presenter: Dr Ana Silva
    presentation_minutes: 15
    qa_minutes: 5
    qa_prompt: What would you try differently?
  - kind: break
    title: Coffee
    minutes: 10
"""


# -- helpers -----------------------------------------------------------------


def agenda_of(base: str, room: dict) -> dict:
    return state_of(base, room)["timers"]


def attribute(html: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', html)
    assert match, (name, html)
    return match.group(1)


# -- who may control the timer ------------------------------------------------


def test_only_the_facilitator_controls_the_timer_over_http(server):
    room, (person,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    item = add_item(server, room, kind="discussion", title="Opening round", minutes=10)
    tokens = {"participant": person["token"], "scribe": room["tokens"]["scribe"], "screen": room["tokens"]["screen"]}
    before = events_of(server, room)

    for role, token in tokens.items():
        for body in TIMER_COMMANDS + [{"type": "timer.start", "item_id": item}]:
            response = command(server, code, token, **body)
            assert response.status_code == 403, (role, body, response.text)
            assert response.json() == {"ok": False, "error": ONLY_FACILITATOR}, (role, body)
        configure = command(server, code, token, type="timer.configure", auto_advance_phase=False)
        assert configure.status_code == 403, (role, configure.text)

    expire = command(server, code, room["tokens"]["facilitator"], type="timer.expire", run=1, deadline=1)
    assert expire.status_code == 403
    assert expire.json()["error"] == "Only the server can end a phase on time."
    begin = command(server, code, room["tokens"]["facilitator"], type="timer.begin", item_id=item, at=1)
    assert begin.status_code == 403 and begin.json()["error"].startswith("Only the server")
    assert events_of(server, room) == before

    ok(server, room, type="timer.start", item_id=item)  # the facilitator may


def test_only_the_facilitator_controls_the_timer_over_the_websocket(server):
    room, (person,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    item = add_item(server, room, kind="discussion", title="Opening round", minutes=10)
    before = events_of(server, room)

    async def scenario():
        sockets = {
            "phone": await phone_of(server, code, person["token"]),
            "scribe": await staff(server, room, "scribe"),
            "screen": await staff(server, room, "screen"),
        }
        for surface, sock in sockets.items():
            await drain(sock, 0.2)
            for index, body in enumerate(
                [
                    {"type": "timer.start", "item_id": item},
                    {"type": "timer.pause"},
                    {"type": "timer.adjust", "seconds": 60},
                ]
            ):
                sock.received.clear()
                await sock.send({**body, "id": f"{surface}-{index}"})
                await sock.until(flash(ONLY_FACILITATOR))
                await sock.until(lambda m, i=index, s=surface: f'data-command-id="{s}-{i}"' in m)
        console = await staff(server, room, "console")
        await drain(console, 0.2)
        console.received.clear()
        await console.send({"type": "timer.expire", "run": 1, "deadline": 1})
        await console.until(flash("Only the server can end a phase on time."))
        for sock in [*sockets.values(), console]:
            await sock.close()

    asyncio.run(scenario())
    assert events_of(server, room) == before


# -- the wrong item ------------------------------------------------------------


def test_commands_naming_a_finished_or_non_current_item_are_answered_clearly(server):
    room = create_room(server)
    code, token = room["code"], room["tokens"]["facilitator"]
    first = add_item(server, room, kind="discussion", title="Opening round", minutes=10)
    second = add_item(server, room, kind="discussion", title="Closing round", minutes=10)
    ok(server, room, type="timer.start", item_id=first)
    ok(server, room, type="timer.finish", item_id=first)
    ok(server, room, type="timer.start", item_id=second)
    before = events_of(server, room)

    again = command(server, code, token, type="timer.start", item_id=first)
    assert again.status_code == 409
    assert again.json()["error"] == "Opening round has already run."
    for body in (
        {"type": "timer.pause"},
        {"type": "timer.adjust", "seconds": 30},
        {"type": "timer.next"},
        {"type": "timer.finish"},
        {"type": "timer.restart"},
    ):
        response = command(server, code, token, **body, item_id=first)
        assert response.status_code == 409, (body, response.text)
        assert response.json()["error"] == "Opening round is not the current item.", body
    scheduled = command(server, code, token, type="timer.schedule", item_id=first, at_ms=4_102_444_800_000)
    assert scheduled.status_code == 409 and scheduled.json()["error"] == "There is no item left to schedule."
    unknown = command(server, code, token, type="timer.start", item_id="nope")
    assert unknown.status_code == 404
    assert events_of(server, room) == before

    async def over_the_socket():
        console = await staff(server, room, "console")
        await drain(console, 0.2)
        await console.send({"type": "timer.pause", "item_id": first})
        await console.until(flash("Opening round is not the current item."))
        await console.send({"type": "timer.start", "item_id": first})
        await console.until(flash("Opening round has already run."))
        await console.close()

    asyncio.run(over_the_socket())
    assert events_of(server, room) == before


# -- clock fragments -----------------------------------------------------------


def test_clock_fragments_carry_the_deadline_and_the_remaining_time(server):
    room, (person,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    item = add_item(server, room, kind="discussion", title="Opening round", minutes=10)

    async def scenario():
        screen = await staff(server, room, "screen")
        phone = await phone_of(server, code, person["token"])
        for sock in (screen, phone):
            await drain(sock, 0.2)
            sock.received.clear()

        ok(server, room, type="timer.start", item_id=item)
        deadline = agenda_of(server, room)["clock"]["deadline"]
        assert isinstance(deadline, int)
        shown = fragment(await screen.until(has("clock-screen", f'data-deadline="{deadline}"')), "clock-screen")
        assert "Opening round" in shown and attribute(shown, "data-remaining") == ""
        on_phone = fragment(await phone.until(has("clock-phone", f'data-deadline="{deadline}"')), "clock-phone")
        assert "Opening round" in on_phone
        assert 'id="clock-screen"' not in "".join(phone.received)
        assert 'id="clock-phone"' not in "".join(screen.received)

        ok(server, room, type="timer.pause")
        remaining = agenda_of(server, room)["clock"]["remaining"]
        assert 0 < remaining <= 10 * 60_000
        for sock, element_id in ((screen, "clock-screen"), (phone, "clock-phone")):
            paused = fragment(await sock.until(has(element_id, f'data-remaining="{remaining}"')), element_id)
            assert attribute(paused, "data-deadline") == ""
            assert "paused" in paused

        ok(server, room, type="timer.resume")
        resumed = agenda_of(server, room)["clock"]["deadline"]
        await screen.until(has("clock-screen", f'data-deadline="{resumed}"'))
        ok(server, room, type="timer.adjust", seconds=60)
        moved = agenda_of(server, room)["clock"]["deadline"]
        assert moved - resumed == 60_000
        await screen.until(has("clock-screen", f'data-deadline="{moved}"'))
        await phone.until(has("clock-phone", f'data-deadline="{moved}"'))
        for sock in (screen, phone):
            await sock.close()

    asyncio.run(scenario())


def test_clock_sync_answers_with_the_server_time_and_never_reflects_raw_input(server, clock):
    room, (person,) = room_with(server, people=[("Ana", "St Mary's")])

    async def scenario():
        phone = await phone_of(server, room["code"], person["token"])
        await drain(phone, 0.2)
        await phone.send({"type": "clock.sync", "sent": 123})
        reply = await phone.until(lambda m: 'id="server-clock"' in m)
        assert attribute(reply, "data-sent") == "123"
        clock.advance(3600)  # the server's clock, not the machine's
        phone.received.clear()
        await phone.send({"type": "clock.sync", "sent": 123})
        reply = await phone.until(lambda m: 'id="server-clock"' in m)
        assert abs(int(attribute(reply, "data-server")) - clock.now_ms()) < 2000
        for odd in ("<script>alert(1)</script>", 1.5, True, None, [1], {"a": 1}):
            phone.received.clear()
            await phone.send(json.dumps({"type": "clock.sync", "sent": odd}))
            reply = await phone.until(lambda m: 'id="server-clock"' in m)
            assert attribute(reply, "data-sent") == "0", odd
            assert "<script>" not in reply
        await phone.close()

    asyncio.run(scenario())


# -- messages ----------------------------------------------------------------


def test_screen_messages_are_escaped_and_presenter_messages_reach_the_presenter_alone(server):
    room, (presenter, other) = room_with(server, people=[("Ana", "St Mary's"), ("Ben", "Northfield")])
    code = room["code"]
    item = add_item(
        server, room, kind="case", organisation="St Mary's", presenter="Ana", presenter_id=presenter["participant_id"]
    )

    async def scenario():
        screen = await staff(server, room, "screen")
        mine = await phone_of(server, code, presenter["token"])
        theirs = await phone_of(server, code, other["token"])
        for sock in (screen, mine, theirs):
            await drain(sock, 0.2)

        ok(server, room, type="message.show", text="<b>Wrap up</b> now", tone="red")
        shown = fragment(await screen.until(has("screen-message", "Wrap up")), "screen-message")
        assert "&lt;b&gt;Wrap up&lt;/b&gt; now" in shown and "<b>" not in shown
        assert "tone-red" in shown

        ok(server, room, type="timer.start", item_id=item)
        for sock in (screen, mine, theirs):
            await drain(sock, 0.3)
            sock.received.clear()
        ok(server, room, type="message.show", text="Two minutes left", target="presenter")
        note = fragment(await mine.until(has("presenter-message", "Two minutes left")), "presenter-message")
        assert "screen-message" in note
        for sock in (theirs, screen):
            await drain(sock, 0.4)
            assert "Two minutes left" not in "".join(sock.received)
        for sock in (screen, mine, theirs):
            await sock.close()

    asyncio.run(scenario())


# -- agenda files --------------------------------------------------------------


def upload(base: str, code: str, name: str, content: str, cookie: str | None, **form) -> httpx.Response:
    headers = {"Cookie": cookie, "Origin": base} if cookie else {}  # as the console's form sends it
    return httpx.post(
        f"{base}/r/{code}/agenda",
        files={"file": (name, content.encode(), "text/plain")},
        data=form,
        headers=headers,
        follow_redirects=False,
    )


def test_agenda_files_are_imported_by_the_facilitator_only(server):
    room = create_room(server)
    code = room["code"]
    facilitator = cookie_for(code, "facilitator", room["tokens"]["facilitator"])

    response = upload(server, code, "agenda.yaml", YAML_AGENDA, facilitator)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/r/{code}/console"
    items = agenda_of(server, room)["items"]
    assert [(i["kind"], i["title"]) for i in items] == [("case", "St Mary's Hospital"), ("break", "Coffee")]
    assert [i["planned_ms"] for i in items] == [20 * 60_000, 10 * 60_000]

    as_json = json.dumps([{"kind": "discussion", "title": "Closing round", "minutes": 15}])
    assert upload(server, code, "agenda.json", as_json, facilitator).status_code == 303
    assert [i["title"] for i in agenda_of(server, room)["items"]][-1] == "Closing round"
    before = events_of(server, room)

    for name, content, says in (
        ("bad.yaml", "items: [unclosed", "neither YAML nor JSON"),
        ("bad.yaml", "just some words", "a list of items"),
        ("bad.json", json.dumps({"items": [{"kind": "break", "title": "Coffee"}]}), "duration in minutes"),
        ("bad.json", json.dumps({"items": [{"kind": "meeting", "title": "x", "minutes": 1}]}), "kind"),
        ("bad.json", json.dumps({"items": []}), "items"),
    ):
        refused = upload(server, code, name, content, facilitator)
        assert refused.status_code == 400, (content, refused.text)
        assert "text/html" in refused.headers["content-type"]
        assert "The agenda was not imported." in refused.text and says in refused.text, refused.text
    assert events_of(server, room) == before

    scribe = cookie_for(code, "scribe", room["tokens"]["scribe"])
    for cookie in (None, scribe, cookie_for(code, "facilitator", "not-the-secret")):
        refused = upload(server, code, "agenda.yaml", YAML_AGENDA, cookie)
        assert refused.status_code == 403, refused.text
        assert "Only the facilitator can import an agenda." in refused.text
    assert events_of(server, room) == before

    imported = ok(
        server,
        room,
        type="agenda.import",
        replace=True,
        items=[{"kind": "walkthrough", "title": "Ward tour", "minutes": 20}],
    )
    assert imported["seq"] == before[-1]["seq"] + 1
    assert [i["title"] for i in agenda_of(server, room)["items"]] == ["Ward tour"]
    refused = command(
        server,
        code,
        room["tokens"]["scribe"],
        type="agenda.import",
        items=[{"kind": "break", "title": "Coffee", "minutes": 5}],
    )
    assert refused.status_code == 403


# -- the state API ---------------------------------------------------------------


def test_the_state_api_shows_plan_against_actual_and_the_discipline_summary(server, clock):
    room = create_room(server)
    first = add_item(server, room, kind="discussion", title="Opening round", minutes=0.01)  # 600 ms
    second = add_item(server, room, kind="case", organisation="Northfield", presentation_minutes=10, qa_minutes=5)
    ok(server, room, type="timer.configure", auto_advance_phase=False)

    agenda = agenda_of(server, room)
    assert [(i["id"], i["planned_ms"], i["actual_ms"], i["overrun_ms"]) for i in agenda["items"]] == [
        (first, 600, None, None),
        (second, 15 * 60_000, None, None),
    ]
    assert agenda["discipline"]["done"] == 0 and agenda["discipline"]["total"] == 2
    assert agenda["settings"]["auto_phase"] is False

    ok(server, room, type="timer.start", item_id=first)
    clock.advance(1.0)  # a 400 ms overrun, at least
    ok(server, room, type="timer.finish", item_id=first)

    agenda = agenda_of(server, room)
    done = agenda["items"][0]
    assert done["actual_ms"] == done["ended_at"] - done["started_at"]
    assert done["actual_ms"] >= 1000
    assert done["overrun_ms"] == done["actual_ms"] - 600
    assert done["phases"][0]["name"] == "Discussion" and done["phases"][0]["planned_ms"] == 600
    assert done["phases"][0]["ended_at"] == done["ended_at"]
    assert agenda["items"][1]["actual_ms"] is None and agenda["items"][1]["overrun_ms"] is None
    summary = agenda["discipline"]
    assert summary["done"] == 1 and summary["total"] == 2 and summary["on_time"] == 0
    assert summary["overrun"].startswith("+0:0")
    assert summary["planned"] == "15:01"  # 15 min + 600 ms, rounded to the second
    assert agenda["clock"]["active"] is False and agenda["clock"]["next"] == "Northfield"

    person = join(server, room["code"])
    seen = httpx.get(f"{server}/api/rooms/{room['code']}/state", headers=auth(person["token"])).json()["timers"]
    assert "settings" not in seen  # the facilitator's settings are the facilitator's
    assert seen["discipline"] == summary
