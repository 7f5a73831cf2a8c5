"""The run of show and the phone's agenda through the real server: pages and WebSocket pushes.

Phones are most of the room's connections: the cockpit must add nothing to the phone page, and
the phone's agenda must cost phones nothing while an item merely runs (a pause, a minute added).
"""

import re

import httpx

from tests.live import add_item, cookie_for, drain, fragment, has, ok, phone_of, room_with, run, settle, staff

# What only the console carries: shortcuts, tabs, the run of show and its script.
COCKPIT_MARKUP = ("data-key", "cockpit", "run-of-show", "shortcuts", 'role="tab"', "data-fixed", "data-behind")


def phone_page(server: str, room: dict, person: dict) -> str:
    code = room["code"]
    response = httpx.get(f"{server}/r/{code}", headers={"Cookie": cookie_for(code, "participant", person["token"])})
    assert response.status_code == 200
    return response.text


def test_the_phone_page_carries_its_folded_agenda_and_nothing_of_the_cockpit(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    empty = phone_page(server, room, ana)
    assert not any(marker in empty for marker in COCKPIT_MARKUP)
    for n in range(10):
        add_item(server, room, kind="discussion", title=f"Round {n}", minutes=10)
    ok(server, room, type="timer.start")
    page = phone_page(server, room, ana)
    assert not any(marker in page for marker in COCKPIT_MARKUP)
    agenda = fragment(page, "agenda-phone")
    assert agenda is not None and agenda.startswith("<details") and " open" not in agenda.split(">")[0]
    assert agenda.count('aria-current="step"') == 1
    # Light: a title and a length per item, and little else.
    assert len(agenda.encode()) <= 200 + 10 * (len("Round 0") + 30)
    console = httpx.get(
        f"{server}/r/{room['code']}/console",
        headers={"Cookie": cookie_for(room["code"], "facilitator", room["tokens"]["facilitator"])},
    ).text
    assert all(marker in console for marker in COCKPIT_MARKUP)


def test_pausing_sends_phones_no_agenda_but_the_console_a_new_run_of_show(server):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    add_item(server, room, kind="discussion", title="Warm-up", minutes=10)
    add_item(server, room, kind="discussion", title="Take-home", minutes=10)

    async def scenario():
        phone = await phone_of(server, room["code"], ana["token"])
        console = await staff(server, room, "console")
        await settle(phone, console)
        ok(server, room, type="timer.start")
        await phone.until(has("agenda-phone", 'aria-current="step"', "Warm-up"))
        await console.until(has("run-of-show", "Take-home", "data-behind"))
        await settle(phone, console)
        ok(server, room, type="timer.pause")
        # Paused: the end is what is left plus the next item, from whenever the clock resumes.
        ends = await console.until(has("run-of-show", "Take-home"))
        after_now = re.search(r'class="ends">Ends about <strong><time data-fixed="\d+" data-after-now="(\d+)"', ends)
        assert after_now and 1_100_000 < int(after_now.group(1)) <= 1_200_000
        await phone.until(has("clock-phone", "paused"))
        await drain(phone)
        assert all(fragment(message, "agenda-phone") is None for message in phone.received)

    run(scenario)
