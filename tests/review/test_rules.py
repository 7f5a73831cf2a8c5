"""Pure tests of a series of exchanges: linking them, the review of commitments at the top of the
next one's agenda, stepping through the organisations, what the screen shows of the plans made at
the exchange before, and a phone's update checked in the new exchange and written in the old one.

decide and apply with the time passed in; no I/O, no clock.
"""

from facilitator.followup.model import followup_of
from facilitator.review import views
from facilitator.review.model import REVIEW_TITLE, review_of
from facilitator.review.pages import carried_over, reviewed
from facilitator.rooms.model import Linked
from facilitator.rooms.pages import series
from facilitator.rooms.views import Scene
from tests.pure import FACILITATOR, SCRIBE, SYSTEM, T0, decide, person, refusal, room_with, run

PEOPLE = [("Ana Lopez", "St Mary's"), ("Ben Okafor", "Northfield Trust")]
MINUTE = 60_000


def earlier():
    """The exchange before: each organisation made one plan; it has ended."""
    r = room_with(people=PEOPLE, organisations=["Northfield Trust", "St Mary's"])
    plans = {}
    for name, pid in r.people.items():
        saved = r.do(person(pid), {"type": "plan.save", "change": f"Lounge of {name}", "milestone_30": "Pilot"}, T0)
        plans[name] = saved[0].data["plan_id"]
    r.do(FACILITATOR, {"type": "room.end"}, T0)
    return r, plans


def following(before):
    """The next exchange, linked both ways, with the review at the top of its agenda."""
    r = room_with(
        people=[("Cleo Reyes", "St Mary's"), ("Dan Moss", "Northfield Trust")],
        organisations=["Northfield Trust", "St Mary's"],
    )
    r.state.code = "NEXT23"
    r.do(SYSTEM, {"type": "room.link", "relation": "previous", "code": before.state.code, "title": "First"}, T0)
    before.do(SYSTEM, {"type": "room.link", "relation": "next", "code": "NEXT23", "title": "Second"}, T0)
    item = r.do(FACILITATOR, {"type": "agenda.add", "title": REVIEW_TITLE, "minutes": 30, "position": 0}, T0)
    item_id = item[0].data["item"]["id"]
    orgs = reviewed(before.state, r.state.organisations)
    r.do(FACILITATOR, {"type": "review.open", "item_id": item_id, "organisations": orgs}, T0)
    return r, item_id


def relay_of(r, actor, plan_id, status="on_track", note=""):
    raw = {"type": "review.update", "plan_id": plan_id, "milestone": "30", "status": status, "note": note}
    decision = decide(r.state, actor, raw, T0 + MINUTE)
    assert decision.events == []  # nothing is written in the new exchange
    return decision.reply["relay"]


def test_exchanges_link_each_way_once_and_only_the_server_links_them():
    before, _ = earlier()
    after, _ = following(before)
    assert after.state.previous == Linked(before.state.code, "First")
    assert before.state.next == Linked("NEXT23", "Second")
    again = {"type": "room.link", "relation": "next", "code": "OTHER2", "title": "Third"}
    assert refusal(before.state, SYSTEM, again).status == 409
    assert refusal(before.state, FACILITATOR, again).status == 403
    itself = {"type": "room.link", "relation": "next", "code": after.state.code}
    assert "cannot follow itself" in refusal(after.state, SYSTEM, itself).message


def test_the_next_exchange_carries_over_the_title_charter_organisations_and_confidentiality():
    before, _ = earlier()
    form = carried_over(before.state)
    assert form["title"] == before.state.title
    assert form["focus"] == before.state.charter.focus
    assert form["organisations"] == "Northfield Trust\nSt Mary's"
    assert form["confidentiality"] == before.state.confidentiality


def test_the_review_goes_through_the_organisations_with_plans_in_the_new_exchanges_order():
    before, _ = earlier()
    assert reviewed(before.state, ["St Mary's", "Northfield Trust"]) == ["St Mary's", "Northfield Trust"]
    assert reviewed(before.state, ["Northfield Trust"]) == ["Northfield Trust", "St Mary's"]


def test_the_review_is_first_on_the_agenda_and_only_an_exchange_that_follows_another_opens_one():
    before, _ = earlier()
    after, item_id = following(before)
    assert after.state.slices["timers"].order[0] == item_id
    assert review_of(after.state).item_id == item_id
    alone = room_with()
    item = alone.do(FACILITATOR, {"type": "agenda.add", "title": "x", "minutes": 5}, T0)[0].data["item"]["id"]
    assert refusal(alone.state, FACILITATOR, {"type": "review.open", "item_id": item}).status == 409


