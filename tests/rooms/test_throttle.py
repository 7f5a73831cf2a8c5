"""The throttle: its sliding windows as pure functions of a clock we move by hand, then every edge
through a real server: an HTTP flood refused with 429 and Retry-After while others go on, one
count per actor over HTTP and the WebSocket together, joins and new exchanges per address, and the
limit of three questions a minute, which a refused or repeated question does not use up."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from facilitator.features import RULES
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.throttle import Limit, Throttle, Windows
from tests.live import (
    close_all,
    command,
    create_room,
    events_of,
    flash,
    join,
    phone_of,
    room_with,
    run,
    running_server,
    settle,
)

QUESTIONS = Limit(3, 60.0, "You can ask 3 questions a minute")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def windows(max_keys: int = 100) -> tuple[Windows, Clock]:
    clock = Clock()
    return Windows(max_keys, clock), clock


# -- the windows, pure ----------------------------------------------------------------


def test_a_fourth_act_within_the_window_waits_for_the_oldest_to_leave_it():
    counts, clock = windows()
    start = clock.now
    for offset in (0, 1, 2):
        clock.now = start + offset
        assert counts.take("ana", QUESTIONS) == 0
    clock.now = start + 2.5
    assert counts.take("ana", QUESTIONS) == pytest.approx(57.5)  # the first leaves at start + 60
    clock.now = start + 30
    assert counts.take("ana", QUESTIONS) == pytest.approx(30)
    clock.now = start + 60  # exactly a minute after the first: it has left
    assert counts.take("ana", QUESTIONS) == 0
    clock.now = start + 60.2  # now start + 1, + 2 and + 60 are in the window
    assert counts.take("ana", QUESTIONS) == pytest.approx(0.8)
    clock.now = start + 61
    assert counts.take("ana", QUESTIONS) == 0


def test_a_refused_act_is_not_counted_and_a_given_back_act_frees_its_place():
    counts, clock = windows()
    for _ in range(3):
        counts.take("ana", QUESTIONS)
    for _ in range(10):  # asking again and again does not push the wait further
        assert counts.take("ana", QUESTIONS) == pytest.approx(60)
    counts.give_back("ana")
    assert counts.take("ana", QUESTIONS) == 0
    counts.give_back("nobody")  # nothing to give back: nothing happens


def test_one_key_does_not_count_against_another():
    counts, _ = windows()
    for _ in range(3):
        counts.take("ana", QUESTIONS)
    assert counts.take("ana", QUESTIONS) > 0
    assert counts.take("ben", QUESTIONS) == 0


def test_idle_keys_are_forgotten_and_a_flood_of_keys_stays_within_the_bound():
    counts, clock = windows(max_keys=100)
    second = Limit(5, 1.0)
    for n in range(50):
        counts.take(f"idle {n}", second)
    clock.now += 2  # all fifty have emptied their windows
    counts.take("new", second)
    assert len(counts) == 1
    for n in range(10_000):
        counts.take(f"flood {n}", second)
        assert len(counts) <= 100


def test_a_refusal_says_the_whole_seconds_to_wait_and_carries_them():
    error = QUESTIONS.refusal(40.2)
    assert (error.status, error.retry_after) == (429, 41)
    assert error.message == "You can ask 3 questions a minute; please wait 41 seconds."
    assert QUESTIONS.refusal(0.3).message == "You can ask 3 questions a minute; please wait 1 second."


# -- the throttle's keys -----------------------------------------------------------------


def admit_many(throttle: Throttle, room: str, actor: Actor, kind: str = "room.lock", times: int = 1) -> list[str]:
    """Send `times` commands; the refusals' messages."""
    refused = []
    for _ in range(times):
        try:
            throttle.admit(room, actor, RULES.parse({"type": kind}))
        except CommandError as error:
            refused.append(error.message)
    return refused


def test_commands_count_per_actor_per_room_and_the_server_itself_is_never_held_back():
    throttle = Throttle(commands=Limit(2, 10.0, "Too quick"), clock=Clock())
    ana, ben = Actor(Role.PARTICIPANT, "ana", "k"), Actor(Role.PARTICIPANT, "ben", "k")
    assert admit_many(throttle, "ROOM01", ana, times=3) == ["Too quick; please wait 10 seconds."]
    assert admit_many(throttle, "ROOM01", ben, times=2) == []
    assert admit_many(throttle, "ROOM02", ana, times=2) == []
    assert admit_many(throttle, "ROOM01", Actor(Role.FACILITATOR), times=2) == []
    assert admit_many(throttle, "ROOM01", Actor(Role.SYSTEM), times=50) == []
    assert admit_many(throttle, "ROOM01", Actor(Role.VISITOR), times=50) == []  # counted by address


def test_a_commands_own_limit_is_given_back_when_it_changed_nothing():
    throttle = Throttle(clock=Clock())  # no limit per actor: a command's own limit holds all the same
    ana = Actor(Role.PARTICIPANT, "ana", "k")
    ask = RULES.parse({"type": "question.ask", "text": "Why?"})
    for _ in range(3):
        throttle.admit("ROOM01", ana, ask)
    with pytest.raises(CommandError) as refused:
        throttle.admit("ROOM01", ana, ask)
    assert refused.value.message == "You can ask 3 questions a minute; please wait 60 seconds."
    throttle.windows.give_back(("question.ask", "ROOM01", ana.key))
    throttle.admit("ROOM01", ana, ask).give_back()
    throttle.admit("ROOM01", ana, ask)


