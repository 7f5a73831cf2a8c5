"""The scribe through the real server: two scribes and the facilitator writing at once, every
surface following, concurrent edits that keep every version, who may write what, text that looks
like a patient identifier held back until redacted or confirmed, the summary, plan and record
pages, user text escaped everywhere, and bad input refused to its sender alone."""

import asyncio
import html
import re

import httpx
from markupsafe import escape

from tests.live import (
    Socket,
    add_item,
    close_all,
    command,
    cookie_for,
    create_room,
    drain,
    events_of,
    flash,
    fragment,
    has,
    join,
    latest,
    nothing_more,
    ok,
    open_socket,
    phone_of,
    room_with,
    run,
    settle,
    staff,
)

NORTH, RIVER = "Northfield", "Riverside"  # no apostrophes: fragments are HTML-escaped
WRITE_NOTES = "Only the facilitator or a scribe can write notes."
NO_SUCH_NOTE = "There is no such note; it may have been deleted."
OWN_PLAN_ONLY = "You can write only your own organisation's action plan."
PHONE_NOTE = "Call 07700 900123 tomorrow"
REDACTED_NOTE = "Call [phone number removed] tomorrow"
EMPTIED = '<div id="confirmation"></div>'
# The scribe panel's note form, as htmx sends it over the socket: every value as text, blanks included.
NOTE_FORM = {
    "type": "note.post",
    "kind": "insight",
    "text": "",
    "item_id": "",
    "speaker_id": "",
    "HEADERS": {"HX-Request": "true", "HX-Trigger": "note-form", "HX-Target": None},
}


# -- helpers -----------------------------------------------------------------


def told(text: str):
    """Matches a message carrying an error or notice with this text (as printed: HTML-escaped)."""
    return flash(str(escape(text)))


def acked(command_id: str):
    return lambda m: f'data-command-id="{command_id}"' in m


def accepted(message: str) -> bool:
    return 'data-accepted="true"' in message and 'id="flash"' not in message


def post_note(base: str, room: dict, text: str, role: str = "scribe", **fields) -> str:
    """Post a note over HTTP as a scribe (or the facilitator); its id."""
    response = command(base, room["code"], room["tokens"][role], type="note.post", text=text, **fields)
    assert response.status_code == 200, response.text
    return response.json()["reply"]["note_id"]


def notebook_of(base: str, room: dict, token: str | None = None) -> dict:
    response = httpx.get(
        f"{base}/api/rooms/{room['code']}/state",
        headers={"Authorization": f"Bearer {token or room['tokens']['facilitator']}"},
        timeout=5,
    )
    response.raise_for_status()
    return response.json()["scribe"]


def cookie(room: dict, role: str, token: str | None = None) -> dict:
    """The headers of a browser holding this role's cookie, on a page of the server (forms it posts
    name their origin, as every browser's do)."""
    origin = room["links"]["join"].split("/join")[0]
    return {"Cookie": cookie_for(room["code"], role, token or room["tokens"][role]), "Origin": origin}


def form_values(confirmation: str, choice: str) -> dict:
    """What the confirmation's form for `choice` (redact or confirm) sends, as htmx would:
    its hidden inputs, a name given twice as a list."""
    form = next(
        f for f in re.findall(r"<form .*?</form>", confirmation, re.DOTALL) if f'data-confirmation="{choice}"' in f
    )
    values: dict = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        value = html.unescape(value)
        if name in values:
            values[name] = [*values[name], value] if isinstance(values[name], list) else [values[name], value]
        else:
            values[name] = value
    return values


def textarea(page: str, name: str) -> str:
    """The text in a form's textarea, unescaped."""
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match, (name, page)
    return html.unescape(match.group(1))


# -- two scribes at once ---------------------------------------------------------


