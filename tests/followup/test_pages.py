"""The follow-up pages over a real server: after the exchange has ended, a participant's cookie
still opens their organisation's plans and updates them; another organisation's plan is refused
with a sentence; someone removed loses the page; the dashboard and the calendar files show every
milestone; reminders go through a real SMTP server only when one is configured."""

import re
from datetime import date

import httpx
import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from facilitator.config import Settings
from tests.clock import eventually
from tests.live import command, ended_with_plans, free_port, ok, running_server
from tests.scribe.test_wiring import cookie

DAY = 24 * 3600.0
PEOPLE = [("Ana Lopez", "St Mary's"), ("Ben Okafor", "Northfield Trust")]


def ended(base: str) -> tuple[dict, dict, dict, dict]:
    """An exchange in London's zone with one plan per organisation, ended; (room, ana, ben, plan ids)."""
    room, (ana, ben), plans = ended_with_plans(base, PEOPLE, {"owner": "Dr Okafor"}, timezone="Europe/London")
    return room, ana, ben, plans


def post(base: str, room: dict, headers: dict, path: str = "follow-up", **form) -> httpx.Response:
    """Post a form as the browser holding `headers`' cookie, and follow the answer as it would
    (httpx drops a hand-set cookie on a redirect)."""
    response = httpx.post(f"{base}/r/{room['code']}/{path}", data=form, headers=headers)
    if response.status_code == 303:
        return httpx.get(f"{base}{response.headers['location']}", headers=headers)
    return response


def test_after_the_end_a_participant_updates_their_own_plan_and_not_anothers(server):
    room, ana, ben, plans = ended(server)
    as_ana = cookie(room, "participant", ana["token"])
    page = httpx.get(f"{server}/r/{room['code']}/follow-up", headers=as_ana)
    assert page.status_code == 200 and "Pilot on ward 4" in page.text
    assert f"Lounge {ben['participant_id']}" not in page.text  # only their organisation's plans

    mine = plans[ana["participant_id"]]
    saved = post(server, room, as_ana, form="milestone", plan_id=mine, milestone="30", status="on_track", note="Open")
    assert saved.status_code == 200 and "On track" in saved.text and "Ana Lopez · St Mary&#39;s" in saved.text

    theirs = plans[ben["participant_id"]]
    refused = post(server, room, as_ana, form="milestone", plan_id=theirs, milestone="30", status="done")
    assert refused.status_code == 403
    assert "You can update only your own organisation&#39;s action plan." in refused.text

    bad = post(server, room, as_ana, form="milestone", plan_id=mine, milestone="30", status="finished")
    assert bad.status_code == 400 and "status" in bad.text


def test_a_removed_participant_loses_the_follow_up(server):
    room, ana, ben, plans = ended(server)
    ok(server, room, type="participant.remove", participant_id=ana["participant_id"])
    page = httpx.get(f"{server}/r/{room['code']}/follow-up", headers=cookie(room, "participant", ana["token"]))
    assert page.status_code == 403
    assert "Only the people who were in this exchange" in page.text


def test_the_dashboard_shows_every_organisation_overdue_first_and_the_check_ins(server, clock):
    room, ana, ben, plans = ended(server)
    as_facilitator = cookie(room, "facilitator")
    post(server, room, as_facilitator, "follow-up/dashboard", form="checkins", after=["30d"])
    done = {"form": "milestone", "milestone": "30", "status": "done"}
    post(server, room, cookie(room, "participant", ben["token"]), plan_id=plans[ben["participant_id"]], **done)
    clock.advance(32 * DAY)
    board = eventually(
        lambda: (lambda page: page if "open" in page.text and "0 of 2" in page.text else None)(
            httpx.get(f"{server}/r/{room['code']}/follow-up/dashboard", headers=as_facilitator)
        ),
        timeout=3,
    )
    rows = re.findall(r'<tr class="plan-row">.*?</tr>', board.text, re.DOTALL)
    assert "St Mary&#39;s" in rows[0] and "overdue" in rows[0] and "light-red" in rows[0]
    assert "Northfield" in rows[1] and "Done" in rows[1]
    assert "0 of 2 organisations reported at the 30-day check-in" in board.text

    # The check-in is open: Ana's page asks, and her unsigned answer counts for St Mary's.
    as_ana = cookie(room, "participant", ana["token"])
    page = httpx.get(f"{server}/r/{room['code']}/follow-up", headers=as_ana)
    assert "Check-in due: how is it going?" in page.text
    checkin = re.search(r'name="checkin_id" value="([\w-]+)"', page.text).group(1)
    answered = post(
        server,
        room,
        as_ana,
        form="pulse",
        checkin_id=checkin,
        plan_id=plans[ana["participant_id"]],
        progress="3",
        helped="The pharmacy team",
    )
    assert answered.status_code == 200
    board = httpx.get(f"{server}/r/{room['code']}/follow-up/dashboard", headers=as_facilitator)
    assert "1 of 2 organisations reported at the 30-day check-in" in board.text
    assert "The pharmacy team" in board.text and "Ana Lopez" not in board.text

    assert httpx.get(f"{server}/r/{room['code']}/follow-up/dashboard", headers=as_ana).status_code == 403


