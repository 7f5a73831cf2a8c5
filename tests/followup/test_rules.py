"""Pure tests of follow-up: milestone dates and statuses, their versions, who may update which
plan, check-ins and when they fall due, pulse answers, and all of it after the exchange ended.

decide and apply with the time passed in; no I/O, no clock.
"""

from datetime import date

import pytest

from facilitator.features import RULES
from facilitator.followup import views
from facilitator.followup.dates import exchange_day, later, opens_at_ms
from facilitator.followup.feature import deadlines
from facilitator.followup.model import followup_of
from facilitator.rooms.model import Actor, Role
from tests.pure import CREATED, FACILITATOR, SCRIBE, SYSTEM, T0, decide, person, refusal, room_with, run

PEOPLE = [("Ana Lopez", "St Mary's"), ("Ben Okafor", "Northfield Trust")]
DAY = 24 * 3600 * 1000
# T0 is 2023-11-14 22:13 UTC: already the 15th in Auckland.
UTC_DAY, AUCKLAND_DAY = date(2023, 11, 14), date(2023, 11, 15)


def scenario(**room):
    """Two organisations, each with one plan, the exchange over at T0."""
    r = room_with(people=PEOPLE, **room)
    ana, ben = r.people.values()
    plans = {}
    for pid in (ana, ben):
        saved = r.do(person(pid), {"type": "plan.save", "change": "Discharge lounge", "milestone_30": "Pilot"}, T0)
        plans[pid] = saved[0].data["plan_id"]
    r.do(FACILITATOR, {"type": "room.end"}, T0)
    return r, ana, ben, plans


def update(plan_id: str, status: str, note: str = "", milestone: str = "30", **more) -> dict:
    raw = {"type": "milestone.update", "plan_id": plan_id, "milestone": milestone, "status": status, "note": note}
    return raw | more


# -- dates -----------------------------------------------------------------


def test_later_adds_days_and_calendar_months_keeping_the_last_day_of_a_short_month():
    assert later(date(2025, 1, 31), "30d") == date(2025, 3, 2)
    assert later(date(2025, 1, 31), "1m") == date(2025, 2, 28)
    assert later(date(2024, 2, 29), "12m") == date(2025, 2, 28)
    assert later(date(2025, 11, 15), "3m") == date(2026, 2, 15)


def test_the_exchange_day_is_the_day_it_ended_in_its_own_time_zone_unless_the_facilitator_sets_it():
    r, *_ = scenario()
    assert r.state.timezone == "UTC"  # the server's, in the pure tests' context
    assert exchange_day(r.state) == UTC_DAY
    r2, *_ = scenario(timezone="Pacific/Auckland")
    assert exchange_day(r2.state) == AUCKLAND_DAY
    r2.do(FACILITATOR, {"type": "followup.configure", "date": "2024-01-10"}, T0 + DAY)
    assert exchange_day(r2.state) == date(2024, 1, 10)


def test_before_it_ends_the_exchange_day_is_the_day_it_was_created():
    r = room_with(people=PEOPLE, timezone="Pacific/Auckland")
    assert exchange_day(r.state) == date(2023, 11, 15)  # CREATED is 11:03 on the 15th in Auckland
    assert CREATED < T0


def test_milestones_fall_due_30_and_90_days_and_12_months_after_the_exchange():
    r, ana, ben, plans = scenario()
    shown = views.milestones_of(r.state, r.state.slices["scribe"].plans[plans[ana]])
    assert [(m["key"], m["due"], m["status"]) for m in shown] == [
        ("30", "2023-12-14", "not_started"),
        ("90", "2024-02-12", "not_started"),
        ("12", "2024-11-14", "not_started"),
    ]
    assert shown[0]["text"] == "Pilot"


def test_a_milestone_past_its_day_and_not_done_is_overdue_and_red_and_its_plan_comes_first():
    r, ana, ben, plans = scenario()
    r.do(person(ben), update(plans[ben], "done"), T0 + DAY)
    later_on = T0 + 31 * DAY
    board = views.dashboard(r.state, later_on)
    first = board["rows"][0]["plans"][0]
    assert first["organisation"] == "St Mary's" and first["overdue"] == 1
    assert first["milestones"][0]["light"] == "red"
    done = board["rows"][1]["plans"][0]["milestones"][0]
    assert (done["status"], done["light"], done["overdue"]) == ("done", "green", False)


# -- statuses, versions, permissions --------------------------------------------


