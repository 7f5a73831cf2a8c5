"""Questions from the floor through the real server: an anonymous question that names its author
nowhere, moderation that only the facilitator may do, pending and dismissed questions that reach
nobody else, asking and upvoting live over the phones' sockets, a case's Q&A phase, and a resent
command that asks once."""

import asyncio
import csv
import html
import io
import json
import re

import httpx

from facilitator.features import RULES
from tests.live import (
    add_item,
    auth,
    close_all,
    command,
    cookie_for,
    drain,
    events_of,
    flash,
    fragment,
    has,
    latest,
    nothing_more,
    ok,
    phone_of,
    room_with,
    run,
    settle,
    staff,
)

NORTH, RIVER, EAST = "Northfield", "Riverside", "Eastgate"  # no apostrophes: fragments are HTML-escaped
QA = re.compile(r'<(\w+) id="(qa-[\w-]+)".*?</\1>', re.DOTALL)
RATE = re.compile(r"You can ask 3 questions a minute; please wait (\d+) seconds?\.")


# -- helpers -----------------------------------------------------------------


def qa_parts(html: str) -> list[str]:
    """Every question fragment (ids starting with qa-) in a message or a page."""
    return [match.group(0) for match in QA.finditer(html)]


def acked(command_id: str, accepted: bool | None = None):
    def matches(message: str) -> bool:
        if f'data-command-id="{command_id}"' not in message:
            return False
        return accepted is None or f'data-accepted="{str(accepted).lower()}"' in message

    return matches


def questions_seen(base: str, room: dict, token: str | None = None) -> dict:
    """The questions part of the state API as the holder of `token` (the facilitator by default)."""
    response = httpx.get(
        f"{base}/api/rooms/{room['code']}/state", headers=auth(token or room["tokens"]["facilitator"]), timeout=5
    )
    response.raise_for_status()
    return response.json()["questions"]


def asked_events(base: str, room: dict) -> list[dict]:
    return [e for e in events_of(base, room) if e["type"] == "question.asked"]


def asked_id(base: str, room: dict, text: str) -> str:
    """The id of the question asked with this text, read from the log."""
    return next(e["data"]["question_id"] for e in asked_events(base, room) if e["data"]["text"] == text)


def page_of(base: str, code: str, path: str, role: str, token: str) -> str:
    response = httpx.get(f"{base}/r/{code}{path}", headers={"Cookie": cookie_for(code, role, token)}, timeout=5)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def export(base: str, code: str, cookie: str | None = None) -> httpx.Response:
    return httpx.get(f"{base}/r/{code}/questions.csv", headers={"Cookie": cookie} if cookie else {}, timeout=5)


# -- anonymity ---------------------------------------------------------------------


AUTHOR, AUTHOR_ORG = "Zelda Quimby", "Wombat Valley Trust"
ASKED = "Why does pharmacy sign off discharges only after the ward round?"
EDITED = "Why is the pharmacy sign-off done only after the ward round?"