def test_two_scribes_and_the_facilitator_write_at_once_and_every_surface_follows(server, clock):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    oldest = "Weekend discharges lag behind"
    texts = {
        "a": "The lounge opens at eight #flow",
        "b": "Pharmacy rounds before noon #flow",
        "f": "Transport is booked the day before",
    }
    newest = "Social workers join the morning huddle"

    async def scenario():
        scribe_a = await staff(server, room, "scribe")
        scribe_b = await staff(server, room, "scribe")
        facilitator = await open_socket(
            server, code, "scribe", cookie_for(code, "facilitator", room["tokens"]["facilitator"])
        )
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phone = await phone_of(server, code, ana["token"])
        writers = {"a": scribe_a, "b": scribe_b, "f": facilitator}
        await settle(*writers.values(), console, screen, phone)

        # The oldest note alone, so that it is strictly the oldest; then one each, at the same moment.
        await scribe_a.send({**NOTE_FORM, "kind": "barrier", "text": oldest, "id": "a-0"})
        assert accepted(await scribe_a.until(acked("a-0")))
        clock.advance(0.01)
        await asyncio.gather(
            *(sock.send({**NOTE_FORM, "text": texts[key], "id": f"{key}-1"}) for key, sock in writers.items())
        )
        for key, sock in writers.items():
            said = await sock.until(acked(f"{key}-1"))
            assert accepted(said), (key, said)

        # Each writer sees the others' notes land in its own list, with who wrote them.
        every = (oldest, *texts.values())
        for key, sock in writers.items():
            shown = fragment(await sock.until(has("notes-scribe", *every)), "notes-scribe")
            assert shown.count("data-note-id=") == 4, key
        shown = latest(scribe_b, "notes-scribe")
        assert shown.count(" · by the scribe") == 3 and shown.count(" · by the facilitator") == 1
        assert '<span class="tag">#flow</span>' in shown
        for sock in (console, phone):
            shown = fragment(await sock.until(has("notes-feed", *every)), "notes-feed")
            assert shown.count("data-note-id=") == 4
        await drain(screen, 0.3)
        assert not any(text in m for m in screen.received for text in every), screen.received  # ticker off

        # The facilitator puts the latest notes on the screen: the three newest, not the oldest.
        await settle(*writers.values(), console, screen, phone)
        await console.send({"type": "notes.ticker", "shown": "true", "id": "ticker-on"})
        assert accepted(await console.until(acked("ticker-on")))
        await console.until(has("ticker-control", "Take the notes off the screen"))
        on_screen = fragment(
            await screen.until(has("notes-ticker", 'class="notes-ticker active"', *texts.values())), "notes-ticker"
        )
        assert oldest not in on_screen and on_screen.count("<li>") == 3
        await nothing_more(*writers.values(), phone)  # the ticker is the screen's and the console's alone

        # A new note reaches the screen at once, and the ticker stays three notes long.
        await scribe_b.send({**NOTE_FORM, "kind": "decision", "text": newest, "id": "b-2"})
        on_screen = fragment(await screen.until(has("notes-ticker", newest)), "notes-ticker")
        assert on_screen.count("<li>") == 3 and "Decision" in on_screen and oldest not in on_screen
        await phone.until(has("notes-feed", newest))

        # Taken off the screen.
        await console.send({"type": "notes.ticker", "shown": "false", "id": "ticker-off"})
        on_screen = fragment(await screen.until(has("notes-ticker", without=("active",))), "notes-ticker")
        assert "<li>" not in on_screen and newest not in on_screen
        await console.until(has("ticker-control", "Show the latest notes on the screen"))
        await close_all(*writers.values(), console, screen, phone)

    run(scenario)
    notebook = notebook_of(server, room)
    assert sorted(note["text"] for note in notebook["notes"]) == sorted([oldest, *texts.values(), newest])
    assert notebook["tags"] == {"flow": 2} and notebook["ticker"] is False
    assert [e["data"]["shown"] for e in events_of(server, room) if e["type"] == "notes.ticker"] == [True, False]


# -- concurrent edits ----------------------------------------------------------------


def test_two_scribes_editing_one_note_at_once_both_land_and_the_history_keeps_every_version(server):
    room = create_room(server)
    code = room["code"]
    original = "Lounge opens at eight"
    note_id = post_note(server, room, original, kind="practice")
    edits = {"a": "The lounge opens at seven", "b": "Lounge opens at eight, weekdays only"}

    def history() -> list[dict]:
        return notebook_of(server, room)["history"][note_id]

    async def scenario():
        scribe_a = await staff(server, room, "scribe")
        scribe_b = await staff(server, room, "scribe")
        console = await staff(server, room, "console")
        await settle(scribe_a, scribe_b, console)

        await asyncio.gather(
            *(
                sock.send(
                    {
                        "type": "note.edit",
                        "note_id": note_id,
                        "text": edits[key],
                        "kind": "practice",
                        "id": f"edit-{key}",
                    }
                )
                for key, sock in (("a", scribe_a), ("b", scribe_b))
            )
        )
        for key, sock in (("a", scribe_a), ("b", scribe_b)):
            said = await sock.until(acked(f"edit-{key}"))
            assert accepted(said), (key, said)

        versions = history()
        edited = [e for e in events_of(server, room) if e["type"] == "note.edited"]
        assert len(edited) == 2 and {e["data"]["text"] for e in edited} == set(edits.values())
        assert [v["text"] for v in versions] == [original, *(e["data"]["text"] for e in edited)]  # log order
        shown_text = versions[-1]["text"]
        lost = next(text for text in edits.values() if text != shown_text)
        for sock in (scribe_a, scribe_b):
            shown = fragment(await sock.until(has("notes-scribe", "History (3 versions)")), "notes-scribe")
            assert f'<p class="note-text pre">{shown_text}</p>' in shown
            assert lost in shown and original in shown  # kept in the history
        await drain(console, 0.3)
        feed = latest(console, "notes-feed")
        assert shown_text in feed and lost not in feed and " · edited" in feed

        # Twice more at once, over HTTP, as a scribe and as the facilitator.
        more = {"scribe": "Lounge from seven, staffed by a nurse", "facilitator": "Lounge from seven, with a porter"}
        async with httpx.AsyncClient(timeout=10) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"{server}/api/rooms/{code}/commands",
                        json={"type": "note.edit", "note_id": note_id, "text": text, "kind": "practice"},
                        headers={"Authorization": f"Bearer {room['tokens'][role]}"},
                    )
                    for role, text in more.items()
                )
            )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        await scribe_a.until(has("notes-scribe", "History (5 versions)"))
        await close_all(scribe_a, scribe_b, console)

    run(scenario)
    versions = history()
    edited = [e for e in events_of(server, room) if e["type"] == "note.edited"]
    assert len(versions) == 5 and len(edited) == 4
    assert [v["text"] for v in versions] == [original, *(e["data"]["text"] for e in edited)]
    assert sorted(v["by"] for v in versions) == ["facilitator", *["scribe"] * 4]
    shown = next(note for note in notebook_of(server, room)["notes"] if note["id"] == note_id)
    assert shown["text"] == versions[-1]["text"] and shown["edited"] is True
    assert "history" not in notebook_of(server, room, join(server, code)["token"])  # staff only


