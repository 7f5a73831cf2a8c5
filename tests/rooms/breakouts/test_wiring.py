"""Breakouts through the real server: two members writing one worksheet at once, recall, the
privacy of the other groups' worksheets over HTTP and the WebSocket, refusals said to their
sender alone, and the record."""

import asyncio
import re

import httpx

from tests.live import (
    add_item,
    auth,
    close_all,
    cookie_for,
    flash,
    fragment,
    has,
    nothing_more,
    ok,
    phone_of,
    room_with,
    run,
    settle,
    staff,
    state_of,
)

PEOPLE = [("Ana", "North"), ("Ben", "River"), ("Cy", "East"), ("Dee", "North"), ("Eli", "River"), ("Fay", "East")]
SECRET = "Our secret plan for pharmacy"


def breakouts_seen(base: str, room: dict, token: str) -> list[dict]:
    response = httpx.get(f"{base}/api/rooms/{room['code']}/state", headers=auth(token), timeout=5)
    response.raise_for_status()
    return response.json()["breakouts"]["rounds"]


def open_round(base: str, room: dict) -> list[list[str]]:
    """Two groups that mix organisations, opened; each group's member ids."""
    ok(base, room, type="breakouts.setup", groups=2, topics=["Checklists", "Pharmacy"], strategy="mix", seed=3)
    ok(base, room, type="breakouts.open")
    groups = breakouts_seen(base, room, room["tokens"]["facilitator"])[-1]["groups"]
    return [[member["id"] for member in group["members"]] for group in groups]


def setup(server):
    room, joined = room_with(server, people=PEOPLE)
    token_of = {person["participant_id"]: person["token"] for person in joined}
    groups = open_round(server, room)
    return room, token_of, groups


def test_two_members_saving_one_section_at_once_both_land_and_everyone_sees_the_latest(server):
    room, token_of, groups = setup(server)
    first, second = groups[0][:2]

    async def scenario():
        a = await phone_of(server, room["code"], token_of[first])
        b = await phone_of(server, room["code"], token_of[second])
        console = await staff(server, room, "console")
        await settle(a, b, console)
        await asyncio.gather(
            a.send({"type": "breakouts.write", "section": 1, "text": "Idea from A", "based_on": 0, "id": "save-a"}),
            b.send({"type": "breakouts.write", "section": 1, "text": "Idea from B", "based_on": 0, "id": "save-b"}),
        )
        rounds = await asyncio.to_thread(breakouts_seen, server, room, room["tokens"]["facilitator"])
        history = rounds[-1]["groups"][0]["history"][1]
        assert sorted(version["text"] for version in history) == ["Idea from A", "Idea from B"]
        assert [version["based_on"] for version in history] == [0, 0]
        shown = history[-1]["text"]
        for sock in (a, b):
            await sock.until(has("my-group", f">{shown}</textarea>", 'data-versions="2"'))
        await console.until(has("breakouts-console", shown))
        await close_all(a, b, console)

    run(scenario)


def test_recall_makes_worksheets_read_only_and_sends_phones_back_to_the_main_view(server):
    room, token_of, groups = setup(server)
    member = groups[0][0]

    async def scenario():
        phone = await phone_of(server, room["code"], token_of[member])
        await phone.until(has("my-group", "Your breakout group", "Checklists"))
        await settle(phone)
        await asyncio.to_thread(ok, server, room, type="breakouts.close")
        await phone.until(has("my-group", without=("Your breakout group", "textarea")))
        await phone.send({"type": "breakouts.write", "section": 0, "text": "Too late", "id": "late-save"})
        await phone.until(flash("This breakout round is closed: its worksheets are read-only."))
        await close_all(phone)

    run(scenario)


def test_no_phone_sees_another_groups_worksheet_until_report_back(server):
    room, token_of, groups = setup(server)
    writer, reader = groups[1][0], groups[0][0]

    async def scenario():
        theirs = await phone_of(server, room["code"], token_of[writer])
        mine = await phone_of(server, room["code"], token_of[reader])
        await settle(theirs, mine)
        await theirs.send({"type": "breakouts.write", "section": 0, "text": SECRET, "id": "secret"})
        await theirs.until(has("my-group", SECRET))
        await nothing_more(mine)
        # over HTTP: the reader's state holds the other group's members, not its worksheet
        seen = await asyncio.to_thread(breakouts_seen, server, room, token_of[reader])
        other = seen[-1]["groups"][1]
        assert "sections" not in other and SECRET not in str(seen)
        assert "sections" in seen[-1]["groups"][0]
        # and a second phone of the same person, connecting now, is given none of it either
        again = await phone_of(server, room["code"], token_of[reader])
        await again.until(has("my-group", "Your breakout group"))
        assert all(SECRET not in message for message in again.received)
        await asyncio.to_thread(ok, server, room, type="breakouts.close")
        await asyncio.to_thread(ok, server, room, type="breakouts.report")
        await asyncio.to_thread(ok, server, room, type="breakouts.report", step="next")
        await mine.until(has("my-group", "Reporting back", SECRET))
        seen = await asyncio.to_thread(breakouts_seen, server, room, token_of[reader])
        assert SECRET in str(seen[-1]["groups"][1]["sections"])
        await close_all(theirs, mine, again)

    run(scenario)


