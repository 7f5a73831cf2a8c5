"""Polls through the real server: who may run them, phones that answer over their sockets, the
screen and the console that follow, refusals said to one client alone, answers that name nobody,
and a burst of a hundred votes counted exactly and drawn a few times, never once per vote."""

import asyncio
import json
import re
import time

import httpx

from facilitator.features import RULES
from tests.live import (
    Socket,
    auth,
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
    phone_of,
    room_with,
    run,
    settle,
    staff,
    state_of,
)

COUNTED = "Your answer counted"
NORTH, RIVER = "Northfield", "Riverside"  # no apostrophes: fragments are HTML-escaped


# -- helpers -----------------------------------------------------------------


def new_poll(base: str, room: dict, kind: str, question: str, **fields) -> str:
    """Create a poll as the facilitator; its id."""
    return ok(base, room, type="poll.create", kind=kind, question=question, **fields)["reply"]["poll_id"]


def polls_seen(base: str, room: dict, token: str | None = None) -> dict:
    """The polls slice of the state API as the holder of `token` (the facilitator by default)."""
    response = httpx.get(
        f"{base}/api/rooms/{room['code']}/state", headers=auth(token or room["tokens"]["facilitator"]), timeout=5
    )
    response.raise_for_status()
    return response.json()["polls"]


def poll_of(base: str, room: dict, poll_id: str, token: str | None = None) -> dict:
    return next(p for p in polls_seen(base, room, token)["polls"] if p["id"] == poll_id)


def bar_counts(poll: dict) -> list[int]:
    return [bar["count"] for bar in poll["results"]["bars"]]


def shown_counts(html: str) -> list[int]:
    """The count of each bar in a printed poll result, in option order."""
    return [int(n) for n in re.findall(r'<span class="result-count">(\d+)</span>', html)]


def answered_line(count: int, present: int) -> str:
    return f"<strong>{count}</strong> of {present} answered"


def article(html: str, poll_id: str) -> str:
    """One poll's <article> in the console's or a phone's list."""
    match = re.search(rf'<article [^>]*data-poll-id="{poll_id}".*?</article>', html, re.DOTALL)
    assert match, (poll_id, html)
    return match.group(0)


def pushes_of(sock: Socket, element_id: str) -> list[str]:
    """Every copy of this fragment the socket received, in order."""
    return [found for message in sock.received if (found := fragment(message, element_id)) is not None]


def acked(command_id: str):
    return lambda m: f'data-command-id="{command_id}"' in m


# -- who may do what ---------------------------------------------------------------


def management(open_id: str, draft_id: str) -> list[dict]:
    """One of each command that prepares or runs polls, each valid for the facilitator in this order."""
    return [
        {"type": "poll.create", "kind": "single", "question": "Which first?", "options": ["A", "B"]},
        {"type": "poll.update", "poll_id": draft_id, "question": "Which one first?"},
        {"type": "poll.open", "poll_id": draft_id},
        {"type": "poll.close", "poll_id": open_id},
        {"type": "poll.reveal", "poll_id": open_id},
        {"type": "poll.reset", "poll_id": open_id, "confirm": True},
        {"type": "poll.duplicate", "poll_id": open_id},
        {"type": "poll.screen", "poll_id": open_id},
        {"type": "poll.delete", "poll_id": open_id, "confirm": True},
        {"type": "poll.survey"},
        {"type": "poll.open_survey", "survey_id": "any"},
    ]


def refusal(body: dict) -> str:
    return f"Only the facilitator can {RULES.commands[body['type']].action}."