def test_a_participant_updates_their_plan_after_the_end_and_every_update_is_a_version_with_who_and_when():
    r, ana, ben, plans = scenario()
    r.do(person(ana), update(plans[ana], "on_track", "Lounge opened on ward 4"), T0 + 5 * DAY)
    r.do(FACILITATOR, update(plans[ana], "at_risk", "Staffing gap"), T0 + 6 * DAY)
    milestone = followup_of(r.state).milestone(plans[ana], "30")
    assert milestone.status == "at_risk"
    assert [(u.status, u.by, u.participant_id, u.at) for u in milestone.updates] == [
        ("on_track", "participant", ana, T0 + 5 * DAY),
        ("at_risk", "facilitator", "", T0 + 6 * DAY),
    ]
    history = views.milestones_of(r.state, r.state.slices["scribe"].plans[plans[ana]])[0]["history"]
    assert [h["by"] for h in history] == ["the facilitator", "Ana Lopez · St Mary's"]
    assert history[1]["at"] == "2023-11-19 22:13"


def test_a_scribe_updates_any_plan_and_a_participant_only_their_own_organisations():
    r, ana, ben, plans = scenario()
    r.do(SCRIBE, update(plans[ben], "on_track"), T0 + DAY)
    refused = refusal(r.state, person(ana), update(plans[ben], "done"), T0 + DAY)
    assert (refused.status, refused.message) == (403, "You can update only your own organisation's action plan.")


def test_bad_updates_get_a_sentence():
    r, ana, ben, plans = scenario()
    assert "status" in refusal(r.state, person(ana), update(plans[ana], "finished")).message
    long = refusal(r.state, person(ana), update(plans[ana], "on_track", "x" * 1001))
    assert long.message == "The progress note is too long: at most 1000 characters, please (this has 1001)."
    assert refusal(r.state, person(ana), update("nope", "done")).status == 404
    assert refusal(r.state, person(ana), update(plans[ana], "not_started")).message.startswith("Nothing to change")


def test_a_progress_note_is_screened_for_patient_identifiers_like_a_note():
    r, ana, ben, plans = scenario()
    raw = update(plans[ana], "on_track", "Called the patient on 07700 900123")
    assert refusal(r.state, person(ana), raw).status == 422
    redacted = run(r.state, person(ana), raw | {"redact": True}, T0 + DAY)[0]
    assert redacted.data["note"] == "Called the patient on [phone number removed]"


def test_a_removed_participant_can_no_longer_update_their_plan():
    r, ana, ben, plans = scenario()
    r.do(FACILITATOR, {"type": "participant.remove", "participant_id": ana}, T0 + DAY)
    assert refusal(r.state, person(ana), update(plans[ana], "done"), T0 + 2 * DAY).status == 403


def test_the_live_session_stays_frozen_after_the_end():
    r, *_ = scenario()
    more = {"type": "agenda.add", "title": "More", "kind": "discussion", "minutes": 5}
    assert refusal(r.state, FACILITATOR, more).status == 409


# -- check-ins ----------------------------------------------------------------


def test_the_default_check_ins_open_at_nine_in_the_exchanges_zone_30_and_90_days_and_12_months_after():
    r, *_ = scenario(timezone="Pacific/Auckland")
    r.do(FACILITATOR, {"type": "checkin.schedule"}, T0 + DAY)
    waiting = sorted(deadlines(r.state), key=lambda d: d.at_ms)
    # Auckland is UTC+13 in summer and UTC+12 in winter: 09:00 local is 20:00 or 21:00 UTC the day before.
    assert [d.at_ms for d in waiting] == [
        1_702_584_000_000,  # 2023-12-15 09:00 +13 = 2023-12-14 20:00 UTC
        1_707_768_000_000,  # 2024-02-13 09:00 +13
        1_731_614_400_000,  # 2024-11-15 09:00 +13
    ]
    assert RULES.deadlines(r.state) == deadlines(r.state), "the room has ended: only what is allowed after it"
    assert {d.command["type"] for d in waiting} == {"checkin.open"}
    assert refusal(r.state, FACILITATOR, {"type": "checkin.schedule"}).status == 409


def test_a_check_in_opens_once_at_its_time_and_never_early():
    r, ana, ben, plans = scenario()
    r.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0 + DAY)
    (deadline,) = deadlines(r.state)
    assert deadline.command["id"] == f"checkin-{deadline.command['checkin_id']}-{deadline.at_ms}"
    assert "not due" in refusal(r.state, SYSTEM, deadline.command, deadline.at_ms - 1).message
    r.do(SYSTEM, deadline.command, deadline.at_ms)
    assert refusal(r.state, SYSTEM, deadline.command, deadline.at_ms + 1).status == 409
    assert deadlines(r.state) == []
    assert refusal(r.state, FACILITATOR, deadline.command).status == 403  # only the server opens one