# -- through a real server -----------------------------------------------------------------


@pytest.fixture
def limited(settings):
    """A server with small limits, so that a test reaches them in a few requests."""
    tight = settings.model_copy(
        update={
            "commands_per_actor": 5,
            "commands_per_actor_seconds": 60.0,
            "joins_per_address": 4,
            "rooms_per_address": 2,
        }
    )
    with running_server(tight) as base:
        yield base


def test_an_http_flood_of_one_participant_is_refused_while_another_carries_on(limited):
    room, (ana, ben) = room_with(limited, people=[("Ana", "St Mary's"), ("Ben", "St Mary's")])
    code = room["code"]
    before = len(events_of(limited, room))

    def send(n: int) -> httpx.Response:
        return command(limited, code, ana["token"], type="hand.lower" if n % 2 else "hand.raise")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(40)))
    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(answers) - len(refused) == 5, [answer.status_code for answer in answers]
    for answer in refused:
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
        error = answer.json()["error"]
        assert error.startswith("You are sending commands too quickly; please wait ") and error.endswith(" seconds.")
    assert len(events_of(limited, room)) - before <= 5
    # Ben is not held back by Ana's flood.
    for kind in ("hand.raise", "hand.lower"):
        assert command(limited, code, ben["token"], type=kind).status_code == 200


def test_one_actor_has_one_count_over_the_websocket_and_http_together(limited):
    room, (ana,) = room_with(limited, people=[("Ana", "St Mary's")])
    code = room["code"]

    async def scenario():
        phone = await phone_of(limited, code, ana["token"])
        await settle(phone)
        for n in range(3):
            await phone.send({"type": "hand.raise" if n % 2 == 0 else "hand.lower", "id": f"ws-{n}"})
            said = await phone.until(lambda m, n=n: f'data-command-id="ws-{n}"' in m)
            assert 'data-accepted="true"' in said
        for kind in ("hand.lower", "hand.raise"):  # the fourth and fifth
            assert command(limited, code, ana["token"], type=kind).status_code == 200
        assert command(limited, code, ana["token"], type="hand.lower").status_code == 429
        await phone.send({"type": "hand.lower", "id": "ws-late"})
        said = await phone.until(lambda m: 'data-command-id="ws-late"' in m)
        assert flash("You are sending commands too quickly; please wait")(said) and 'data-accepted="false"' in said
        # The socket stays open: it still answers.
        await phone.send({"type": "clock.sync", "sent": 5})
        await phone.until(lambda m: 'id="server-clock"' in m)
        await close_all(phone)

    run(scenario)


def test_new_exchanges_are_limited_per_address_over_the_api_and_the_form(limited):
    create_room(limited)
    create_room(limited)
    refused = httpx.post(f"{limited}/api/rooms", json={"title": "T", "confidentiality": "c"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"].startswith("Too many exchanges were created from this network just now")
    page = httpx.post(f"{limited}/rooms", data={"title": "Third", "confidentiality": "c"})
    assert page.status_code == 429
    assert "Too many exchanges were created from this network just now" in page.text
    assert "Third" in page.text  # the form keeps what was typed


def test_joins_are_limited_per_address_over_the_api_and_the_form(limited):
    room = create_room(limited)
    code = room["code"]
    for name in ("Ana", "Ben", "Cai", "Dev"):
        join(limited, code, name=name)
    refused = httpx.post(
        f"{limited}/api/rooms/{code}/join", json={"name": "Eve", "organisation": "Org", "accept_confidentiality": True}
    )
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"].startswith("Too many people joined from this network just now")
    page = httpx.post(
        f"{limited}/join",
        data={
            "code": code,
            "name": "Eve",
            "organisation": "Org",
            "accept": "yes",
            "command_id": secrets.token_urlsafe(8),
        },
    )
    assert page.status_code == 429 and "Too many people joined from this network just now" in page.text
    assert "Eve" not in {
        p["name"]
        for p in httpx.get(
            f"{limited}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {room['tokens']['facilitator']}"}
        ).json()["participants"]
    }


def test_a_question_refused_or_sent_twice_does_not_count_towards_three_a_minute(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]

    def ask(text: str, **fields) -> httpx.Response:
        return command(server, code, ana["token"], type="question.ask", text=text, **fields)

    flagged = "Could we write to ward.manager@example.org about it?"
    assert ask(flagged, id="first").status_code == 422  # looks like an e-mail address: confirm first
    assert ask(flagged, id="first", confirm_identifiers=True).status_code == 200
    repeated = ask(flagged, id="first", confirm_identifiers=True)
    assert repeated.status_code == 200 and repeated.json()["duplicate"] is True
    assert ask("", id="empty").status_code == 400
    assert ask("Second?").status_code == 200
    assert ask("Third?").status_code == 200
    fourth = ask("Fourth?")
    assert fourth.status_code == 429 and "Retry-After" in fourth.headers
    assert len([e for e in events_of(server, room) if e["type"] == "question.asked"]) == 3