def test_refusals_go_to_their_sender_alone_and_change_nothing(server):
    room, token_of, groups = setup(server)
    outsider, insider = groups[0][0], groups[1][0]

    async def scenario():
        wrong = await phone_of(server, room["code"], token_of[outsider])
        other = await phone_of(server, room["code"], token_of[insider])
        console = await staff(server, room, "console")
        await settle(wrong, other, console)
        await wrong.send({"type": "breakouts.write", "group_id": "g2", "section": 0, "text": "Mine", "id": "w1"})
        await wrong.until(flash("You can write only your own group"))
        await wrong.send({"type": "breakouts.write", "section": 0, "text": "x" * 2001, "id": "w2"})
        await wrong.until(flash("at most 2000 characters"))
        await wrong.send({"type": "breakouts.open", "id": "w3"})
        await wrong.until(flash("Only the facilitator can open breakout rounds."))
        await console.send({"type": "breakouts.setup", "groups": 9, "id": "w4"})
        await console.until(flash("A breakout round is open: close it before setting up the next."))
        await nothing_more(other)
        await close_all(wrong, other, console)

    run(scenario)


def test_the_record_keeps_the_round_under_its_agenda_item(server):
    room, joined = room_with(server, people=PEOPLE)
    token_of = {person["participant_id"]: person["token"] for person in joined}
    item_id = add_item(server, room, kind="breakout", title="Discharge checklists", minutes=20)
    ok(server, room, type="timer.start", item_id=item_id)
    groups = open_round(server, room)
    member = groups[0][0]
    response = httpx.post(
        f"{server}/api/rooms/{room['code']}/commands",
        json={"type": "breakouts.write", "section": 1, "text": "Pharmacy rounds at 10"},
        headers=auth(token_of[member]),
    )
    assert response.status_code == 200, response.text
    ok(server, room, type="breakouts.close")
    record = httpx.get(
        f"{server}/r/{room['code']}/record?item={item_id}",
        headers={"Cookie": cookie_for(room["code"], "facilitator", room["tokens"]["facilitator"])},
    )
    assert record.status_code == 200
    assert "Round 1" in record.text and "Pharmacy rounds at 10" in record.text and "Group 2" in record.text
    assert breakouts_seen(server, room, room["tokens"]["facilitator"])[-1]["item_id"] == item_id


def test_the_scribe_makes_a_note_of_a_worksheet_line_under_the_rounds_item_from_the_group(server):
    room, joined = room_with(server, people=PEOPLE)
    token_of = {person["participant_id"]: person["token"] for person in joined}
    item_id = add_item(server, room, kind="breakout", title="Discharge checklists", minutes=20)
    ok(server, room, type="breakouts.setup", item_id=item_id, groups=2, topics=["Checklists", "Pharmacy"], seed=3)
    ok(server, room, type="breakouts.open")
    member = breakouts_seen(server, room, room["tokens"]["facilitator"])[-1]["groups"][0]["members"][0]["id"]
    line = "Pharmacy rounds at ten"

    async def scenario():
        phone = await phone_of(server, room["code"], token_of[member])
        scribe = await staff(server, room, "scribe")
        console = await staff(server, room, "console")
        await settle(phone, scribe, console)
        await phone.send({"type": "breakouts.write", "section": 1, "text": f"- {line}\n- A lounge", "id": "ideas"})
        form = await scribe.until(has("breakouts-scribe", f'name="text" value="{line}"', 'data-breakouts="note"'))
        await console.until(has("breakouts-console", f'name="text" value="{line}"', 'data-breakouts="note"'))
        # What the scribe panel's "Make a note" sends: the fields of that line's form.
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', fragment(form, "breakouts-scribe") or ""))
        sent = {key: fields[key] for key in ("type", "kind", "item_id", "speaker_id", "source")}
        assert sent == {
            "type": "note.post",
            "kind": "insight",
            "item_id": item_id,
            "speaker_id": "none",
            "source": "Group 1",
        }
        await scribe.send({**sent, "text": line, "id": "make-note"})
        await scribe.until(has("notes-scribe", line, "from Group 1", "Discharge checklists"))
        await scribe.until(has("breakouts-scribe", ">noted<"))
        await console.until(has("notes-feed", line, "from Group 1"))
        await close_all(phone, scribe, console)

    run(scenario)
    notes = state_of(server, room)["scribe"]["notes"]
    assert [(n["text"], n["source"], n["item_id"], n["kind"]) for n in notes] == [(line, "Group 1", item_id, "insight")]