def test_a_check_in_whose_date_moved_opens_at_its_new_time_only():
    r, *_ = scenario()
    r.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0 + DAY)
    (old,) = deadlines(r.state)
    r.do(FACILITATOR, {"type": "followup.configure", "date": "2024-01-10"}, T0 + DAY)
    (new,) = deadlines(r.state)
    assert new.at_ms == opens_at_ms(r.state, "30d") != old.at_ms
    assert refusal(r.state, SYSTEM, old.command, old.at_ms).message == "That check-in has moved."


@pytest.mark.parametrize("after", ["0d", "731d", "25m", "3w", "soon"])
def test_a_check_in_is_one_day_to_two_years_after_the_exchange(after):
    r, *_ = scenario()
    assert refusal(r.state, FACILITATOR, {"type": "checkin.schedule", "after": [after]}).status == 400


def test_a_cancelled_check_in_never_opens():
    r, *_ = scenario()
    checkin = r.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0)[0].data["checkin_id"]
    r.do(FACILITATOR, {"type": "checkin.cancel", "checkin_id": checkin}, T0)
    assert deadlines(r.state) == []


# -- pulse answers --------------------------------------------------------------


def opened(r) -> str:
    r.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0)
    (deadline,) = deadlines(r.state)
    r.do(SYSTEM, deadline.command, deadline.at_ms)
    return deadline.command["checkin_id"]


def pulse(checkin: str, plan: str, **more) -> dict:
    return {"type": "pulse.answer", "checkin_id": checkin, "plan_id": plan, "progress": 4} | more


def test_a_pulse_answer_is_the_organisations_and_names_the_person_only_when_they_sign():
    r, ana, ben, plans = scenario()
    checkin = opened(r)
    unsigned = r.do(person(ana), pulse(checkin, plans[ana], helped="Pharmacy"), T0 + 40 * DAY)[0]
    assert ana not in str(unsigned.data) and unsigned.data["organisation"] == "St Mary's"
    signed = r.do(person(ben), pulse(checkin, plans[ben], progress=2, sign=True), T0 + 40 * DAY)[0]
    assert signed.data["signed_by"] == ben
    shown = views.checkin_view(r.state, followup_of(r.state).checkins[checkin])
    assert [(a["organisation"], a["progress"], a["signed"]) for a in shown["answers"]] == [
        ("St Mary's", 4, ""),
        ("Northfield Trust", 2, "Ben Okafor · Northfield Trust"),
    ]
    assert shown["summary"] == "2 of 2 organisations reported at the 30-day check-in"


def test_a_pulse_needs_an_open_check_in_a_progress_of_1_to_5_and_ones_own_plan():
    r, ana, ben, plans = scenario()
    checkin = r.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0)[0].data["checkin_id"]
    assert refusal(r.state, person(ana), pulse(checkin, plans[ana])).message == "That check-in is not open yet."
    r, ana, ben, plans = scenario()
    checkin = opened(r)
    too_much = refusal(r.state, person(ana), pulse(checkin, plans[ana], progress=6))
    assert too_much.message == "progress: at most 5, please."
    assert refusal(r.state, person(ana), pulse(checkin, plans[ben])).status == 403


def test_a_contact_address_is_kept_for_reminders_and_never_in_the_api():
    r, ana, ben, plans = scenario()
    r.do(person(ana), {"type": "contact.set", "email": "ana@example.org"}, T0 + DAY)
    assert followup_of(r.state).contacts == {ana: "ana@example.org"}
    assert "not an e-mail" in refusal(r.state, person(ben), {"type": "contact.set", "email": "ben at home"}).message
    from facilitator.rooms.views import Scene

    for viewer in (FACILITATOR, person(ana), Actor(Role.SCRIBE)):
        assert "ana@example.org" not in str(RULES.views(Scene(r.state, frozenset()), viewer))
    r.do(person(ana), {"type": "contact.set", "email": ""}, T0 + 2 * DAY)
    assert followup_of(r.state).contacts == {}


def test_decide_is_pure_for_every_follow_up_command():
    r, ana, ben, plans = scenario()
    decide(r.state, person(ana), update(plans[ana], "on_track"), T0)