def test_only_the_facilitator_manages_polls_and_only_participants_answer(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    open_id = new_poll(server, room, "single", "Where do delays start?", options=["Ward", "Pharmacy"], open=True)
    draft_id = new_poll(server, room, "scale", "How urgent is it?")
    assert command(server, code, ben["token"], type="poll.answer", poll_id=open_id, choice=0).status_code == 200
    commands = management(open_id, draft_id)
    assert {body["type"] for body in commands} == {t for t in RULES.commands if t.startswith("poll.")} - {
        "poll.answer",
        "poll.retract",
    }
    tokens = {"participant": ana["token"], "scribe": room["tokens"]["scribe"], "screen": room["tokens"]["screen"]}
    before = events_of(server, room)

    for role, token in tokens.items():
        for body in commands:
            response = command(server, code, token, **body)
            assert response.status_code == 403, (role, body, response.text)
            assert response.json() == {"ok": False, "error": refusal(body)}, (role, body)
    for role in ("facilitator", "scribe", "screen"):
        response = command(server, code, room["tokens"][role], type="poll.answer", poll_id=open_id, choice=1)
        assert response.status_code == 403, (role, response.text)
        assert response.json()["error"] == "Only a participant can answer polls."
    assert events_of(server, room) == before

    async def scenario():
        phone = await phone_of(server, code, ana["token"])
        refused = {
            "phone": phone,
            "scribe": await staff(server, room, "scribe"),
            "screen": await staff(server, room, "screen"),
        }
        console = await staff(server, room, "console")
        other = await phone_of(server, code, ben["token"])
        await settle(console, other, *refused.values())

        for surface, sock in refused.items():
            for index, body in enumerate(commands):
                await sock.send({**body, "id": f"{surface}-{index}"})
                said = await sock.until(acked(f"{surface}-{index}"))
                assert flash(refusal(body))(said), (surface, body, said)
                assert 'data-accepted="true"' not in said
            # Nothing but its refusals: no fragment moved on the refused client either.
            assert all('id="flash"' in m and 'id="ack"' in m for m in sock.received), sock.received
            assert len(sock.received) == len(commands)
        await nothing_more(console, other)
        assert events_of(server, room) == before

        # The console may not answer, over its socket either.
        await console.send({"type": "poll.answer", "poll_id": open_id, "choice": 1, "id": "console-answer"})
        said = await console.until(acked("console-answer"))
        assert flash("Only a participant can answer polls.")(said)
        await nothing_more(other)

        # A participant answers, and only its own phone hears that it counted.
        await settle(phone, console)
        await phone.send({"type": "poll.answer", "poll_id": open_id, "choice": 1, "id": "mine"})
        said = await phone.until(acked("mine"))
        assert 'id="flash"' not in said
        mine = fragment(await phone.until(has("my-polls", COUNTED)), "my-polls")
        assert 'value="1" required checked' in article(mine, open_id)
        shown = fragment(await console.until(has("polls-console", "2 of 2 answered")), "polls-console")
        assert shown_counts(article(shown, open_id)) == [1, 1]
        await nothing_more(other)  # Ben's phone hears nothing of Ana's answer
        await close_all(console, other, *refused.values())

    run(scenario)
    assert bar_counts(poll_of(server, room, open_id)) == [1, 1]

    # Every command refused above was refused for who sent it, not for what it said.
    survey_id = ""
    for body in commands:
        if body["type"] == "poll.open_survey":
            body = {**body, "survey_id": survey_id}
        survey_id = ok(server, room, **body)["reply"].get("survey_id", survey_id)


# -- a poll reaches the phones ---------------------------------------------------


def test_an_opened_poll_reaches_phones_live_and_late_phones_on_their_first_render(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    question = "Which discharge step should we change first?"

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phone_a = await phone_of(server, code, ana["token"])
        first = fragment(await phone_a.until(has("my-polls")), "my-polls")
        assert "phone-poll" not in first
        await settle(console, screen, phone_a)

        # A draft stays off the phones.
        poll_id = new_poll(server, room, "single", question, options="Ward rounds\nPharmacy\nTransport")
        await console.until(has("polls-console", question, "Draft"))
        await drain(phone_a, 0.3)
        assert not any(question in m for m in phone_a.received)

        # Opened: on the phone and on the screen, without a reload.
        await console.send({"type": "poll.open", "poll_id": poll_id, "id": "open-1"})
        await console.until(acked("open-1"))
        shown = fragment(await phone_a.until(has("my-polls", question)), "my-polls")
        card = article(shown, poll_id)
        assert [label.strip() for label in re.findall(r'name="choice" value="\d" required> ([^<]+)</label>', card)] == [
            "Ward rounds",
            "Pharmacy",
            "Transport",
        ]
        assert "Send my answer" in card and COUNTED not in card
        on_screen = fragment(await screen.until(has("poll-screen", question)), "poll-screen")
        assert 'class="poll-screen active"' in on_screen and "Voting open" in on_screen
        assert f'<span class="code">{code}</span>' in on_screen and answered_line(0, 1) in on_screen

        # A phone that joins now sees the open poll at once, on the page and on its socket.
        ben = join(server, code, name="Ben", organisation=RIVER)
        page = httpx.get(f"{server}/r/{code}", headers={"Cookie": cookie_for(code, "participant", ben["token"])})
        assert page.status_code == 200 and question in fragment(page.text, "my-polls")
        phone_b = await phone_of(server, code, ben["token"])
        opening = await phone_b.until(lambda m: 'id="my-polls"' in m)
        assert question in fragment(opening, "my-polls") and COUNTED not in opening
        await screen.until(has("poll-screen", answered_line(0, 2)))
        await settle(phone_a, phone_b, screen)

        # Ana answers: told on her phone, counted on the screen, nothing said to Ben.
        await phone_a.send({"type": "poll.answer", "poll_id": poll_id, "choice": "1", "id": "a-1"})
        card = article(fragment(await phone_a.until(has("my-polls", COUNTED)), "my-polls"), poll_id)
        assert 'value="1" required checked' in card and "Change my answer" in card
        assert "You can change it until the poll closes." in card
        on_screen = fragment(await screen.until(has("poll-screen", answered_line(1, 2))), "poll-screen")
        assert shown_counts(on_screen) == [0, 1, 0]
        poll = poll_of(server, room, poll_id)
        assert (poll["answered"], poll["present"], bar_counts(poll)) == (1, 2, [0, 1, 0])
        await nothing_more(phone_b)

        # She changes her mind: her answer is replaced, not added.
        await settle(phone_a, screen)
        await phone_a.send({"type": "poll.answer", "poll_id": poll_id, "choice": 2, "id": "a-2"})
        card = article(
            fragment(await phone_a.until(has("my-polls", 'value="2" required checked')), "my-polls"), poll_id
        )
        assert 'value="1" required checked' not in card and COUNTED in card
        on_screen = fragment(
            await screen.until(has("poll-screen", '<span class="result-count">1</span> · 100%')), "poll-screen"
        )
        assert shown_counts(on_screen) == [0, 0, 1] and answered_line(1, 2) in on_screen
        poll = poll_of(server, room, poll_id)
        assert (poll["answered"], bar_counts(poll)) == (1, [0, 0, 1])
        answers = [e for e in events_of(server, room) if e["type"] == "poll.answered"]
        assert [e["data"]["value"] for e in answers] == [[1], [2]]
        assert answers[0]["data"]["voter"] == answers[1]["data"]["voter"]

        # The same answer again changes nothing at all.
        before = events_of(server, room)
        await settle(phone_a, screen)
        await phone_a.send({"type": "poll.answer", "poll_id": poll_id, "choice": 2, "id": "a-3"})
        said = await phone_a.until(acked("a-3"))
        assert 'id="flash"' not in said
        await nothing_more(screen)
        assert events_of(server, room) == before

        # Ben answers over HTTP; closing takes the poll off both phones and says so on the screen.
        assert command(server, code, ben["token"], type="poll.answer", poll_id=poll_id, choice=2).status_code == 200
        await phone_b.until(has("my-polls", COUNTED))
        await screen.until(has("poll-screen", answered_line(2, 2)))
        await settle(phone_a, phone_b, screen)
        ok(server, room, type="poll.close", poll_id=poll_id)
        for phone in (phone_a, phone_b):
            emptied = fragment(await phone.until(has("my-polls", without=(question,))), "my-polls")
            assert "phone-poll" not in emptied
        on_screen = fragment(await screen.until(has("poll-screen", "Closed")), "poll-screen")
        assert "vote on your phone" not in on_screen and shown_counts(on_screen) == [0, 0, 2]
        await close_all(console, screen, phone_a, phone_b)
        return poll_id

    poll = poll_of(server, room, run(scenario))
    assert (poll["status"], poll["answered"], bar_counts(poll)) == ("closed", 2, [0, 0, 2])


CONSOLE_FORM = {
    "type": "poll.create",
    "kind": "multiple",
    "question": "Which supports do we lack?",
    "options": "Social workers\r\nTransport\r\nPharmacy\r\n",
    "max_choices": "",
    "scale_max": "5",
    "low_label": "",
    "high_label": "",
    "item_id": "",
    "visibility": "hidden",
    "HEADERS": {"HX-Request": "true", "HX-Trigger": None, "HX-Target": None},
}


def test_the_console_runs_a_poll_with_its_own_forms_and_every_surface_follows(server):
    room, (ana,) = room_with(server, people=[("Ana", NORTH)])
    code = room["code"]
    question = CONSOLE_FORM["question"]

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phone = await phone_of(server, code, ana["token"])
        await settle(console, screen, phone)

        # The console's "Write a poll" form, as htmx sends it: every value as text, blanks included.
        await console.send({**CONSOLE_FORM, "id": "create"})
        said = await console.until(acked("create"))
        assert 'id="flash"' not in said, said
        shown = fragment(await console.until(has("polls-console", question)), "polls-console")
        poll_id = re.search(r'data-poll-id="([^"]+)"', shown).group(1)
        assert "Draft" in article(shown, poll_id) and "results hidden until revealed" in shown

        # Opened from its row: on the phone, on the screen with its results hidden.
        await settle(console, screen, phone)
        await console.send({"type": "poll.open", "poll_id": poll_id, "id": "open", "HEADERS": {}})
        await phone.until(has("my-polls", question, 'name="choices"'))
        on_screen = fragment(await screen.until(has("poll-screen", question)), "poll-screen")
        assert "Results are hidden for now." in on_screen and "result-count" not in on_screen
        await phone.send({"type": "poll.answer", "poll_id": poll_id, "choices": ["0", "2"], "id": "vote"})
        await phone.until(has("my-polls", COUNTED))
        await screen.until(has("poll-screen", answered_line(1, 1)))
        assert "results" not in poll_of(server, room, poll_id, ana["token"])  # hidden from the room's API too

        await console.send({"type": "poll.reveal", "poll_id": poll_id, "shown": "true", "id": "reveal"})
        on_screen = fragment(await screen.until(has("poll-screen", "result-count")), "poll-screen")
        assert shown_counts(on_screen) == [1, 0, 1]
        assert bar_counts(poll_of(server, room, poll_id, ana["token"])) == [1, 0, 1]

        # Reset clears the answers everywhere, the phone's own included.
        await settle(screen, phone)
        await console.send({"type": "poll.reset", "poll_id": poll_id, "confirm": "true", "id": "reset"})
        await screen.until(has("poll-screen", answered_line(0, 1)))
        card = article(fragment(await phone.until(has("my-polls", without=(COUNTED,))), "my-polls"), poll_id)
        assert "Send my answer" in card and "checked" not in card

        # Duplicated: a new draft with the same question; the screen is taken back; then deleted.
        await console.send({"type": "poll.duplicate", "poll_id": poll_id, "id": "dup"})
        shown = fragment(
            await console.until(
                lambda m: (f := fragment(m, "polls-console")) is not None and f.count("data-poll-id=") == 2
            ),
            "polls-console",
        )
        copy_id = next(i for i in re.findall(r'data-poll-id="([^"]+)"', shown) if i != poll_id)
        assert "Draft" in article(shown, copy_id)
        await console.send({"type": "poll.screen", "poll_id": "", "id": "unscreen"})
        on_screen = await screen.until(has("poll-screen", without=(question,)))
        assert 'class="poll-screen"' in fragment(on_screen, "poll-screen")
        await settle(phone)
        await console.send({"type": "poll.delete", "poll_id": poll_id, "confirm": "true", "id": "delete"})
        shown = fragment(
            await console.until(has("polls-console", without=(f'data-poll-id="{poll_id}"',))), "polls-console"
        )
        assert f'data-poll-id="{copy_id}"' in shown
        await phone.until(has("my-polls", without=(question,)))
        assert not any('id="flash"' in m for m in console.received), console.received
        await close_all(console, screen, phone)

    run(scenario)
    assert [(p["id"] != "", p["status"]) for p in polls_seen(server, room)["polls"]] == [(True, "draft")]


# -- bad input ----------------------------------------------------------------------


def test_bad_answers_are_refused_to_their_sender_alone_and_change_nothing(server):
    room, (ana, ben) = room_with(server, people=[("Ana", NORTH), ("Ben", RIVER)])
    code = room["code"]
    single = new_poll(server, room, "single", "Single?", options=["A", "B", "C"], open=True)
    multiple = new_poll(server, room, "multiple", "Multiple?", options=["A", "B", "C"], max_choices=2, open=True)
    scale = new_poll(server, room, "scale", "Scale?", open=True)
    words = new_poll(server, room, "words", "Words?", open=True)
    text = new_poll(server, room, "text", "Text?", open=True)
    ranking = new_poll(server, room, "ranking", "Ranking?", options=["A", "B", "C"], open=True)
    matrix = new_poll(server, room, "matrix", "Matrix?", options=["A", "B"], open=True)
    closed = new_poll(server, room, "single", "Closed?", options=["A", "B"], open=True)
    draft = new_poll(server, room, "single", "Draft?", options=["A", "B"])
    deleted = new_poll(server, room, "single", "Deleted?", options=["A", "B"], open=True)
    ok(server, room, type="poll.close", poll_id=closed)
    ok(server, room, type="poll.delete", poll_id=deleted)
    assert command(server, code, ana["token"], type="poll.answer", poll_id=single, choice=0).status_code == 200
    assert (
        command(
            server, code, ana["token"], type="poll.answer", poll_id=text, text="Call transport the day before"
        ).status_code
        == 200
    )

    cases = [  # (answer fields, status, what the sender is told)
        ({"poll_id": closed, "choice": 0}, 409, "This poll is closed."),
        ({"poll_id": draft, "choice": 0}, 409, "This poll is not open yet."),
        ({"poll_id": "nosuchpoll", "choice": 0}, 404, "There is no such poll; it may have been deleted."),
        ({"poll_id": deleted, "choice": 0}, 404, "There is no such poll; it may have been deleted."),
        ({"poll_id": single, "choice": 3}, 400, "That option is not part of this poll."),
        ({"poll_id": single, "choice": -1}, 400, "That option is not part of this poll."),
        ({"poll_id": multiple, "choices": [0, 7]}, 400, "That option is not part of this poll."),
        ({"poll_id": multiple, "choices": [0, 1, 2]}, 400, "Pick at most 2 options."),
        ({"poll_id": multiple, "choices": None}, 400, "Pick at least one option."),
        ({"poll_id": scale, "value": 6}, 400, "Choose a rating from 1 to 5."),
        ({"poll_id": words, "words": None}, 400, "Type a word or a short phrase."),
        ({"poll_id": ranking, "order": [0, 0, 1]}, 400, "Put every option in a place, each once."),
        ({"poll_id": matrix, "impact": [3], "effort": [3, 3]}, 400, "Place every option on impact and on effort."),
        ({"poll_id": matrix, "impact": [3, 9], "effort": [3, 3]}, 400, "Impact and effort go from 1 to 5."),
        ({"poll_id": single, "choice": "the second"}, 400, "choice: Input should be a valid integer"),
        ({"poll_id": single, "choice": [1]}, 400, "choice: Input should be a valid integer"),
        ({"poll_id": multiple, "choices": {"0": True}}, 400, "choices.0: Input should be a valid integer"),
        ({"poll_id": scale, "value": "high"}, 400, "value: Input should be a valid integer"),
        ({"poll_id": 12, "choice": 0}, 400, "poll_id: Input should be a valid string"),
        ({"poll_id": single, "choice": 0, "voter": "someone"}, 400, "Unexpected field: voter."),
        ({"poll_id": text, "text": "x" * 501}, 400, "Your answer is too long: "),
        ({"poll_id": text, "text": "   "}, 400, "Type an answer first."),
        ({"poll_id": words, "words": ["lean", "flow", "pull", "kanban"]}, 400, "words: "),
        ({"poll_id": words, "words": ["w" * 41]}, 400, "Entry 1 of your words is too long: "),
    ]
    before = events_of(server, room)
    polls_before = polls_seen(server, room)

    for fields, status, said in cases:
        response = command(server, code, ana["token"], type="poll.answer", **fields)
        assert response.status_code == status, (fields, response.text)
        error = response.json()["error"]
        assert error.startswith(said), (fields, error)
        if said.endswith(": "):  # an oversized field or list: the limit is named
            assert re.search(r"at most \d+", error), error
    huge = command(server, code, ana["token"], type="poll.answer", poll_id=text, text="x" * 70_000)
    assert huge.status_code == 413 and "too large" in huge.json()["error"]
    assert events_of(server, room) == before
    assert polls_seen(server, room) == polls_before

    async def scenario():
        phone_a = await phone_of(server, code, ana["token"])
        phone_b = await phone_of(server, code, ben["token"])
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        await settle(phone_a, phone_b, console, screen)

        for index, (fields, _status, said) in enumerate(cases):
            await phone_a.send({"type": "poll.answer", **fields, "id": f"bad-{index}"})
            message = await phone_a.until(acked(f"bad-{index}"))
            assert flash(said)(message), (fields, message)
        await phone_a.send(json.dumps({"type": "poll.answer", "poll_id": text, "text": "x" * 20_000}))
        await phone_a.until(flash("That message is too large"))
        await phone_a.send('{"type": "poll.answer", "poll_id": ')
        await phone_a.until(flash("That message was not valid JSON."))
        # The refused phone got its refusals and nothing else; nobody else got anything.
        assert all('id="flash"' in m for m in phone_a.received), phone_a.received
        await nothing_more(phone_b, console, screen)

        # Its socket still works: a good answer goes through.
        await phone_a.send({"type": "poll.answer", "poll_id": scale, "value": 4, "id": "good"})
        await phone_a.until(has("my-polls", 'value="4" required checked'))
        await close_all(phone_a, phone_b, console, screen)

    run(scenario)
    after = events_of(server, room)
    assert after[:-1] == before and after[-1]["type"] == "poll.answered" and after[-1]["data"]["value"] == 4


# -- anonymity ------------------------------------------------------------------------


PEOPLE = [
    ("Zelda Quimby", "Wombat Valley Trust"),
    ("Yorick Pennant", "Heron Bay Clinic"),
    ("Xanthe Morrow", "Wombat Valley Trust"),
    ("Wilfred Ashgrove", "Lark Hill Hospital"),
]


def answers_of(person: int, polls: dict[str, str]) -> list[dict]:
    """What the n-th person answers to each kind of poll: different for everyone, naming no one."""
    return [
        {"poll_id": polls["single"], "choice": person % 3},
        {"poll_id": polls["multiple"], "choices": [person % 3, (person + 1) % 3]},
        {"poll_id": polls["scale"], "value": 1 + person},
        {"poll_id": polls["words"], "words": [["lean", "flow"], ["pull"], ["lean", "kanban"], ["huddle"]][person]},
        {"poll_id": polls["text"], "text": f"Idea number {person + 1}: phone the carers a day earlier"},
        {"poll_id": polls["ranking"], "order": [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]][person]},
        {"poll_id": polls["matrix"], "impact": [1 + person, 5 - person, 3], "effort": [2, 1 + person, 4]},
    ]


def test_results_never_say_who_answered_what(server):
    room, people = room_with(server, people=PEOPLE)
    code = room["code"]
    ids = [person["participant_id"] for person in people]
    options = ["Discharge lounge", "Pharmacy rounds", "Transport desk"]
    polls = {
        kind: new_poll(
            server,
            room,
            kind,
            f"The {kind} question",
            open=True,
            **({"options": options} if kind in ("single", "multiple", "ranking", "matrix") else {}),
        )
        for kind in ("single", "multiple", "scale", "words", "text", "ranking", "matrix")
    }
    hidden = new_poll(server, room, "text", "The hidden question", visibility="hidden", open=True)
    identities = [
        *ids,
        *(name for name, _ in PEOPLE),
        *(name.split()[0] for name, _ in PEOPLE),
        *(organisation for _, organisation in PEOPLE),
    ]

    def names_nobody(where: str, text: str) -> None:
        for identity in identities:
            assert identity not in text, (where, identity)

    async def scenario():
        console = await staff(server, room, "console")
        screen = await staff(server, room, "screen")
        phones = [await phone_of(server, code, person["token"]) for person in people]
        for person, phone in enumerate(phones):
            for index, body in enumerate([*answers_of(person, polls), {"poll_id": hidden, "text": "Quietly"}]):
                await phone.send({"type": "poll.answer", **body, "id": f"p{person}-{index}"})
                said = await phone.until(acked(f"p{person}-{index}"))
                assert 'id="flash"' not in said, said
        await console.until(
            lambda m: (f := fragment(m, "polls-console")) is not None and f.count("4 of 4 answered") == len(polls) + 1
        )
        shown = latest(console, "polls-console")
        names_nobody("console", shown)
        for person in range(len(people)):
            assert f"Idea number {person + 1}: phone the carers a day earlier" in shown  # the texts are there

        # Each poll on the screen in turn.
        for kind, poll_id in [*polls.items(), ("hidden", hidden)]:
            ok(server, room, type="poll.screen", poll_id=poll_id)
            on_screen = fragment(
                await screen.until(has("poll-screen", f"The {kind} question", answered_line(4, 4))), "poll-screen"
            )
            names_nobody(f"screen, {kind}", on_screen)
        assert "Quietly" not in on_screen  # hidden results stay hidden

        # Each phone sees its own answers, and nobody else's.
        for person, phone in enumerate(phones):
            mine = fragment(
                await phone.until(
                    lambda m: (f := fragment(m, "my-polls")) is not None and f.count(COUNTED) == len(polls) + 1
                ),
                "my-polls",
            )
            names_nobody(f"phone {person}", mine)
            assert f"Idea number {person + 1}:" in mine
            assert not any(f"Idea number {other + 1}:" in mine for other in range(len(people)) if other != person)
        await close_all(console, screen, *phones)

    run(scenario)

    # The pages' first paint, too.
    console_page = httpx.get(
        f"{server}/r/{code}/console", headers={"Cookie": cookie_for(code, "facilitator", room["tokens"]["facilitator"])}
    )
    assert any(name in console_page.text for name, _ in PEOPLE)  # the roster names people, by design
    names_nobody("console page", fragment(console_page.text, "polls-console"))
    screen_page = httpx.get(
        f"{server}/r/{code}/screen", headers={"Cookie": cookie_for(code, "screen", room["tokens"]["screen"])}
    )
    names_nobody("screen page", fragment(screen_page.text, "poll-screen"))

    # The state API, whoever asks.
    events = events_of(server, room)
    voters = [e["data"]["voter"] for e in events if e["type"] == "poll.answered"]
    for role, token in [
        ("facilitator", room["tokens"]["facilitator"]),
        ("scribe", room["tokens"]["scribe"]),
        ("screen", room["tokens"]["screen"]),
        ("participant", people[0]["token"]),
    ]:
        seen = json.dumps(polls_seen(server, room, token))
        names_nobody(f"state as {role}", seen)
        assert not any(voter in seen for voter in voters), role
        assert "Idea number 3" in seen  # results are there, as counts and texts
    state = state_of(server, room)
    assert {p["name"] for p in state["participants"]} == {name for name, _ in PEOPLE}
    by_id = {p["id"]: p for p in polls_seen(server, room)["polls"]}
    assert bar_counts(by_id[polls["single"]]) == [2, 1, 1]
    assert by_id[polls["scale"]]["results"]["average"] == 2.5
    assert by_id[hidden]["results"]["texts"] == ["Quietly"] * 4  # the facilitator sees hidden results
    assert "results" not in poll_of(server, room, hidden, people[0]["token"])

    # The log: no poll event names a participant, and each answer is filed under a pseudonym
    # of its own poll, so one person's answers cannot be linked across polls.
    poll_events = [e for e in events if e["type"].startswith("poll.")]
    answered = [e for e in poll_events if e["type"] == "poll.answered"]
    assert len(answered) == len(people) * (len(polls) + 1)
    for event in poll_events:
        names_nobody(f"event {event['seq']}", json.dumps(event))
    for event in answered:
        assert set(event["data"]) == {"poll_id", "voter", "value"}
    assert len(set(voters)) == len(voters)
    for poll_id in [*polls.values(), hidden]:
        assert len({e["data"]["voter"] for e in answered if e["data"]["poll_id"] == poll_id}) == len(people)


# -- a burst ---------------------------------------------------------------------------


VOTERS = 100
SPLIT = (50, 30, 20)  # votes per option
MAX_SCREEN_PUSHES = 30


def test_a_burst_of_a_hundred_votes_is_counted_exactly_and_drawn_a_few_times(server):
    room = create_room(server)
    code = room["code"]

    async def joins() -> list[dict]:
        async with httpx.AsyncClient(timeout=30) as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"{server}/api/rooms/{code}/join",
                        json={"name": f"Voter {i}", "organisation": f"Org {i % 5}", "accept_confidentiality": True},
                    )
                    for i in range(VOTERS)
                )
            )
        assert [r.status_code for r in responses] == [201] * VOTERS
        return [r.json() for r in responses]

    voters = run(joins)
    choices = [option for option, count in enumerate(SPLIT) for _ in range(count)]

    async def scenario():
        screen = await staff(server, room, "screen")
        phones = await asyncio.gather(*(phone_of(server, code, voter["token"]) for voter in voters))
        await screen.until(lambda m: f'data-count="online">{VOTERS}<' in m, timeout=15)
        poll_id = new_poll(
            server, room, "single", "Which change first?", options=["Lounge", "Pharmacy", "Transport"], open=True
        )
        await asyncio.gather(*(phone.until(has("my-polls", poll_id), timeout=15) for phone in phones))
        await screen.until(has("poll-screen", answered_line(0, VOTERS)))
        await settle(screen)
        for phone in phones:
            phone.received.clear()

        started = time.perf_counter()
        await asyncio.gather(
            *(
                phone.send({"type": "poll.answer", "poll_id": poll_id, "choice": choice, "id": f"burst-{i}"})
                for i, (phone, choice) in enumerate(zip(phones, choices, strict=True))
            )
        )
        sent = time.perf_counter() - started
        await asyncio.gather(*(phone.until(has("my-polls", COUNTED), timeout=20) for phone in phones))
        confirmed = time.perf_counter() - started
        final = fragment(
            await screen.until(has("poll-screen", answered_line(VOTERS, VOTERS)), timeout=20), "poll-screen"
        )
        drawn = time.perf_counter() - started
        await drain(screen, 0.4)  # anything pushed after the final count
        pushes = pushes_of(screen, "poll-screen")
        print(
            f"\n[polls] {VOTERS} votes sent in {sent * 1000:.0f} ms, all confirmed in {confirmed * 1000:.0f} ms, "
            f"final count on the screen after {drawn * 1000:.0f} ms in {len(pushes)} pushes"
        )
        assert sent < 1.0
        assert 1 <= len(pushes) < MAX_SCREEN_PUSHES
        assert pushes[-1] == final
        assert shown_counts(final) == list(SPLIT)
        for phone, choice in zip(phones, choices, strict=True):
            assert f'value="{choice}" required checked' in latest(phone, "my-polls")
            assert not any('id="flash"' in m for m in phone.received)
        await close_all(screen, *phones)
        return poll_id

    poll_id = run(scenario, limit=90)
    poll = poll_of(server, room, poll_id)
    assert (poll["answered"], poll["present"], bar_counts(poll)) == (VOTERS, VOTERS, list(SPLIT))
    assert [bar["percent"] for bar in poll["results"]["bars"]] == list(SPLIT)
    answered = [e for e in events_of(server, room) if e["type"] == "poll.answered"]
    assert len(answered) == VOTERS and len({e["data"]["voter"] for e in answered}) == VOTERS
