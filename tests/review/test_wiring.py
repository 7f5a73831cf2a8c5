"""A series through the real server: the facilitator of an ended exchange plans the next one from
its form; the new exchange opens with a review of commitments that the screen shows over its
WebSocket; a phone of the presenting organisation updates a milestone, which is written in the
exchange the plan was made in and reaches the new exchange's screen; the scribe's notes attach to
the review item; the two exchanges link to each other and the home page lists them in order."""

import re

import httpx

from tests.live import cookie_for, ended_with_plans, events_of, has, join, ok, room_with, run, staff, state_of
from tests.scribe.test_wiring import cookie

PEOPLE = [("Ana Lopez", "St Marys"), ("Ben Okafor", "Northfield")]  # no apostrophes: fragments are escaped


def ended(base: str) -> tuple[dict, dict, dict]:
    room, (ana, ben), plans = ended_with_plans(base, PEOPLE, organisations=["St Marys", "Northfield"])
    return room, {"ana": ana, "ben": ben}, plans


def plan_next(base: str, room: dict, **changes) -> tuple[httpx.Response, dict]:
    """Post the next exchange's form as the facilitator's browser: the page, and the new room
    as tests/live.py describes rooms (code, tokens), from the links the page shows once."""
    as_facilitator = cookie(room, "facilitator")
    form = httpx.get(f"{base}/r/{room['code']}/next", headers=as_facilitator)
    assert form.status_code == 200
    fields = dict(re.findall(r'<input name="(\w+)"[^>]*value="([^"]*)"', form.text))
    fields |= {name: value for name, value in re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', form.text)}
    fields = {name: value.replace("&#39;", "'").replace("&amp;", "&") for name, value in fields.items()}
    page = httpx.post(f"{base}/r/{room['code']}/next", data=fields | changes, headers=as_facilitator)
    code = re.search(r'id="room-code">(\w+)<', page.text)
    if code is None:
        return page, {}
    tokens = dict(re.findall(r"/r/\w+/(console|scribe|screen)\?key=([\w-]+)", page.text))
    roles = {"console": "facilitator", "scribe": "scribe", "screen": "screen"}
    new = {"code": code.group(1), "tokens": {roles[k]: v for k, v in tokens.items()}, "links": room["links"]}
    return page, new


def test_the_next_exchange_carries_over_the_last_links_both_ways_and_opens_with_the_review(server):
    room, _, _ = ended(server)
    page, new = plan_next(server, room, title="Reducing discharge delays, part 2")
    assert page.status_code == 200 and new, page.text
    assert f"fac_{new['code']}_facilitator=" in page.headers["set-cookie"]
    state = state_of(server, new)
    assert state["title"] == "Reducing discharge delays, part 2"
    assert state["organisations"] == ["St Marys", "Northfield"]
    assert state["confidentiality"] == "What is said here stays here."
    assert state["previous"] == {"code": room["code"], "title": "Reducing discharge delays"}
    assert state["timers"]["items"][0]["title"] == "Review of commitments"
    assert state_of(server, room)["next"] == {"code": new["code"], "title": "Reducing discharge delays, part 2"}

    console = httpx.get(f"{server}/r/{room['code']}/console", headers=cookie(room, "facilitator"))
    assert new["code"] in console.text and "Followed by" in console.text
    again = httpx.get(f"{server}/r/{room['code']}/next", headers=cookie(room, "facilitator"))
    assert again.status_code == 409 and "already planned" in again.text
    home = httpx.get(
        f"{server}/",
        headers={
            "Cookie": "; ".join(
                [
                    cookie_for(room["code"], "facilitator", room["tokens"]["facilitator"]),
                    cookie_for(new["code"], "facilitator", new["tokens"]["facilitator"]),
                ]
            )
        },
    )
    listed = re.search(r'<li class="series">.*?</ol>', home.text, re.DOTALL)
    assert listed is not None
    assert listed.group(0).index(room["code"]) < listed.group(0).index(new["code"])


def test_planning_the_next_exchange_is_refused_before_the_end_and_to_anyone_but_the_facilitator(server):
    room, (ana,) = room_with(server, [("Ana Lopez", "St Marys")])
    early = httpx.get(f"{server}/r/{room['code']}/next", headers=cookie(room, "facilitator"))
    assert early.status_code == 409 and "End this exchange" in early.text
    refused = httpx.get(f"{server}/r/{room['code']}/next", headers=cookie(room, "participant", ana["token"]))
    assert refused.status_code == 403 and "Only the facilitator can plan the next exchange." in refused.text
    ok(server, room, type="room.end")
    _, new = plan_next(server, room, title="")
    assert not new  # an empty title is said, and nothing is created


def test_during_the_review_a_presenting_phone_updates_the_earlier_plan_and_the_screen_shows_it(server):
    room, people, plans = ended(server)
    _, new = plan_next(server, room)
    cleo = join(server, new["code"], "Cleo Reyes", "St Marys")
    dan = join(server, new["code"], "Dan Moss", "Northfield")
    mine = plans[people["ana"]["participant_id"]]

    async def scenario():
        screen = await staff(server, new, "screen")
        ok(server, new, type="timer.start")
        await screen.until(has("review-screen", "Review of commitments", "Up first: St Marys"))
        ok(server, new, type="review.present", organisation="St Marys")
        await screen.until(has("review-screen", "St Marys", "Pilot on ward 4", "Not started"))

        as_cleo = cookie(new, "participant", cleo["token"])
        update = {"plan_id": mine, "milestone": "30", "status": "on_track", "note": "Open on weekdays"}
        saved = httpx.post(f"{server}/r/{new['code']}/review", data=update, headers=as_cleo)
        assert saved.status_code == 303, saved.text
        await screen.until(has("review-screen", "On track"))

        as_dan = cookie(new, "participant", dan["token"])
        refused = httpx.post(f"{server}/r/{new['code']}/review", data=update | {"plan_id": mine}, headers=as_dan)
        assert refused.status_code == 403 and "Only St Marys&#39;s participants" in refused.text

        ok(server, new, type="note.post", text="Ward 4 pilot is live")
        await screen.connection.close()

    run(scenario)
    # Written in the exchange of the plan, with who made it there; nothing about it in the new one.
    update = [e for e in events_of(server, room) if e["type"] == "milestone.updated"][-1]
    assert update["data"]["via"] == new["code"] and update["data"]["name"] == "Cleo Reyes"
    assert update["data"]["status"] == "on_track"
    assert not [e for e in events_of(server, new) if e["type"].startswith("milestone.")]
    # The scribe's note attaches to the review item.
    item = state_of(server, new)
    note = next(e for e in events_of(server, new) if e["type"] == "note.posted")
    review_item = next(e for e in events_of(server, new) if e["type"] == "review.opened")["data"]["item_id"]
    assert note["data"]["item_id"] == review_item, item