def test_an_anonymous_question_names_its_author_on_no_surface_api_log_or_export(server):
    room, (zelda, ben, cai) = room_with(server, people=[(AUTHOR, AUTHOR_ORG), ("Ben Tate", RIVER), ("Cai Lund", NORTH)])
    code = room["code"]
    ok(server, room, type="questions.configure", moderated=True)

    async def scenario():
        # Nothing is settled here: every message any of these clients receives is searched below.
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        scribe = await staff(server, room, "scribe")
        phone_z = await phone_of(server, code, zelda["token"])
        phone_b = await phone_of(server, code, ben["token"])
        phone_c = await phone_of(server, code, cai["token"])

        # Asked from the phone's form as htmx sends it: "show my name" left unticked.
        await phone_z.send(
            {
                "type": "question.ask",
                "text": ASKED,
                "id": "ask",
                "HEADERS": {"HX-Request": "true", "HX-Trigger": None, "HX-Target": None},
            }
        )
        assert 'id="flash"' not in await phone_z.until(acked("ask", accepted=True))
        pending = fragment(await console.until(has("qa-console", ASKED, "Awaiting approval")), "qa-console")
        assert "Anonymous" in pending
        await phone_z.until(has("qa-mine", ASKED, "awaiting approval"))
        question_id = asked_id(server, room, ASKED)

        async def moderate(command_id: str, **body) -> None:
            """A console button, as htmx sends its form: accepted, no error shown."""
            await console.send({**body, "id": command_id, "HEADERS": {"HX-Request": "true"}})
            assert 'id="flash"' not in await console.until(acked(command_id, accepted=True))

        await moderate("approve", type="question.approve", question_id=question_id)
        for voter, sock in (("b", phone_b), ("c", phone_c)):
            await sock.until(has("qa-list", ASKED))
            await sock.send({"type": "question.upvote", "question_id": question_id, "id": f"up-{voter}"})
            assert 'id="flash"' not in await sock.until(acked(f"up-{voter}", accepted=True))
        await console.until(has("qa-console", ASKED, 'data-votes="2"'))
        await moderate("edit", type="question.edit", question_id=question_id, text=EDITED)
        await moderate("pin", type="question.pin", question_id=question_id)
        await moderate("answered", type="question.answered", question_id=question_id)

        # Every surface follows.
        on_screen = fragment(await screen.until(has("qa-screen", EDITED, "pinned-question")), "qa-screen")
        assert "Anonymous · ▲ 2" in on_screen
        for sock in (phone_b, phone_c, phone_z):
            shown = fragment(await sock.until(has("qa-list", EDITED, '<span class="tag">answered</span>')), "qa-list")
            assert "Anonymous" in shown and "edited" in shown and ASKED not in shown
        await console.until(has("qa-console", EDITED, "Answered (1)", "pinned"))
        await phone_z.until(has("qa-mine", EDITED, "answered"))
        await asyncio.gather(*(drain(sock, 0.3) for sock in (console, screen, scribe, phone_z, phone_b, phone_c)))
        received = {
            "console": console.received,
            "screen": screen.received,
            "scribe": scribe.received,
            "author's phone": phone_z.received,
            "phone b": phone_b.received,
            "phone c": phone_c.received,
        }
        await close_all(console, screen, scribe, phone_z, phone_b, phone_c)
        return question_id, received

    question_id, received = run(scenario)

    events = events_of(server, room)
    asked = next(e for e in events if e["type"] == "question.asked")
    # What an anonymous question is filed with: a pseudonym, neither a name nor an organisation.
    assert (
        {"question_id", "text", "author", "item_id", "status"}
        <= set(asked["data"])
        <= {"question_id", "text", "author", "item_id", "status", "flags"}
    )
    assert asked["data"].get("flags", []) == []
    assert (asked["data"]["text"], asked["data"]["status"]) == (ASKED, "pending")
    author = asked["data"]["author"]
    voters = [e["data"]["voter"] for e in events if e["type"] == "question.upvoted"]
    assert len(voters) == 2 and len(set(voters) | {author}) == 3
    pseudonyms = [author, *voters]
    first, last = AUTHOR.split()
    person = [AUTHOR, first, last, zelda["participant_id"], AUTHOR_ORG]
    assert author not in person and zelda["participant_id"] not in author

    def names_nobody(where: str, text: str, identities: list[str]) -> None:
        for identity in identities:
            assert identity not in text, (where, identity)

    # Every question fragment any client received, the author's own phone included.
    for who, messages in received.items():
        parts = [part for message in messages for part in qa_parts(message)]
        if who != "scribe":  # the scribe's panel has no question fragments today; if it ever does, they too
            assert any(EDITED in part for part in parts), who
        for part in parts:
            names_nobody(f"{who}: {part[:40]}", part, person + pseudonyms)
    # The screen as a whole: it names nobody, though its share-of-voice bars list the organisations.
    for message in received["screen"]:
        names_nobody("screen", message, [AUTHOR, first, last, zelda["participant_id"], *pseudonyms])
        bars = fragment(message, "voice-bars") or ""
        names_nobody("screen", message.replace(bars, ""), [AUTHOR_ORG])

    # The pages' first paint.
    console_page = page_of(server, code, "/console", "facilitator", room["tokens"]["facilitator"])
    assert AUTHOR in fragment(console_page, "roster")  # the roster names people, by design
    parts = qa_parts(console_page)
    assert [re.search(r'id="([^"]+)"', part).group(1) for part in parts] == ["qa-console"]
    assert EDITED in parts[0] and "Anonymous" in parts[0]
    names_nobody("console page", parts[0], person + pseudonyms)
    screen_page = page_of(server, code, "/screen", "screen", room["tokens"]["screen"])
    assert EDITED in fragment(screen_page, "qa-screen")
    names_nobody("screen page", screen_page, [AUTHOR, first, last, zelda["participant_id"], *pseudonyms])
    names_nobody("screen page", screen_page.replace(fragment(screen_page, "voice-bars"), ""), [AUTHOR_ORG])
    scribe_page = page_of(server, code, "/scribe", "scribe", room["tokens"]["scribe"])
    for part in qa_parts(scribe_page):
        names_nobody("scribe page", part, person + pseudonyms)
    for who, holder in (("phone b", ben), ("author's phone", zelda)):
        phone_page = page_of(server, code, "", "participant", holder["token"])
        parts = qa_parts(phone_page)
        assert {re.search(r'id="([^"]+)"', part).group(1) for part in parts} == {"qa-ask", "qa-list", "qa-mine"}
        for part in parts:
            names_nobody(f"{who} page", part, person + pseudonyms)

    # The state API's questions, whoever asks.
    for role, token in [
        ("facilitator", room["tokens"]["facilitator"]),
        ("scribe", room["tokens"]["scribe"]),
        ("screen", room["tokens"]["screen"]),
        ("participant", ben["token"]),
        ("author", zelda["token"]),
    ]:
        seen = questions_seen(server, room, token)
        assert [(q["id"], q["text"], q["by"], q["votes"], q["status"], q["edited"]) for q in seen["questions"]] == [
            (question_id, EDITED, "Anonymous", 2, "answered", True)
        ], role
        assert seen["pinned"] == question_id
        names_nobody(f"state as {role}", json.dumps(seen), person + pseudonyms)

    # The log: no question event names the author; the asked event holds a pseudonym, nothing more.
    question_events = [e for e in events if e["type"].startswith(("question.", "questions."))]
    assert [e["type"] for e in question_events] == [
        "questions.configured",
        "question.asked",
        "question.moved",
        "question.upvoted",
        "question.upvoted",
        "question.edited",
        "question.pinned",
        "question.moved",
    ]
    for event in question_events:
        names_nobody(f"event {event['seq']}", json.dumps(event), person)

    # The export, as the facilitator downloads it.
    response = export(server, code, cookie_for(code, "facilitator", room["tokens"]["facilitator"]))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f'filename="questions-{code}.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][2:6] == ["question", "asked by", "upvotes", "status"]
    assert [row[2:7] for row in rows[1:]] == [[EDITED, "Anonymous", "2", "answered", "yes"]]
    names_nobody("export", response.text, person + pseudonyms)


