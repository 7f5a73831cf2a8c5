"""The floor through the real server: hands raised over phones' sockets, the floor given from the
console, the screen's bars and clocks, budgets, and who may do what, over HTTP and WebSocket."""

import asyncio
import re
from collections import defaultdict

import httpx

from tests.clock import until
from tests.live import (
    Socket,
    add_item,
    auth,
    command,
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

FACILITATOR_ID = "facilitator"
NORTH, RIVER, EAST = "Northfield", "Riverside", "Eastgate"  # no apostrophes: fragments are HTML-escaped


# -- helpers -----------------------------------------------------------------


def attribute(html: str, name: str) -> str | None:
    match = re.search(rf'{name}="([^"]*)"', html)
    return match.group(1) if match else None


def latest(sock: Socket, element_id: str) -> str | None:
    """The last copy of this fragment the socket received."""
    for message in reversed(sock.received):
        if (found := fragment(message, element_id)) is not None:
            return found
    return None


def queue_rows(console_fragment: str) -> list[tuple[str, str]]:
    """(kind, participant id) of each queue entry, in queue order."""
    return re.findall(r'<li class="(clarify|comment)" data-participant="([^"]+)"', console_fragment)


def queue_entry(console_fragment: str, participant_id: str) -> str:
    match = re.search(rf'<li [^>]*data-participant="{participant_id}".*?</li>', console_fragment, re.DOTALL)
    assert match, (participant_id, console_fragment)
    return match.group(0)


def bar_rows(voice_fragment: str) -> dict[str, dict]:
    """Organisation -> {base, since} of each row of the share-of-voice bars."""
    rows = {}
    for opening, name in re.findall(
        r'(<li class="bar-row[^>]*>)\s*<span class="bar-name">([^<]*)</span>', voice_fragment
    ):
        since = attribute(opening, "data-since")
        rows[name.strip()] = {
            "base": int(attribute(opening, "data-base")),
            "since": int(since) if since is not None else None,
        }
    return rows


def budget_rows(budget_fragment: str) -> dict[str, str]:
    """Organisation -> its <li> in the budget fragment."""
    rows = {}
    for item in re.findall(r"<li>.*?</li>", budget_fragment, re.DOTALL):
        name = re.search(r'<span class="bar-name">([^<]*)</span>', item).group(1)
        rows[name] = item
    return rows


def turns_from_log(events: list[dict]) -> list[dict]:
    """Turns rebuilt from the event log's own times: speaker, organisation, item, start, end."""
    turns, current = [], None
    for event in events:
        if event["type"] == "turn.ended":
            current["ended_at"] = event["at"]
            turns.append(current)
            current = None
        elif event["type"] == "turn.started":
            assert current is None, "a turn started while another was running"
            current = {**event["data"], "started_at": event["at"], "ended_at": None}
    return turns + ([current] if current else [])


def sums(turns: list[dict], key) -> dict[str, int]:
    summed = defaultdict(int)
    for turn in turns:
        if turn["ended_at"] is not None:
            summed[key(turn)] += turn["ended_at"] - turn["started_at"]
    return dict(summed)


def floor_of(base: str, room: dict, token: str | None = None) -> dict:
    if token is None:
        return state_of(base, room)["floor"]
    response = httpx.get(f"{base}/api/rooms/{room['code']}/state", headers=auth(token), timeout=5)
    response.raise_for_status()
    return response.json()["floor"]


async def settle(*socks: Socket) -> None:
    """Read what is in flight, then forget it, so `until` sees only what comes next."""
    for sock in socks:
        await drain(sock, 0.25)
        sock.received.clear()


async def close_all(*socks: Socket) -> None:
    for sock in socks:
        await sock.close()


def run(scenario):
    """Run a socket scenario, failing it after a minute at most; its result."""

    async def bounded():
        async with asyncio.timeout(60):
            return await scenario()

    return asyncio.run(bounded())


# -- hands -------------------------------------------------------------------


def test_phones_raise_and_lower_hands_and_clarifying_questions_go_first(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    a_id, b_id = ana["participant_id"], ben["participant_id"]

    async def scenario():
        console = await staff(server, room, "console")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        await settle(console, phone_a, phone_b)

        await phone_a.send({"type": "hand.raise", "kind": "comment"})
        shown = fragment(await console.until(has("floor-console", f'data-participant="{a_id}"')), "floor-console")
        assert queue_rows(shown) == [("comment", a_id)]
        entry = queue_entry(shown, a_id)
        assert "<strong>Ana</strong> · Northfield" in entry and "clarifying" not in entry
        mine = fragment(await phone_a.until(has("my-floor", "Hand raised")), "my-floor")
        assert "Hand raised · number 1 in the queue" in mine and 'data-hand="lower"' in mine
        raised = events_of(server, room)[-1]
        assert (raised["type"], raised["data"]) == ("hand.raised", {"participant_id": a_id, "kind": "comment"})
        assert floor_of(server, room)["queue"] == [{"participant_id": a_id, "clarify": False}]

        # The same button again lowers the hand.
        await settle(console, phone_a)
        await phone_a.send({"type": "hand.raise", "kind": "comment"})
        emptied = fragment(await console.until(has("floor-console", "No hands raised.")), "floor-console")
        assert queue_rows(emptied) == []
        mine = fragment(await phone_a.until(has("my-floor", 'data-hand="comment"')), "my-floor")
        assert "Hand raised" not in mine
        assert events_of(server, room)[-1]["type"] == "hand.lowered"
        assert floor_of(server, room)["queue"] == []

        # A comment, then a clarifying question: the question goes ahead.
        await settle(console, phone_a, phone_b)
        await phone_a.send({"type": "hand.raise", "kind": "comment"})
        await console.until(has("floor-console", f'data-participant="{a_id}"'))
        await phone_b.send({"type": "hand.raise", "kind": "clarify"})
        shown = fragment(await console.until(has("floor-console", f'data-participant="{b_id}"')), "floor-console")
        assert queue_rows(shown) == [("clarify", b_id), ("comment", a_id)]
        entry = queue_entry(shown, b_id)
        assert '<span class="tag">clarifying</span>' in entry and "<strong>Ben</strong> · Riverside" in entry
        await phone_a.until(has("my-floor", "Hand raised · number 2 in the queue"))
        await phone_b.until(has("my-floor", "Clarifying question raised · number 1 in the queue"))
        assert floor_of(server, room)["queue"] == [
            {"participant_id": b_id, "clarify": True},
            {"participant_id": a_id, "clarify": False},
        ]

        # A participant lowers their own hand with hand.lower.
        await settle(console, phone_a)
        await phone_b.send({"type": "hand.lower"})
        shown = fragment(
            await console.until(has("floor-console", without=(f'data-participant="{b_id}"',))), "floor-console"
        )
        assert queue_rows(shown) == [("comment", a_id)]
        await phone_a.until(has("my-floor", "Hand raised · number 1 in the queue"))
        await close_all(console, phone_a, phone_b)

    run(scenario)


# -- the floor -----------------------------------------------------------------


def test_the_facilitator_gives_the_floor_to_one_speaker_at_a_time(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    a_id, b_id = ana["participant_id"], ben["participant_id"]

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        await phone_a.send({"type": "hand.raise", "kind": "comment"})
        await console.until(has("floor-console", f'data-participant="{a_id}"'))
        await phone_b.send({"type": "hand.raise", "kind": "comment"})
        await console.until(has("floor-console", f'data-participant="{b_id}"'))
        await settle(console, screen, phone_a, phone_b)

        # Next in the queue: Ana, who raised her hand first.
        await console.send({"type": "floor.give"})
        on_screen = fragment(await screen.until(has("floor-screen", "Ana")), "floor-screen")
        started = events_of(server, room)[-1]
        assert started["type"] == "turn.started"
        assert started["data"]["speaker"] == a_id and started["data"]["organisation"] == NORTH
        assert "<strong>Ana</strong> · Northfield" in on_screen and 'class="floor-screen active"' in on_screen
        assert attribute(on_screen, "data-since") == str(started["at"])
        assert attribute(on_screen, "data-deadline") is None
        mine = fragment(await phone_a.until(has("my-floor", "You have the floor")), "my-floor")
        assert attribute(mine, "data-since") == str(started["at"])
        theirs = fragment(await phone_b.until(has("my-floor", "number 1 in the queue")), "my-floor")
        assert "You have the floor" not in theirs
        shown = fragment(await console.until(has("floor-console", "has the floor")), "floor-console")
        assert "<strong>Ana</strong> · Northfield has the floor" in shown
        assert queue_rows(shown) == [("comment", b_id)]  # having the floor answers the raised hand
        speaker = floor_of(server, room)["speaker"]
        assert speaker["id"] == a_id and speaker["since"] == started["at"] and speaker["deadline"] is None

        # A limit per turn: the clocks count down to start + limit.
        await settle(console, screen, phone_a, phone_b)
        await console.send({"type": "floor.configure", "turn_limit_seconds": 90})
        await screen.until(has("floor-screen", f'data-deadline="{started["at"] + 90_000}"'))
        assert events_of(server, room)[-1]["data"] == {"turn_limit_seconds": 90}

        # Giving the floor to someone else ends the first turn: one speaker at a time.
        await settle(console, screen, phone_a, phone_b)
        before = events_of(server, room)[-1]["seq"]
        await console.send({"type": "floor.give", "speaker": b_id})
        on_screen = fragment(await screen.until(has("floor-screen", "Ben")), "floor-screen")
        written = [e for e in events_of(server, room) if e["seq"] > before]
        assert [e["type"] for e in written] == ["turn.ended", "turn.started"]
        ended, second = written
        assert second["data"]["speaker"] == b_id
        assert "<strong>Ben</strong> · Riverside" in on_screen and "Ana" not in on_screen
        assert attribute(on_screen, "data-deadline") == str(second["at"] + 90_000)
        assert attribute(on_screen, "data-since") is None
        mine = fragment(await phone_b.until(has("my-floor", "You have the floor")), "my-floor")
        assert attribute(mine, "data-deadline") == str(second["at"] + 90_000)
        await phone_a.until(has("my-floor", without=("You have the floor",)))
        floor = floor_of(server, room)
        assert floor["speaker"]["id"] == b_id and floor["speaker"]["deadline"] == second["at"] + 90_000
        assert [(t["speaker"], t["started_at"], t["ended_at"]) for t in floor["turns"]] == [
            (a_id, started["at"], ended["at"])
        ]

        # Giving the floor to whoever has it already changes nothing.
        await console.send({"type": "floor.give", "speaker": b_id})
        await console.until(flash("Ben already has the floor."))

        # floor.stop ends the turn.
        await settle(console, screen, phone_b)
        await console.send({"type": "floor.stop"})
        await screen.until(lambda m: 'id="screen-stage"' in m and 'id="floor-screen"' not in m)
        await phone_b.until(has("my-floor", without=("You have the floor",)))
        assert events_of(server, room)[-1]["type"] == "turn.ended"
        floor = floor_of(server, room)
        assert floor["speaker"] is None and [t["speaker"] for t in floor["turns"]] == [a_id, b_id]

        await console.send({"type": "floor.stop"})
        await console.until(flash("Nobody has the floor."))
        await console.send({"type": "floor.give"})
        await console.until(flash("Nobody is waiting for the floor."))
        await close_all(console, screen, phone_a, phone_b)

    run(scenario)


def test_least_heard_organisation_first_over_the_wire(server, clock):
    room, (ana, cleo, ben) = room_with(server, people=[("Ana", NORTH), ("Cleo", NORTH), ("Ben", RIVER)])
    code = room["code"]
    c_id, b_id = cleo["participant_id"], ben["participant_id"]
    ok(server, room, type="floor.configure", order="organisation")
    ok(server, room, type="floor.give", speaker=ana["participant_id"])
    clock.advance(1.2)  # Ana speaks for a second
    ok(server, room, type="floor.stop")

    async def scenario():
        console = await staff(server, room, "console")
        phone_c = await phone_of(server, code, cleo["token"])
        phone_b = await phone_of(server, code, ben["token"])
        await settle(console, phone_c, phone_b)
        # Cleo, of the organisation that spoke, raises her hand before Ben.
        await phone_c.send({"type": "hand.raise", "kind": "comment"})
        await console.until(has("floor-console", f'data-participant="{c_id}"'))
        await phone_b.send({"type": "hand.raise", "kind": "comment"})
        shown = fragment(await console.until(has("floor-console", f'data-participant="{b_id}"')), "floor-console")
        assert "least-heard organisation first" in shown
        assert queue_rows(shown) == [("comment", b_id), ("comment", c_id)]
        assert "organisation 0:01" in queue_entry(shown, c_id) and "organisation 0:00" in queue_entry(shown, b_id)
        await phone_b.until(has("my-floor", "number 1 in the queue"))
        await phone_c.until(has("my-floor", "number 2 in the queue"))

        # First come, first served would have put Cleo first; least heard by person too (a tie).
        for order in ("first", "person"):
            await settle(console)
            await console.send({"type": "floor.configure", "order": order})
            shown = fragment(await console.until(has("floor-console", f'value="{order}" selected')), "floor-console")
            assert queue_rows(shown) == [("comment", c_id), ("comment", b_id)], order
        await settle(console)
        await console.send({"type": "floor.configure", "order": "organisation"})
        await console.until(has("floor-console", 'value="organisation" selected'))

        await settle(console, phone_b)
        await console.send({"type": "floor.give"})
        shown = fragment(await console.until(has("floor-console", "has the floor")), "floor-console")
        assert "<strong>Ben</strong> · Riverside has the floor" in shown
        assert queue_rows(shown) == [("comment", c_id)]
        await phone_b.until(has("my-floor", "You have the floor"))
        last = events_of(server, room)[-1]
        assert last["type"] == "turn.started" and last["data"]["speaker"] == b_id
        await close_all(console, phone_c, phone_b)

    run(scenario)


# -- share of voice ----------------------------------------------------------------


def test_voice_bars_and_the_state_api_sum_the_turns_of_the_log_exactly(server, clock):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    dee = join(server, code, name="Dee", organisation=EAST)  # present, never speaks
    a_id, b_id = ana["participant_id"], ben["participant_id"]
    item = add_item(server, room, kind="discussion", title="Opening round", minutes=10)

    def turn(speaker: str, seconds: float) -> None:
        ok(server, room, type="floor.give", speaker=speaker)
        clock.advance(seconds)

    turn(a_id, 0.3)  # before any item
    ok(server, room, type="timer.start", item_id=item)
    turn(b_id, 0.25)  # the give ends Ana's turn
    turn(FACILITATOR_ID, 0.2)
    turn(a_id, 0.15)
    ok(server, room, type="floor.stop")

    async def scenario():
        console = await staff(server, room, "console")
        await settle(console)
        ok(server, room, type="floor.give", speaker=b_id)  # Ben speaks, live
        events = events_of(server, room)
        turns = turns_from_log(events)
        live = turns[-1]
        assert live["speaker"] == b_id and live["ended_at"] is None
        finished = sums([t for t in turns if t["speaker"] != FACILITATOR_ID], lambda t: t["organisation"])
        assert set(finished) == {NORTH, RIVER} and all(ms > 0 for ms in finished.values())

        shown = fragment(await console.until(has("voice-bars", f'data-since="{live["started_at"]}"')), "voice-bars")
        rows = bar_rows(shown)
        assert rows == {
            EAST: {"base": 0, "since": None},
            NORTH: {"base": finished[NORTH], "since": None},
            RIVER: {"base": finished[RIVER], "since": live["started_at"]},
        }
        assert list(rows) == [EAST, NORTH, RIVER]
        assert "Facilitator: 0:00" in shown
        assert "<strong>Ben</strong>" in fragment(latest(console, "floor-console"), "floor-console")
        await close_all(console)
        return turns, finished

    turns, finished = run(scenario)

    floor = floor_of(server, room)
    assert floor["by_organisation"] == finished
    assert floor["by_item"] == sums(turns, lambda t: t["item_id"] or "")
    assert set(floor["by_item"]) == {"", item}
    assert floor["by_person"] == sums(turns, lambda t: t["speaker"])
    assert floor["by_person"][FACILITATOR_ID] > 0 and FACILITATOR_ID not in floor["by_organisation"]
    assert [(t["speaker"], t["started_at"], t["ended_at"]) for t in floor["turns"]] == [
        (t["speaker"], t["started_at"], t["ended_at"]) for t in turns if t["ended_at"] is not None
    ]
    assert dee["participant_id"] not in floor["by_person"]

    seen = floor_of(server, room, ana["token"])
    assert "by_person" not in seen and "turns" not in seen
    assert seen["by_organisation"] == finished and seen["by_item"] == floor["by_item"]
    assert seen["balance"] == floor["balance"] and 0 <= seen["balance"] < 1


# -- who may do what -----------------------------------------------------------------


FACILITATOR_ONLY = [
    {"type": "floor.give"},
    {"type": "floor.stop"},
    {"type": "floor.configure", "order": "person"},
    {"type": "floor.configure", "turn_limit_seconds": 60},
    {"type": "budget.start", "minutes": 6},
    {"type": "budget.add", "organisation": NORTH, "minutes": 1},
    {"type": "budget.clear"},
]


def test_only_the_facilitator_gives_or_ends_the_floor_and_participants_lower_only_their_own_hand(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    a_id, b_id = ana["participant_id"], ben["participant_id"]
    assert command(server, code, ben["token"], type="hand.raise", kind="comment").status_code == 200
    ok(server, room, type="floor.give", speaker=a_id)  # someone speaks: there is a turn to end
    ok(server, room, type="budget.start", minutes=6)
    tokens = {"participant": ana["token"], "scribe": room["tokens"]["scribe"], "screen": room["tokens"]["screen"]}
    before = events_of(server, room)

    for role, token in tokens.items():
        for body in FACILITATOR_ONLY + [{"type": "floor.give", "speaker": b_id}]:
            response = command(server, code, token, **body)
            assert response.status_code == 403, (role, body, response.text)
            assert response.json()["error"].startswith("Only the facilitator can "), (role, body)
    for role in ("scribe", "screen"):
        response = command(server, code, tokens[role], type="hand.lower", participant_id=b_id)
        assert response.status_code == 403
        assert response.json()["error"] == "Only the facilitator or a participant can lower a hand."
    for role in ("facilitator", "scribe", "screen"):
        response = command(server, code, room["tokens"][role], type="hand.raise", kind="comment")
        assert response.status_code == 403, (role, response.text)
        assert response.json()["error"] == "Only a participant can raise a hand."
    response = command(server, code, ana["token"], type="hand.lower", participant_id=b_id)
    assert response.status_code == 403
    assert response.json()["error"] == "You can lower only your own hand."
    assert events_of(server, room) == before

    async def scenario():
        sockets = {
            "phone": await phone_of(server, code, ana["token"]),
            "scribe": await staff(server, room, "scribe"),
            "screen": await staff(server, room, "screen"),
        }
        for surface, sock in sockets.items():
            await settle(sock)
            for index, body in enumerate(FACILITATOR_ONLY):
                await sock.send({**body, "id": f"{surface}-{index}"})
                await sock.until(lambda m, s=surface, i=index: f'data-command-id="{s}-{i}"' in m)
                assert flash("Only the facilitator can ")(sock.received[-1]), (surface, body, sock.received[-1])
        phone = sockets["phone"]
        await phone.send({"type": "hand.lower", "participant_id": b_id})
        await phone.until(flash("You can lower only your own hand."))
        console = await staff(server, room, "console")
        for sock in (console, sockets["scribe"], sockets["screen"]):
            await settle(sock)
            await sock.send({"type": "hand.raise", "kind": "comment"})
            await sock.until(flash("Only a participant can raise a hand."))
        await close_all(console, *sockets.values())

    run(scenario)
    assert events_of(server, room) == before
    assert floor_of(server, room)["queue"] == [{"participant_id": b_id, "clarify": False}]
    assert floor_of(server, room)["speaker"]["id"] == a_id
    # The facilitator may lower anyone's hand, and end the turn.
    ok(server, room, type="hand.lower", participant_id=b_id)
    ok(server, room, type="floor.stop")


# -- leaving ------------------------------------------------------------------------


def test_a_removed_participant_leaves_the_queue_and_an_away_one_keeps_their_totals(server, clock):
    room, (ana, ben, cleo) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER), ("Cleo", EAST)])
    code = room["code"]
    a_id, b_id, c_id = ana["participant_id"], ben["participant_id"], cleo["participant_id"]

    async def scenario():
        console = await staff(server, room, "console")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        phone_c = await phone_of(server, code, cleo["token"])
        ok(server, room, type="floor.give", speaker=a_id)
        clock.advance(0.2)
        ok(server, room, type="floor.stop")
        await phone_b.send({"type": "hand.raise", "kind": "comment"})
        await console.until(has("floor-console", f'data-participant="{b_id}"'))
        await phone_c.send({"type": "hand.raise", "kind": "comment"})
        shown = fragment(await console.until(has("floor-console", f'data-participant="{c_id}"')), "floor-console")
        assert queue_rows(shown) == [("comment", b_id), ("comment", c_id)]
        await settle(console, phone_c)

        ok(server, room, type="participant.remove", participant_id=b_id)
        shown = fragment(
            await console.until(has("floor-console", without=(f'data-participant="{b_id}"',))), "floor-console"
        )
        assert queue_rows(shown) == [("comment", c_id)] and "Ben" not in shown  # nor in the roster to give to
        await phone_b.until(flash("You were removed from this exchange."))
        await phone_c.until(has("my-floor", "number 1 in the queue"))
        assert floor_of(server, room)["queue"] == [{"participant_id": c_id, "clarify": False}]
        refused = command(server, code, room["tokens"]["facilitator"], type="floor.give", speaker=b_id)
        assert refused.status_code == 404 and refused.json()["error"] == "That person is not in the exchange."

        # Ana goes away: her phone closes, her time stays hers.
        totals = floor_of(server, room)
        await phone_a.close()

        def online() -> dict[str, bool]:
            return {p["id"]: p["online"] for p in state_of(server, room)["participants"]}

        await until(lambda: not online()[a_id])
        assert online() == {a_id: False, c_id: True}
        away = floor_of(server, room)
        assert away["by_person"][a_id] == totals["by_person"][a_id] > 0
        assert away["by_organisation"] == totals["by_organisation"] == {NORTH: totals["by_person"][a_id]}
        fresh = await staff(server, room, "console")  # a full render on connect
        bars = bar_rows(fragment(await fresh.until(has("voice-bars")), "voice-bars"))
        assert bars == {EAST: {"base": 0, "since": None}, NORTH: {"base": totals["by_person"][a_id], "since": None}}
        await fresh.close()

        # The next in the queue is Cleo, never the removed Ben.
        ok(server, room, type="floor.give")
        assert floor_of(server, room)["speaker"]["id"] == c_id
        await close_all(console, phone_b, phone_c)

    run(scenario)


# -- budgets --------------------------------------------------------------------------


def test_speaking_budgets_share_the_time_per_organisation(server, clock):
    room, (ana, ben, _) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER), ("Dee", EAST)])
    code = room["code"]

    async def scenario():
        console = await staff(server, room, "console")
        await settle(console)

        ok(server, room, type="budget.start", minutes=6)
        shown = fragment(await console.until(has("budget", "per organisation")), "budget")
        assert "<small>2:00 per organisation</small>" in shown
        rows = budget_rows(shown)
        assert list(rows) == [EAST, NORTH, RIVER]
        for name, row in rows.items():
            assert ">2:00</span>" in row, name
            assert attribute(row, "data-remaining") == "120000" and attribute(row, "data-deadline") == ""
            assert "added" not in row
        started = events_of(server, room)[-1]
        assert started["type"] == "budget.started" and started["data"]["per_organisation_ms"] == 120_000

        await settle(console)
        ok(server, room, type="budget.add", organisation=RIVER, minutes=1)
        rows = budget_rows(fragment(await console.until(has("budget", "added")), "budget"))
        assert "<small>+1:00 added</small>" in rows[RIVER] and ">3:00</span>" in rows[RIVER]
        assert attribute(rows[RIVER], "data-remaining") == "180000"
        assert "added" not in rows[NORTH] and "added" not in rows[EAST]
        refused = command(
            server, code, room["tokens"]["facilitator"], type="budget.add", organisation="Elsewhere", minutes=1
        )
        assert refused.status_code == 404

        # While Ben speaks, Riverside's budget counts down to a deadline.
        await settle(console)
        ok(server, room, type="floor.give", speaker=ben["participant_id"])
        turn = events_of(server, room)[-1]
        deadline = max(turn["at"], started["at"]) + 180_000
        rows = budget_rows(fragment(await console.until(has("budget", f'data-deadline="{deadline}"')), "budget"))
        assert attribute(rows[RIVER], "data-deadline") == str(deadline)
        assert attribute(rows[RIVER], "data-remaining") == ""
        for name in (NORTH, EAST):
            assert attribute(rows[name], "data-deadline") == "", name

        # Ana takes over: Riverside's spent time is off its budget, Northfield counts down now.
        clock.advance(0.3)
        await settle(console)
        ok(server, room, type="floor.give", speaker=ana["participant_id"])
        ended, second = events_of(server, room)[-2:]
        spent = ended["at"] - turn["at"]
        rows = budget_rows(
            fragment(await console.until(has("budget", f'data-deadline="{second["at"] + 120_000}"')), "budget")
        )
        assert attribute(rows[RIVER], "data-remaining") == str(180_000 - spent)
        assert attribute(rows[RIVER], "data-deadline") == ""
        await close_all(console)

    run(scenario)