# -- who may write what -----------------------------------------------------------------


def test_participants_and_the_screen_cannot_write_notes_and_plans_stay_within_an_organisation(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    case = add_item(server, room, kind="case", title="The lounge", minutes=20)
    note_id = post_note(server, room, "Lounge opens at eight")
    writing = [  # (command, what the refused sender is told)
        ({"type": "note.post", "text": "From a phone"}, WRITE_NOTES),
        (
            {"type": "note.edit", "note_id": note_id, "text": "Changed"},
            "Only the facilitator or a scribe can edit notes.",
        ),
        ({"type": "note.delete", "note_id": note_id}, "Only the facilitator or a scribe can delete notes."),
        (
            {"type": "summary.save", "item_id": case, "problem": "Delays"},
            "Only the facilitator or a scribe can write case summaries.",
        ),
        ({"type": "notes.ticker", "shown": True}, "Only the facilitator can choose what the screen shows."),
    ]
    before = events_of(server, room)

    for role, token in (("participant", ana["token"]), ("screen", room["tokens"]["screen"])):
        for body, said in writing:
            response = command(server, code, token, **body)
            assert response.status_code == 403, (role, body, response.text)
            assert response.json() == {"ok": False, "error": said}, (role, body)
    response = command(server, code, room["tokens"]["scribe"], type="notes.ticker", shown=True)
    assert (response.status_code, response.json()["error"]) == (403, writing[-1][1])
    response = command(server, code, room["tokens"]["screen"], type="plan.save", organisation=NORTH, change="X")
    assert response.status_code == 403
    assert response.json()["error"] == "Only the facilitator or a scribe or a participant can write action plans."
    response = command(server, code, ana["token"], type="plan.save", organisation=RIVER, change="Their change")
    assert (response.status_code, response.json()["error"]) == (403, OWN_PLAN_ONLY)
    assert events_of(server, room) == before

    # Their own organisation's plan: named or not, it is theirs.
    plan_id = command(server, code, ana["token"], type="plan.save", change="Open the lounge at seven").json()["reply"][
        "plan_id"
    ]
    response = command(server, code, ana["token"], type="plan.save", organisation=NORTH, change="Book transport")
    assert response.status_code == 200, response.text
    assert {(p["organisation"], p["change"]) for p in notebook_of(server, room)["plans"]} == {
        (NORTH, "Open the lounge at seven"),
        (NORTH, "Book transport"),
    }
    for body in (
        {"type": "plan.save", "plan_id": plan_id, "change": "Close the lounge"},
        {"type": "plan.delete", "plan_id": plan_id},
    ):
        response = command(server, code, ben["token"], **body)
        assert (response.status_code, response.json()["error"]) == (403, OWN_PLAN_ONLY), body
    before = events_of(server, room)

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        screen = await staff(server, room, "screen")
        others = {
            "console": await staff(server, room, "console"),
            "scribe": await staff(server, room, "scribe"),
            "ben": await phone_of(server, code, ben["token"]),
        }
        await settle(phone, screen, *others.values())

        refused = [
            *writing,
            ({"type": "plan.save", "organisation": RIVER, "change": "Theirs"}, OWN_PLAN_ONLY),
            (
                {"type": "plan.delete", "plan_id": "nosuchplan"},
                "There is no such action plan; it may have been deleted.",
            ),
        ]
        for index, (body, said) in enumerate(refused):
            await phone.send({**body, "id": f"phone-{index}"})
            message = await phone.until(acked(f"phone-{index}"))
            assert told(said)(message) and 'data-accepted="false"' in message, (body, message)
        assert len(phone.received) == len(refused)  # its refusals and nothing else
        await screen.send({"type": "note.post", "text": "From the screen", "id": "screen-note"})
        assert told(WRITE_NOTES)(await screen.until(acked("screen-note")))
        assert len(screen.received) == 1
        await nothing_more(*others.values())
        assert events_of(server, room) == before

        # Their own plan goes through: the console and the scribes see it, their phone too; Ben hears nothing.
        await settle(phone, screen)
        await phone.send({"type": "plan.save", "organisation": "", "change": "Phone the carers", "id": "mine"})
        assert accepted(await phone.until(acked("mine")))
        await phone.until(has("my-plans", "Phone the carers", "Open the lounge at seven"))
        for key in ("console", "scribe"):
            await others[key].until(has("commitments", "Phone the carers", "<strong>1 of 2</strong>"))
        await nothing_more(others["ben"], screen)
        await close_all(phone, screen, *others.values())

    run(scenario)
    after = events_of(server, room)
    assert after[:-1] == before and after[-1]["type"] == "plan.saved"
    assert after[-1]["data"]["organisation"] == NORTH and after[-1]["data"]["by"] == "participant"


# -- patient privacy -----------------------------------------------------------------------


def test_a_note_with_a_phone_number_is_held_back_until_redacted_or_confirmed(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]

    async def held_back(sock: Socket, command_id: str, body: dict, described: str) -> str:
        """Sends a command that must be held back: its confirmation fragment."""
        await settle(sock)
        await sock.send({**body, "id": command_id})
        said = await sock.until(acked(command_id))
        assert 'data-accepted="false"' in said and 'id="flash"' not in said, said
        shown = fragment(said, "confirmation")
        assert shown is not None and described in shown, said
        assert "Remove it and send" in shown and "It identifies no patient: send it" in shown
        await drain(sock, 0.3)
        assert sock.received == [said]  # nothing else for the sender either
        return shown

    async def scenario():
        scribe = await staff(server, room, "scribe")
        others = {
            "scribe": await staff(server, room, "scribe"),
            "console": await staff(server, room, "console"),
            "screen": await staff(server, room, "screen"),
            "phone": await phone_of(server, code, ana["token"]),
        }
        await settle(*others.values())
        before = events_of(server, room)

        body = {**NOTE_FORM, "kind": "action", "text": PHONE_NOTE}
        shown = await held_back(scribe, "held-1", body, "a phone number (07700 900123)")
        assert 'data-reset-on-ack="note-form"' in shown  # the panel's note form is emptied once it is sent
        assert events_of(server, room) == before
        await nothing_more(*others.values())

        # "Remove it and send": the same note, the number taken out.
        redacted = form_values(shown, "redact")
        assert redacted == {
            "type": "note.post",
            "kind": "action",
            "text": PHONE_NOTE,
            "item_id": "",
            "speaker_id": "",
            "redact": "true",
        }
        await scribe.send({**redacted, "id": "redacted"})
        said = await scribe.until(acked("redacted"))
        assert accepted(said) and fragment(said, "confirmation") == EMPTIED
        shown_to = fragment(await others["scribe"].until(has("notes-scribe", REDACTED_NOTE)), "notes-scribe")
        assert "07700" not in shown_to and "sensitive" not in shown_to
        for key in ("console", "phone"):
            assert "07700" not in fragment(await others[key].until(has("notes-feed", REDACTED_NOTE)), "notes-feed")

        # "It identifies no patient: send it": as typed, flagged.
        shown = await held_back(scribe, "held-2", body, "a phone number (07700 900123)")
        confirmed = form_values(shown, "confirm")
        assert confirmed == {**{k: v for k, v in redacted.items() if k != "redact"}, "confirm_identifiers": "true"}
        await scribe.send({**confirmed, "id": "confirmed"})
        said = await scribe.until(acked("confirmed"))
        assert accepted(said) and fragment(said, "confirmation") == EMPTIED
        await others["scribe"].until(has("notes-scribe", PHONE_NOTE, '<span class="tag sensitive">sensitive</span>'))
        await others["phone"].until(has("notes-feed", PHONE_NOTE))
        await close_all(scribe, *others.values())

    run(scenario)
    posted = [e["data"] for e in events_of(server, room) if e["type"] == "note.posted"]
    assert [(d["text"], d["kind"], d["flags"], d["by"]) for d in posted] == [
        (REDACTED_NOTE, "action", [], "scribe"),
        (PHONE_NOTE, "action", ["phone"], "scribe"),
    ]

    # Over HTTP: 422, with what was found.
    before = events_of(server, room)
    response = command(server, code, room["tokens"]["scribe"], type="note.post", text=PHONE_NOTE)
    assert response.status_code == 422
    assert response.json() == {
        "ok": False,
        "error": "This looks like patient-identifiable information: a phone "
        "number (07700 900123). Remove it, or confirm that it identifies no patient.",
        "findings": [{"kind": "phone", "described": "a phone number", "text": "07700 900123"}],
    }
    note_id = next(n["id"] for n in notebook_of(server, room)["notes"] if n["text"] == REDACTED_NOTE)
    response = command(server, code, room["tokens"]["scribe"], type="note.edit", note_id=note_id, text=PHONE_NOTE)
    assert response.status_code == 422 and response.json()["findings"][0]["kind"] == "phone"
    assert events_of(server, room) == before


def test_a_question_with_an_email_address_is_held_back_on_the_phone(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    asked = "Write to ana.smith@example.org for the rota"
    redacted_question = "Write to [e-mail address removed] for the rota"

    before = events_of(server, room)
    response = command(server, code, ana["token"], type="question.ask", text=asked)
    assert response.status_code == 422
    assert response.json()["findings"] == [
        {"kind": "email", "described": "an e-mail address", "text": "ana.smith@example.org"}
    ]
    assert events_of(server, room) == before

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        others = [await staff(server, room, surface) for surface in ("console", "scribe", "screen")]
        others.append(await phone_of(server, code, join(server, code, name="Ben", organisation=RIVER)["token"]))
        await settle(phone, *others)

        await phone.send({"type": "question.ask", "text": asked, "named": True, "id": "ask-1"})
        said = await phone.until(acked("ask-1"))
        assert 'data-accepted="false"' in said and 'id="flash"' not in said
        shown = fragment(said, "confirmation")
        assert "an e-mail address (ana.smith@example.org)" in shown and 'data-reset-on-ack="question-form"' in shown
        assert "Remove it and send" in shown and "It identifies no patient: send it" in shown
        await nothing_more(*others)
        assert [e["type"] for e in events_of(server, room)][-1] == "participant.joined"  # nothing asked

        redacted = form_values(shown, "redact")
        assert redacted["text"] == asked and redacted["redact"] == "true"
        await phone.send({**redacted, "id": "ask-2"})
        said = await phone.until(acked("ask-2"))
        assert accepted(said) and fragment(said, "confirmation") == EMPTIED
        await others[0].until(has("qa-console", redacted_question))
        await phone.until(has("qa-mine", redacted_question))
        await close_all(phone, *others)

    run(scenario)
    questions = [e["data"] for e in events_of(server, room) if e["type"] == "question.asked"]
    assert [(q["text"], q["flags"], q.get("name")) for q in questions] == [(redacted_question, [], "Ana")]
    assert not any("ana.smith" in str(e) for e in events_of(server, room))


# -- the pages --------------------------------------------------------------------------------


def test_a_case_summary_starts_from_the_cases_notes_and_only_writers_open_it(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    case = add_item(
        server, room, kind="case", title="Northfield discharge lounge", minutes=20, organisation=NORTH, presenter="Ana"
    )
    other = add_item(server, room, kind="discussion", title="Open floor", minutes=10)
    post_note(server, room, "Lounge opens at eight", kind="practice", item_id=case)
    post_note(server, room, "A nurse runs the lounge", kind="practice", item_id=case, role="facilitator")
    post_note(server, room, "Patients like the lounge", kind="insight", item_id=case)
    post_note(server, room, "Transport arrives late", kind="barrier", item_id=case)
    post_note(server, room, "Call transport earlier", kind="action", item_id=case)
    post_note(server, room, "Weekend lounge closed", kind="barrier", item_id=other)
    gone = post_note(server, room, "A deleted practice", kind="practice", item_id=case)
    ok(server, room, type="note.delete", note_id=gone)
    url = f"{server}/r/{code}/summary/{case}"

    page = httpx.get(url, headers=cookie(room, "scribe"))
    assert page.status_code == 200, page.text
    assert "Northfield discharge lounge" in page.text and "Pre-filled with this case" in page.text
    assert textarea(page.text, "intervention") == "- Lounge opens at eight\n- A nurse runs the lounge"
    assert textarea(page.text, "tips") == "- Patients like the lounge"
    assert textarea(page.text, "barriers") == "- Transport arrives late"
    for name in ("problem", "baseline", "result"):
        assert textarea(page.text, name) == ""
    assert "Call transport earlier" not in page.text and "Weekend lounge" not in page.text
    assert "A deleted practice" not in page.text
    assert httpx.get(url, headers=cookie(room, "facilitator")).status_code == 200

    # Nobody else opens it; an unknown case or exchange is said to be so.
    before = events_of(server, room)
    refusals = [
        (url, cookie(room, "participant", ana["token"]), 403, "Only a scribe or the facilitator"),
        (url, cookie(room, "screen"), 403, "Only a scribe or the facilitator"),
        (url, {}, 403, "Only a scribe or the facilitator"),
        (f"{server}/r/{code}/summary/nosuchitem", cookie(room, "scribe"), 404, "That agenda item does not exist."),
        (f"{server}/r/ZZZZZZ/summary/{case}", cookie(room, "scribe"), 404, "There is no exchange"),
    ]
    for where, headers, status, said in refusals:
        for response in (
            httpx.get(where, headers=headers),
            httpx.post(where, headers=headers, data={"problem": "Delays"}),
        ):
            assert response.status_code == status, (where, headers, response.request.method, response.text)
            assert said in response.text and 'role="alert"' in response.text
    assert events_of(server, room) == before

    summary = {
        "problem": "Patients wait for transport after discharge",
        "intervention": "A staffed discharge lounge from eight",
        "baseline": "4.2 hours",
        "result": "2.9 hours",
        "tips": "Start with one ward",
        "barriers": "Transport contracts",
    }

    async def scenario():
        scribe = await staff(server, room, "scribe")
        await scribe.until(has("summaries", "Northfield discharge lounge", "not yet · 5 notes"))
        await settle(scribe)
        response = httpx.post(url, headers=cookie(room, "scribe"), data=summary)
        assert response.status_code == 303 and response.headers["location"] == f"/r/{code}/scribe"
        await scribe.until(has("summaries", "Northfield discharge lounge", "written"))
        await scribe.close()

    run(scenario)
    assert notebook_of(server, room)["summaries"] == {case: summary}
    page = httpx.get(url, headers=cookie(room, "scribe"))
    assert "Saved 1 time;" in page.text and textarea(page.text, "problem") == summary["problem"]
    assert textarea(page.text, "intervention") == summary["intervention"]

    # A field too long, or nothing changed: the form again, with what was typed and why.
    response = httpx.post(url, headers=cookie(room, "facilitator"), data={**summary, "problem": "p" * 2001})
    assert response.status_code == 400
    assert "The problem is too long: at most 2000 characters, please (this has 2001)." in response.text
    assert textarea(response.text, "problem") == "p" * 2001
    response = httpx.post(url, headers=cookie(room, "scribe"), data=summary)
    assert response.status_code == 400 and "Nothing to change." in response.text
    saved = [e for e in events_of(server, room) if e["type"] == "summary.saved"]
    assert len(saved) == 1 and saved[0]["data"]["by"] == "scribe"


def test_action_plans_are_written_on_their_page_per_organisation_and_the_console_follows(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    as_ana, as_ben = cookie(room, "participant", ana["token"]), cookie(room, "participant", ben["token"])
    url = f"{server}/r/{code}/plan"
    plan = {
        "gap": "Our lounge opens at ten",
        "change": "Open the lounge at seven",
        "impact": "high",
        "effort": "low",
        "owner": "Ana",
        "sponsor": "The chief nurse",
        "milestone_30": "A nurse rostered",
        "milestone_90": "Every ward uses it",
        "milestone_12": "",
        "monitoring": "Weekly discharge times",
    }

    def plans() -> list[dict]:
        return notebook_of(server, room)["plans"]

    async def scenario():
        console = await staff(server, room, "console")
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        await console.until(has("commitments", "<strong>0 of 2</strong>"))
        await settle(console, phone_a, phone_b)

        page = httpx.get(url, headers=as_ana)
        assert page.status_code == 200 and f"Action plan · {NORTH}" in page.text
        assert 'name="organisation"' not in page.text  # always their own
        response = httpx.post(url, headers=as_ana, data={"plan_id": "", **plan})
        assert response.status_code == 303 and response.headers["location"] == f"/r/{code}/plan"
        shown = fragment(await console.until(has("commitments", "<strong>1 of 2</strong>")), "commitments")
        assert f'<li class="committed" data-organisation="{NORTH}">' in shown and plan["change"] in shown
        assert f'<li class="waiting" data-organisation="{RIVER}">' in shown
        await phone_a.until(has("my-plans", plan["change"]))
        await nothing_more(phone_b)
        [saved] = plans()
        assert saved == {"id": saved["id"], "organisation": NORTH, **plan}
        plan_id = saved["id"]
        await settle(console, phone_a, phone_b)

        # Ana opens and changes it; Ben can neither open, change nor delete it, nor write for Northfield.
        page = httpx.get(url, params={"plan_id": plan_id}, headers=as_ana)
        assert page.status_code == 200 and textarea(page.text, "change") == plan["change"]
        assert "Delete this commitment" in page.text
        page = httpx.get(url, params={"plan_id": plan_id}, headers=as_ben)
        assert page.status_code == 403 and OWN_PLAN_ONLY in html.unescape(page.text)
        before = events_of(server, room)
        for data in (
            {"plan_id": plan_id, **plan, "change": "Close the lounge"},
            {"plan_id": plan_id, "delete": "true"},
            {"plan_id": "", **plan, "organisation": NORTH},
        ):
            response = httpx.post(url, headers=as_ben, data=data)
            assert response.status_code == 403 and OWN_PLAN_ONLY in html.unescape(response.text), data
        response = httpx.post(url, headers=as_ana, data={"plan_id": "", **plan, "change": ""})
        assert response.status_code == 400 and "Please give the change you will make." in response.text
        assert events_of(server, room) == before
        await nothing_more(console, phone_a, phone_b)

        response = httpx.post(url, headers=as_ana, data={"plan_id": plan_id, **plan, "owner": "Ana and Cara"})
        assert response.status_code == 303
        await console.until(has("commitments", "(Ana and Cara)"))

        # Deleted: Northfield is waiting again, and the plan is gone.
        response = httpx.post(url, headers=as_ana, data={"plan_id": plan_id, "delete": "true"})
        assert response.status_code == 303
        shown = fragment(await console.until(has("commitments", "<strong>0 of 2</strong>")), "commitments")
        assert f'<li class="waiting" data-organisation="{NORTH}">' in shown and plan["change"] not in shown
        await phone_a.until(has("my-plans", f"{NORTH} has not committed to a change yet."))
        assert httpx.get(url, params={"plan_id": plan_id}, headers=as_ana).status_code == 404
        assert plans() == []

        # A scribe writes for any organisation of the exchange, and for none outside it.
        page = httpx.get(url, headers=cookie(room, "scribe"))
        assert page.status_code == 200 and f"<option>{NORTH}</option>" in page.text
        assert f"<option>{RIVER}</option>" in page.text
        response = httpx.post(
            url,
            headers=cookie(room, "scribe"),
            data={"plan_id": "", "organisation": RIVER, "change": "Book transport the day before"},
        )
        assert response.status_code == 303
        shown = fragment(await console.until(has("commitments", "Book transport the day before")), "commitments")
        assert f'<li class="committed" data-organisation="{RIVER}">' in shown
        await phone_b.until(has("my-plans", "Book transport the day before"))
        for organisation, status, said in (
            ("Elsewhere", 404, "Elsewhere is not an organisation in this exchange."),
            ("", 400, "Say which organisation the action plan is for."),
        ):
            response = httpx.post(
                url,
                headers=cookie(room, "scribe"),
                data={"plan_id": "", "organisation": organisation, "change": "Something"},
            )
            assert response.status_code == status and said in response.text
        await close_all(console, phone_a, phone_b)

    run(scenario)
    assert [(p["organisation"], p["change"]) for p in plans()] == [(RIVER, "Book transport the day before")]
    assert [e["data"]["by"] for e in events_of(server, room) if e["type"] == "plan.saved"] == [
        "participant",
        "participant",
        "scribe",
    ]
    for headers in (cookie(room, "screen"), {}):
        for response in (httpx.get(url, headers=headers), httpx.post(url, headers=headers, data={"change": "X"})):
            assert response.status_code == 403 and "Join the exchange" in response.text


def test_the_record_is_for_the_room_its_filters_narrow_it_and_user_text_is_escaped_everywhere(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    case = add_item(server, room, kind="case", title="The lounge", minutes=20)
    other = add_item(server, room, kind="discussion", title="Transport", minutes=10)
    post_note(server, room, "Lounge opens at eight #flow", kind="practice", item_id=case)
    post_note(server, room, "Transport arrives late", kind="barrier", item_id=other, tags="#transport")
    ok(server, room, type="notes.ticker", shown=True)
    hostile = '<script>alert("x")</script> & <b>bold</b> #xss'
    edited = "<img src=x onerror=alert(1)> #xss"
    raw = ("<script>alert", "<b>bold</b>", "<img src=x")
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"

    def clean(where: str, text: str, *expected: str) -> None:
        for part in raw:
            assert part not in text, (where, part)
        for part in expected:
            assert part in text, (where, part)

    async def scenario():
        socks = {
            "scribe": await staff(server, room, "scribe"),
            "console": await staff(server, room, "console"),
            "screen": await staff(server, room, "screen"),
            "phone": await phone_of(server, code, ana["token"]),
        }
        await settle(*socks.values())
        await socks["scribe"].send({**NOTE_FORM, "kind": "practice", "item_id": case, "text": hostile, "id": "x"})
        assert accepted(await socks["scribe"].until(acked("x")))
        for surface, element_id in (
            ("scribe", "notes-scribe"),
            ("console", "notes-feed"),
            ("phone", "notes-feed"),
            ("screen", "notes-ticker"),
        ):
            shown = fragment(await socks[surface].until(has(element_id, escaped)), element_id)
            clean(element_id, shown, escaped)
        clean("note-links", latest(socks["scribe"], "note-links"), 'data-tags="flow transport xss"')
        note_id = next(n["id"] for n in notebook_of(server, room)["notes"] if "#xss" in n["text"])
        await socks["scribe"].send(
            {"type": "note.edit", "note_id": note_id, "text": edited, "kind": "practice", "item_id": case, "id": "x2"}
        )
        shown = fragment(await socks["scribe"].until(has("notes-scribe", "History (2 versions)")), "notes-scribe")
        clean("history", shown, escaped, "&lt;img src=x onerror=alert(1)&gt;")
        await close_all(*socks.values())
        return note_id

    note_id = run(scenario)
    summary = httpx.get(f"{server}/r/{code}/summary/{case}", headers=cookie(room, "scribe")).text
    clean("summary", summary, "&lt;img src=x onerror=alert(1)&gt;")

    # The record: for the room only, whoever in it asks.
    url = f"{server}/r/{code}/record"
    for headers in ({}, cookie(room, "participant", "not-a-token")):
        refused = httpx.get(url, headers=headers)
        assert refused.status_code == 403 and "join it first" in refused.text
    viewers = {
        "participant": cookie(room, "participant", ana["token"]),
        "screen": cookie(room, "screen"),
        "scribe": cookie(room, "scribe"),
        "facilitator": cookie(room, "facilitator"),
    }
    for role, headers in viewers.items():
        page = httpx.get(url, headers=headers)
        assert page.status_code == 200, (role, page.text)
        clean(
            f"record as {role}",
            page.text,
            "&lt;img src=x onerror=alert(1)&gt;",
            "Lounge opens at eight",
            "Transport arrives late",
        )
        assert page.text.count('data-what="note"') == 3, role

    def notes_in(**params) -> list[str]:
        page = httpx.get(url, params=params, headers=viewers["participant"])
        assert page.status_code == 200
        return [
            html.unescape(text)
            for text in re.findall(r'data-what="note">.*?<p class="pre">(.*?)</p>', page.text, re.DOTALL)
        ]

    assert notes_in() == ["Lounge opens at eight #flow", "Transport arrives late", edited]
    assert notes_in(tag="flow") == notes_in(tag="#Flow") == ["Lounge opens at eight #flow"]
    assert notes_in(tag="xss") == [edited]
    assert notes_in(kind="barrier") == ["Transport arrives late"]
    assert notes_in(kind="practice") == ["Lounge opens at eight #flow", edited]
    assert notes_in(item=case) == ["Lounge opens at eight #flow", edited]
    assert notes_in(item=other) == ["Transport arrives late"]
    assert notes_in(tag="nosuchtag") == [] and notes_in(kind="gossip") == notes_in()
    page = httpx.get(url, params={"tag": "flow"}, headers=viewers["participant"]).text
    assert set(re.findall(r'data-what="(\w+)"', page)) == {"note"}
    assert (
        "Nothing in the record matches these filters yet."
        in httpx.get(url, params={"tag": "nosuchtag"}, headers=viewers["participant"]).text
    )
    page = httpx.get(url, params={"tag": "<script>"}, headers=viewers["participant"])
    assert page.status_code == 200 and "<script>" not in page.text.replace('<script src="', "")
    state = notebook_of(server, room)
    assert next(n for n in state["notes"] if n["id"] == note_id)["text"] == edited  # stored as typed


# -- bad input -----------------------------------------------------------------------------------


def test_bad_notes_are_refused_to_their_sender_alone_and_change_nothing(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    original = "Lounge opens at eight"
    live = post_note(server, room, original)
    gone = post_note(server, room, "A note deleted")
    ok(server, room, type="note.delete", note_id=gone)
    cases = [  # (command, status, what the sender is told)
        (
            {"type": "note.post", "text": "x" * 1001},
            400,
            "The note is too long: at most 1000 characters, please (this has 1001).",
        ),
        ({"type": "note.post", "text": ""}, 400, "Please give the note."),
        ({"type": "note.post", "text": "  \n  "}, 400, "Please give the note."),
        ({"type": "note.post"}, 400, "Please give the note."),
        ({"type": "note.edit", "note_id": "nosuchnote", "text": "Changed"}, 404, NO_SUCH_NOTE),
        ({"type": "note.edit", "note_id": gone, "text": "Back again"}, 404, NO_SUCH_NOTE),
        ({"type": "note.delete", "note_id": "nosuchnote"}, 404, NO_SUCH_NOTE),
        ({"type": "note.delete", "note_id": gone}, 404, NO_SUCH_NOTE),
        ({"type": "note.edit", "note_id": live, "text": original}, 400, "Nothing to change."),
        ({"type": "note.post", "text": "Tagged", "tags": 5}, 400, "tags: Input should be a valid list."),
        ({"type": "note.post", "text": "Tagged", "tags": {"lean": True}}, 400, "tags: Input should be a valid list."),
        ({"type": "note.post", "text": "Tagged", "tags": [1]}, 400, "tags.0: Input should be a valid string."),
        ({"type": "note.post", "text": "Tagged", "tags": ["t"] * 13}, 400, "tags: at most 12 items, please"),
        (
            {"type": "note.post", "text": "Tagged", "tags": ["t" * 42]},
            400,
            "tags.0: a tag is one word of up to 40 letters, digits, - or _.",
        ),
        ({"type": "note.post", "text": "Kind", "kind": "gossip"}, 400, "kind: Input should be 'insight'"),
        ({"type": "note.post", "text": "About", "item_id": "nosuchitem"}, 404, "That agenda item does not exist."),
        ({"type": "note.post", "text": "Said", "speaker_id": "nobody"}, 404, "That person is not in the exchange."),
        ({"type": "note.post", "text": "By", "by": "facilitator"}, 400, "Unexpected field: by."),
        ({"type": "note.post", "text": 42}, 400, "text: Input should be a valid string."),
    ]
    before = events_of(server, room)

    for body, status, said in cases:
        response = command(server, code, room["tokens"]["scribe"], **body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"].startswith(said), (body, response.json())
    for response in (
        command(server, code, room["tokens"]["scribe"], type="note.post", text="x" * 70_000),
        httpx.post(
            f"{server}/r/{code}/plan", headers=cookie(room, "participant", ana["token"]), data={"change": "x" * 70_000}
        ),
    ):
        assert response.status_code == 413
        assert response.json() == {"ok": False, "error": "That request is too large (the limit is 64 KiB)."}
    assert events_of(server, room) == before

    async def scenario():
        scribe = await staff(server, room, "scribe")
        others = [
            await staff(server, room, "scribe"),
            await staff(server, room, "console"),
            await staff(server, room, "screen"),
            await phone_of(server, code, ana["token"]),
        ]
        await scribe.until(lambda m: 'data-count="online">1<' in m, timeout=10)  # Ana's arrival pushed
        await settle(scribe, *others)

        for index, (body, _status, said) in enumerate(cases):
            await scribe.send({**body, "id": f"bad-{index}"})
            message = await scribe.until(acked(f"bad-{index}"))
            assert told(said)(message) and 'data-accepted="false"' in message, (body, message)
        await scribe.send({"type": "note.post", "text": "x" * 20_000})
        await scribe.until(told("That message is too large (the limit is 16 KiB)."))
        await scribe.send('{"type": "note.post", "text": ')
        await scribe.until(told("That message was not valid JSON."))
        assert all('id="flash"' in m for m in scribe.received), scribe.received
        await nothing_more(*others)
        assert events_of(server, room) == before

        # Its socket still works.
        await scribe.send({**NOTE_FORM, "text": "Still here", "id": "good"})
        assert accepted(await scribe.until(acked("good")))
        await others[0].until(has("notes-scribe", "Still here"))
        await close_all(scribe, *others)

    run(scenario)
    after = events_of(server, room)
    assert after[:-1] == before and after[-1]["data"]["text"] == "Still here"