# -- who may moderate ----------------------------------------------------------------


def moderation(pending: str, live: str) -> list[dict]:
    """One of each moderating command, each valid for the facilitator in this order."""
    return [
        {"type": "question.approve", "question_id": pending},
        {"type": "question.edit", "question_id": pending, "text": "Who signs the discharge letter?"},
        {"type": "question.pin", "question_id": pending},
        {"type": "question.answered", "question_id": pending},
        {"type": "question.archive", "question_id": pending},
        {"type": "question.restore", "question_id": pending},
        {"type": "question.dismiss", "question_id": live, "reason": "Answered earlier"},
        {"type": "questions.configure", "on_screen": True},
    ]


def refusal(body: dict) -> str:
    return f"Only the facilitator can {RULES.commands[body['type']].action}."


def test_only_the_facilitator_moderates_and_only_staff_export(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    live = command(server, code, ana["token"], type="question.ask", text="Who books the transport?")
    assert live.status_code == 200, live.text
    live_id = live.json()["reply"]["question_id"]
    ok(server, room, type="questions.configure", moderated=True)
    pending = command(server, code, ana["token"], type="question.ask", text="Who signs the discharge letters?")
    pending_id = pending.json()["reply"]["question_id"]
    assert [q["status"] for q in questions_seen(server, room)["questions"]] == ["live", "pending"]
    commands = moderation(pending_id, live_id)
    assert {body["type"] for body in commands} == {
        t for t in RULES.commands if t.startswith(("question.", "questions."))
    } - {"question.ask", "question.upvote", "question.withdraw"}
    before = events_of(server, room)

    tokens = {"participant": ana["token"], "scribe": room["tokens"]["scribe"], "screen": room["tokens"]["screen"]}
    for role, token in tokens.items():
        for body in commands:
            response = command(server, code, token, **body)
            assert response.status_code == 403, (role, body, response.text)
            assert response.json() == {"ok": False, "error": refusal(body)}, (role, body)
    assert events_of(server, room) == before

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        other = await phone_of(server, code, ben["token"])
        await settle(phone, console, screen, other)

        for index, body in enumerate(commands):
            await phone.send({**body, "id": f"mod-{index}"})
            said = await phone.until(acked(f"mod-{index}", accepted=False))
            assert flash(html.escape(refusal(body), quote=False))(said), (body, said)
        # The refused phone got its refusals and nothing else; nobody else got anything.
        assert len(phone.received) == len(commands)
        assert all('id="flash"' in m and 'id="ack"' in m for m in phone.received), phone.received
        await nothing_more(console, screen, other)
        assert events_of(server, room) == before
        await close_all(phone, console, screen, other)

    run(scenario)

    # The export: the facilitator and the scribe only.
    for who, cookie in [
        ("nobody", None),
        ("participant", cookie_for(code, "participant", ana["token"])),
        ("screen", cookie_for(code, "screen", room["tokens"]["screen"])),
        ("a bearer token", None),
    ]:
        response = (
            export(server, code, cookie)
            if who != "a bearer token"
            else httpx.get(f"{server}/r/{code}/questions.csv", headers=auth(room["tokens"]["facilitator"]), timeout=5)
        )
        assert response.status_code == 403, who
        assert "text/html" in response.headers["content-type"], who
        assert "Only the facilitator and the scribe can export the questions." in response.text, who
        assert "Who books the transport?" not in response.text, who
    for role in ("facilitator", "scribe"):
        response = export(server, code, cookie_for(code, role, room["tokens"][role]))
        assert response.status_code == 200, role
        assert "Who books the transport?" in response.text and "Who signs the discharge letters?" in response.text

    # Every command refused above was refused for who sent it, not for what it said.
    for body in commands:
        ok(server, room, **body)
    assert {q["id"]: q["status"] for q in questions_seen(server, room)["questions"]} == {
        live_id: "dismissed",
        pending_id: "live",
    }


# -- pending and dismissed ----------------------------------------------------------------


def test_pending_and_dismissed_questions_reach_only_their_author_and_the_console(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    ok(server, room, type="questions.configure", moderated=True, on_screen=True)
    text = "Could the ward clerk book transport the day before?"
    reason = "Off topic for this case"

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        ask = fragment(await phone_a.until(has("qa-ask")), "qa-ask")
        assert "The facilitator approves questions before the room sees them." in ask
        await settle(console, screen, phone_a, phone_b)
        seen_by = {"phone b": [], "screen": []}

        await phone_a.send({"type": "question.ask", "text": text, "id": "ask"})
        await phone_a.until(acked("ask", accepted=True))
        mine = fragment(await phone_a.until(has("qa-mine", text)), "qa-mine")
        assert "Anonymous · awaiting approval" in mine and 'data-qa="withdraw"' in mine
        shown = fragment(await console.until(has("qa-console", text)), "qa-console")
        assert "<h3>Awaiting approval</h3>" in shown and 'data-qa="approve"' in shown
        assert "1 awaiting approval" in shown
        listed = fragment(await phone_b.until(has("qa-list", "1 awaiting approval")), "qa-list")
        assert "No questions yet." in listed
        await phone_a.until(has("qa-list", "1 awaiting approval"))
        await screen.until(has("qa-screen", "1 awaiting approval"))
        question_id = asked_id(server, room, text)
        for role, token in (("participant", ben["token"]), ("screen", room["tokens"]["screen"])):
            seen = questions_seen(server, room, token)
            assert (seen["questions"], seen["pending"], seen["dismissed"]) == ([], 1, 0), role
        assert [q["text"] for q in questions_seen(server, room, room["tokens"]["scribe"])["questions"]] == [text]

        # Ben knows nothing to upvote; even with the id, a pending question takes no vote.
        await phone_b.send({"type": "question.upvote", "question_id": question_id, "id": "peek"})
        await phone_b.until(flash("Only questions still waiting for an answer can be upvoted."))
        await drain(phone_b)
        await drain(screen)
        seen_by["phone b"] += phone_b.received
        seen_by["screen"] += screen.received
        await settle(console, screen, phone_a, phone_b)

        # Dismissed with a reason: the author is told why; everyone sees only the count.
        await console.send({"type": "question.dismiss", "question_id": question_id, "reason": reason, "id": "no"})
        assert 'id="flash"' not in await console.until(acked("no"))
        mine = fragment(await phone_a.until(has("qa-mine", text, "dismissed")), "qa-mine")
        assert f"“{reason}”" in mine and 'data-qa="withdraw"' not in mine
        shown = fragment(await console.until(has("qa-console", "Dismissed (1)")), "qa-console")
        assert text in shown and reason in shown and "0 awaiting approval" in shown
        listed = fragment(await phone_b.until(has("qa-list", "1 dismissed", without=("awaiting approval",))), "qa-list")
        assert "No questions yet." in listed
        await phone_a.until(has("qa-list", "1 dismissed"))
        on_screen = fragment(await screen.until(has("qa-screen", "1 dismissed", without=("awaiting",))), "qa-screen")
        assert "Ask yours on your phone." in on_screen
        await drain(phone_b)
        await drain(screen)
        seen_by["phone b"] += phone_b.received
        seen_by["screen"] += screen.received

        # Neither the other phone nor the screen ever received its text or its reason.
        for who, messages in seen_by.items():
            assert messages, who
            for message in messages:
                assert text not in message and reason not in message, (who, message)
                assert question_id not in message, (who, message)
        for role, token in (("participant", ben["token"]), ("screen", room["tokens"]["screen"])):
            seen = questions_seen(server, room, token)
            assert (seen["questions"], seen["pending"], seen["dismissed"]) == ([], 0, 1), role
        await close_all(console, screen, phone_a, phone_b)

    run(scenario)
    other_phone = page_of(server, code, "", "participant", ben["token"])
    screen_page = page_of(server, code, "/screen", "screen", room["tokens"]["screen"])
    for page in (other_phone, screen_page):
        assert text not in page and reason not in page and "1 dismissed" in page


# -- asking and upvoting live ----------------------------------------------------------------


def test_questions_and_upvotes_travel_live_and_are_refused_to_their_sender_alone(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    ok(server, room, type="questions.configure", on_screen=True)
    first = "Which ward discharges earliest in the day?"

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        await settle(console, screen, phone_a, phone_b)

        # Asked on one phone: on the other phone, the console and the screen, without a reload.
        await phone_a.send({"type": "question.ask", "text": first, "id": "a-1"})
        said = await phone_a.until(acked("a-1", accepted=True))
        assert 'id="flash"' not in said
        listed = fragment(await phone_b.until(has("qa-list", first)), "qa-list")
        question_id = asked_id(server, room, first)
        assert f'data-upvote="{question_id}"' in listed and '<span class="vote-count">0</span>' in listed
        await console.until(has("qa-console", first, 'data-votes="0"'))
        await screen.until(has("qa-screen", first))
        await phone_a.until(has("qa-mine", first, "Anonymous · open"))

        # Ben upvotes: the count moves everywhere; his own list of votes carries the id.
        await settle(console, screen, phone_a, phone_b)
        await phone_b.send({"type": "question.upvote", "question_id": question_id, "id": "b-up"})
        assert 'id="flash"' not in await phone_b.until(acked("b-up"))
        mine = fragment(await phone_b.until(has("qa-mine", f'data-voted="{question_id}"')), "qa-mine")
        assert "my-questions" not in mine  # Ben asked nothing
        for sock in (phone_a, phone_b):
            await sock.until(has("qa-list", first, '<span class="vote-count">1</span>'))
        await console.until(has("qa-console", first, 'data-votes="1"'))
        await screen.until(has("qa-screen", '<span class="votes">▲ 1</span>'))
        await phone_a.until(has("qa-mine", "1 upvote"))
        assert 'data-voted=""' in latest(phone_a, "qa-mine")
        assert questions_seen(server, room, ana["token"])["questions"][0]["votes"] == 1

        # A second tap takes the vote back.
        await settle(console, screen, phone_a, phone_b)
        await phone_b.send({"type": "question.upvote", "question_id": question_id, "id": "b-down"})
        await phone_b.until(has("qa-mine", 'data-voted=""'))
        for sock in (phone_a, phone_b):
            await sock.until(has("qa-list", first, '<span class="vote-count">0</span>'))
        await console.until(has("qa-console", first, 'data-votes="0"'))
        await screen.until(has("qa-screen", '<span class="votes">▲ 0</span>'))
        assert [e["type"] for e in events_of(server, room)[-2:]] == ["question.upvoted", "question.unvoted"]

        # Upvoting one's own question: said to that phone alone.
        await settle(console, screen, phone_a, phone_b)
        await phone_a.send({"type": "question.upvote", "question_id": question_id, "id": "a-self"})
        said = await phone_a.until(acked("a-self", accepted=False))
        assert flash("You cannot upvote your own question.")(said)
        await drain(phone_a, 0.3)
        assert len(phone_a.received) == 1, phone_a.received
        await nothing_more(console, screen, phone_b)

        # Three questions a minute; the fourth is refused, over the socket and over HTTP.
        for index in (2, 3):
            await phone_a.send({"type": "question.ask", "text": f"Question number {index}", "id": f"a-{index}"})
            assert 'id="flash"' not in await phone_a.until(acked(f"a-{index}"))
        await phone_b.until(has("qa-list", "Question number 3"))
        await settle(console, screen, phone_a, phone_b)
        await phone_a.send({"type": "question.ask", "text": "Question number 4", "id": "a-4"})
        said = await phone_a.until(acked("a-4", accepted=False))
        wait = RATE.search(said)
        assert wait and 0 < int(wait.group(1)) <= 60, said
        response = command(server, code, ana["token"], type="question.ask", text="Question number 4")
        assert response.status_code == 429 and RATE.fullmatch(response.json()["error"]), response.text
        await nothing_more(console, screen, phone_b)
        assert len(asked_events(server, room)) == 3

        # 500 characters are enough; 501 are refused, over the socket and over HTTP.
        await settle(console, screen, phone_a, phone_b)
        await phone_b.send({"type": "question.ask", "text": "y" * 501, "id": "b-long"})
        said = await phone_b.until(acked("b-long", accepted=False))
        assert flash("Your question is too long: at most 500 characters, please (this has 501).")(said), said
        response = command(server, code, ben["token"], type="question.ask", text="y" * 501)
        assert response.status_code == 400
        assert response.json()["error"] == "Your question is too long: at most 500 characters, please (this has 501)."
        await nothing_more(console, screen, phone_a)
        await phone_b.send({"type": "question.ask", "text": "x" * 500, "id": "b-500"})
        assert 'id="flash"' not in await phone_b.until(acked("b-500", accepted=True))
        await phone_a.until(has("qa-list", "x" * 500))
        assert len(asked_events(server, room)) == 4

        # Another participant cannot withdraw Ana's question, even with its id.
        await settle(console, screen, phone_a, phone_b)
        await phone_b.send({"type": "question.withdraw", "question_id": question_id, "id": "b-withdraw"})
        said = await phone_b.until(acked("b-withdraw", accepted=False))
        assert flash("You can withdraw only your own questions.")(said)
        response = command(server, code, ben["token"], type="question.withdraw", question_id=question_id)
        assert response.status_code == 403
        assert response.json()["error"] == "You can withdraw only your own questions."
        await nothing_more(console, screen, phone_a)

        # Ana can, from the form on her phone.
        await phone_a.send({"type": "question.withdraw", "question_id": question_id, "id": "a-withdraw"})
        assert 'id="flash"' not in await phone_a.until(acked("a-withdraw", accepted=True))
        for sock in (phone_a, phone_b):
            await sock.until(has("qa-list", "Question number 2", without=(first,)))
        await phone_a.until(has("qa-mine", "Question number 2", without=(first,)))
        await console.until(has("qa-console", "Question number 2", without=(first,)))
        await screen.until(has("qa-screen", "Question number 2", without=(first,)))
        moved = events_of(server, room)[-1]
        assert (moved["type"], moved["data"]) == ("question.moved", {"question_id": question_id, "status": "withdrawn"})
        assert question_id not in {q["id"] for q in questions_seen(server, room)["questions"]}
        await close_all(console, screen, phone_a, phone_b)

    run(scenario)


# -- a case's Q&A phase --------------------------------------------------------------------


def test_a_case_in_its_questions_phase_puts_its_questions_on_the_screen_and_the_phones(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    prompt = "What would you ask Riverside about their discharge lounge?"
    case_id = add_item(
        server,
        room,
        kind="case",
        organisation=RIVER,
        title="The Riverside discharge lounge",
        presentation_minutes=10,
        qa_minutes=5,
        qa_prompt=prompt,
    )
    general, about = "Who covers weekend discharges?", "How did Riverside staff the lounge at first?"
    assert command(server, code, ana["token"], type="question.ask", text=general).status_code == 200

    async def scenario():
        screen = await staff(server, room, "screen")
        console = await staff(server, room, "console")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        inactive = fragment(await screen.until(has("qa-screen")), "qa-screen")
        assert 'class="qa-screen"' in inactive and general not in inactive
        assert 'data-focus=""' in fragment(await phone_a.until(has("qa-list", general)), "qa-list")
        await settle(screen, console, phone_a, phone_b)

        # The presentation: a question asked now is about the case.
        ok(server, room, type="timer.start", item_id=case_id)
        for sock in (phone_a, phone_b):
            ask = fragment(await sock.until(has("qa-ask", prompt)), "qa-ask")
            assert f'<p class="qa-prompt">{prompt}</p>' in ask
            assert "About The Riverside discharge lounge…" in ask
        await phone_b.send({"type": "question.ask", "text": about, "id": "b-1"})
        assert 'id="flash"' not in await phone_b.until(acked("b-1"))
        await phone_a.until(has("qa-list", about, 'data-focus=""'))
        await drain(screen)
        assert not any(about in m for m in screen.received)  # no Q&A phase yet: the screen shows none
        await settle(screen, console, phone_a, phone_b)

        # Questions: the screen shows this case's questions, the phones focus on it.
        ok(server, room, type="timer.next", item_id=case_id)
        on_screen = fragment(await screen.until(has("qa-screen", about)), "qa-screen")
        assert 'class="qa-screen active"' in on_screen
        assert "Questions · The Riverside discharge lounge" in on_screen and general not in on_screen
        for sock in (phone_a, phone_b):
            listed = fragment(await sock.until(has("qa-list", f'data-focus="{case_id}"')), "qa-list")
            assert general in listed and about in listed  # the phone filters in the browser
            assert re.search(rf'data-item="{case_id}"[^>]*>\s*<p class="question-text pre">{about}', listed)
            assert "The Riverside discharge lounge" in listed
            # The box to ask in changes with the current item, not its phase: a question being typed stays.
            assert latest(sock, "qa-ask") is None
        page = page_of(server, code, "", "participant", ana["token"])
        ask = fragment(page, "qa-ask")
        assert f'<p class="qa-prompt">{prompt}</p>' in ask
        assert "About The Riverside discharge lounge…" in ask
        await console.until(has("qa-console", f'data-focus="{case_id}"'))
        seen = {q["text"]: q for q in questions_seen(server, room, ben["token"])["questions"]}
        assert (seen[about]["item_id"], seen[about]["item_title"]) == (case_id, "The Riverside discharge lounge")
        assert (seen[general]["item_id"], seen[general]["item_title"]) == ("", "")
        await close_all(screen, console, phone_a, phone_b)

    run(scenario)


# -- a resent command --------------------------------------------------------------------


def test_a_question_resent_with_the_same_command_id_is_asked_once(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    text = "Do patients get their medicines before they leave?"
    body = {"type": "question.ask", "text": text, "id": "q-resend-1"}

    async def scenario():
        phone_b = await phone_of(server, code, ben["token"])
        phone_a = await phone_of(server, code, ana["token"])
        await settle(phone_a, phone_b)
        await phone_a.send(body)
        await phone_a.until(acked("q-resend-1", accepted=True))
        await phone_b.until(has("qa-list", text))
        await phone_a.close()

        # The phone reconnects and sends the same command again, not knowing if it arrived.
        phone_a = await phone_of(server, code, ana["token"])
        await settle(phone_b)
        await phone_a.send(body)
        said = await phone_a.until(acked("q-resend-1", accepted=True))
        assert 'id="flash"' not in said
        mine = fragment(await phone_a.until(has("qa-mine", text)), "qa-mine")
        assert mine.count(text) == 1
        await nothing_more(phone_b)
        await close_all(phone_a, phone_b)

    run(scenario)
    asked = asked_events(server, room)
    assert len(asked) == 1
    # Over HTTP too: the same id is answered with the first result.
    again = command(server, code, ana["token"], **body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["seq"] == asked[0]["seq"]
    assert len(asked_events(server, room)) == 1
    listed = fragment(page_of(server, code, "", "participant", ben["token"]), "qa-list")
    assert listed.count(text) == 1
    # The same id from another participant is another command.
    other = command(server, code, ben["token"], **body)
    assert other.status_code == 200 and other.json()["duplicate"] is False
    assert len(asked_events(server, room)) == 2