def test_the_facilitator_steps_through_the_organisations_that_made_commitments():
    before, _ = earlier()
    after, _ = following(before)
    run(after.state, FACILITATOR, {"type": "review.present", "organisation": "Northfield Trust"}, T0)
    assert review_of(after.state).presenting == "Northfield Trust"
    unknown = refusal(after.state, FACILITATOR, {"type": "review.present", "organisation": "Elsewhere"})
    assert unknown.status == 404
    assert refusal(after.state, SCRIBE, {"type": "review.present", "organisation": "St Mary's"}).status == 403


def scene_of(after, before):
    return Scene(after.state, frozenset(), before.state)


def test_during_the_review_the_screen_shows_the_presenting_organisations_plans_and_their_status():
    before, plans = earlier()
    after, _ = following(before)
    assert views.review(scene_of(after, before))["running"] is False  # not before its item runs
    after.do(FACILITATOR, {"type": "timer.start"}, T0)
    shown = views.review(scene_of(after, before))
    assert shown["running"] and shown["plans"] == [] and shown["next"] == "Northfield Trust"
    after.do(FACILITATOR, {"type": "review.present", "organisation": "St Mary's"}, T0)
    before.do(person(before.people["Ana Lopez"]), _update(plans["Ana Lopez"], "at_risk"), T0 + MINUTE)
    shown = views.review(scene_of(after, before))
    assert [plan["change"] for plan in shown["plans"]] == ["Lounge of Ana Lopez"]
    thirty = shown["plans"][0]["milestones"][0]
    assert (thirty["text"], thirty["status_label"], thirty["light"]) == ("Pilot", "At risk", "amber")
    assert shown["next"] == ""  # St Mary's is the last in the new exchange's order


def _update(plan_id, status):
    return {"type": "milestone.update", "plan_id": plan_id, "milestone": "30", "status": status}


def test_a_presenting_participants_update_is_checked_here_and_written_in_the_exchange_of_the_plan():
    before, plans = earlier()
    after, _ = following(before)
    cleo, dan = (person(pid) for pid in after.people.values())
    raw = {"type": "review.update", "plan_id": plans["Ana Lopez"], "milestone": "30", "status": "on_track"}
    assert "not running" in refusal(after.state, cleo, raw).message
    after.do(FACILITATOR, {"type": "timer.start"}, T0)
    assert "No organisation is presenting" in refusal(after.state, cleo, raw).message
    after.do(FACILITATOR, {"type": "review.present", "organisation": "St Mary's"}, T0)
    assert refusal(after.state, dan, raw).message == "Only St Mary's's participants can update their plans now."

    relay = relay_of(after, cleo, plans["Ana Lopez"], note="Open on weekdays")
    assert relay["room"] == before.state.code
    assert relay["command"]["organisation"] == "St Mary's" and relay["command"]["via"] == "NEXT23"
    before.do(SYSTEM, relay["command"], T0 + MINUTE)
    update = followup_of(before.state).milestone(plans["Ana Lopez"], "30").updates[-1]
    assert (update.status, update.note, update.via, update.name) == (
        "on_track",
        "Open on weekdays",
        "NEXT23",
        "Cleo Reyes",
    )
    assert update.participant_id == ""  # a person of another exchange: named, not an id of this one


def test_the_exchange_of_the_plan_takes_relayed_updates_only_from_its_successor_for_that_organisations_plans():
    before, plans = earlier()
    relay = {
        "type": "milestone.relay",
        "plan_id": plans["Ana Lopez"],
        "milestone": "30",
        "status": "done",
        "via": "NEXT23",
        "organisation": "St Mary's",
    }
    assert refusal(before.state, SYSTEM, relay).status == 403  # no successor yet
    following(before)
    assert refusal(before.state, SYSTEM, relay | {"via": "OTHER2"}).status == 403
    assert refusal(before.state, SYSTEM, relay | {"organisation": "Northfield Trust"}).status == 403
    assert refusal(before.state, FACILITATOR, relay).status == 403  # the server's alone
    assert refusal(before.state, SYSTEM, relay | {"status": "finished"}).status == 400
    run(before.state, SYSTEM, relay, T0 + MINUTE)
    assert followup_of(before.state).milestone(plans["Ana Lopez"], "30").status == "done"


def test_the_home_page_lists_a_series_in_order_and_the_newest_series_first():
    def room(code, at, previous="", next_=""):
        return {"code": code, "title": code, "ended": False, "created_at": at, "previous": previous, "next": next_}

    first, second, third = room("A", 1, next_="B"), room("B", 5, "A", "C"), room("C", 9, "B")
    alone = room("X", 7)
    assert [[r["code"] for r in chain] for chain in series([third, alone, first, second])] == [["A", "B", "C"], ["X"]]
    # One of the series this browser does not facilitate: the rest stays in order.
    assert [[r["code"] for r in chain] for chain in series([third, first])] == [["C"], ["A"]]