def test_the_calendar_files_hold_one_event_per_milestone_on_its_due_day(server):
    room, ana, ben, plans = ended(server)
    whole = httpx.get(f"{server}/r/{room['code']}/plans.ics", headers=cookie(room, "facilitator"))
    assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(whole.content).walk("VEVENT")
    assert len(events) == 6
    ended_on = date.today()  # the server's clock runs like the machine's; London's day, give or take
    dues = sorted({e.decoded("dtstart") for e in events})
    assert len(dues) == 3 and abs((dues[0] - ended_on).days - 30) <= 1
    assert [(d - dues[0]).days for d in dues][:2] == [0, 60]
    first = next(e for e in events if "Pilot on ward 4" in str(e.get("description")))
    assert "Owner: Dr Okafor" in str(first.get("description"))
    assert str(first.get("url")).endswith(f"/r/{room['code']}/follow-up")

    as_ana = cookie(room, "participant", ana["token"])
    own = httpx.get(f"{server}/r/{room['code']}/plans/{plans[ana['participant_id']]}.ics", headers=as_ana)
    assert len(Calendar.from_ical(own.content).walk("VEVENT")) == 3
    other = httpx.get(f"{server}/r/{room['code']}/plans/{plans[ben['participant_id']]}.ics", headers=as_ana)
    assert other.status_code == 403


# -- e-mail -------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


def test_a_check_in_that_opens_sends_one_reminder_to_each_address_given(tmp_path, clock, smtp, caplog):
    inbox, url = smtp
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/f.db", secret_key="k", smtp_url=url, render_interval_seconds=0.05
    )
    with running_server(settings, clock) as base:
        room, ana, ben, plans = ended(base)
        command(base, room["code"], ana["token"], type="contact.set", email="ana@example.org")
        ok(base, room, type="checkin.schedule", after=["30d"])
        clock.advance(31 * DAY)
        eventually(lambda: len(inbox.messages) == 1, timeout=5)
        (message,) = inbox.messages
        assert message.rcpt_tos == ["ana@example.org"]
        body = message.content.decode()
        assert "Check-in due: how is it going?" in body and f"/r/{room['code']}/follow-up" in body
    assert "ana@example.org" not in caplog.text


def test_without_an_smtp_server_nothing_is_sent_and_nothing_fails(settings, clock):
    assert settings.smtp_url is None
    with running_server(settings, clock) as base:
        room, ana, ben, plans = ended(base)
        assert command(base, room["code"], ana["token"], type="contact.set", email="ana@example.org").status_code == 200
        ok(base, room, type="checkin.schedule", after=["30d"])
        clock.advance(31 * DAY)
        eventually(
            lambda: httpx.get(
                f"{base}/api/rooms/{room['code']}/state",
                headers={"Authorization": f"Bearer {room['tokens']['facilitator']}"},
            ).json()["followup"]["checkins"][0]["open"],
            timeout=3,
        )


def test_an_address_for_reminders_is_shown_to_nobody_but_the_person_who_gave_it(server):
    room, ana, ben, plans = ended(server)
    as_ana = cookie(room, "participant", ana["token"])
    given = post(server, room, as_ana, form="contact", email="ana.lopez@example.org")
    assert given.status_code == 200 and "ana.lopez@example.org" in given.text  # her own page, to change it
    seen = {
        "the facilitator's state": httpx.get(f"{server}/api/rooms/{room['code']}/state", headers=auth_of(room)),
        "her own state": httpx.get(f"{server}/api/rooms/{room['code']}/state", headers=bearer_of(ana["token"])),
        "the event log": httpx.get(f"{server}/api/rooms/{room['code']}/events", headers=auth_of(room)),
        "the record": httpx.get(f"{server}/r/{room['code']}/record", headers=cookie(room, "facilitator")),
        "the dashboard": httpx.get(
            f"{server}/r/{room['code']}/follow-up/dashboard", headers=cookie(room, "facilitator")
        ),
        "Ben's follow-up": httpx.get(
            f"{server}/r/{room['code']}/follow-up", headers=cookie(room, "participant", ben["token"])
        ),
        "the scribe's follow-up": httpx.get(f"{server}/r/{room['code']}/follow-up", headers=cookie(room, "scribe")),
    }
    for where, response in seen.items():
        assert response.status_code == 200, where
        assert "ana.lopez" not in response.text, f"the address shows in {where}"
    contact = next(e for e in seen["the event log"].json()["events"] if e["type"] == "contact.set")
    assert contact["data"]["email"] == "[redacted]"
    assert seen["her own state"].json()["followup"]["contact"] is True  # that she gave one, not which


def auth_of(room: dict) -> dict:
    return bearer_of(room["tokens"]["facilitator"])


def bearer_of(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
