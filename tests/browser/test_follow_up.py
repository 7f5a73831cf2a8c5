"""Follow-up in a real browser: an exchange ends, and days later a participant's 360 px phone
puts a milestone on track with a note; the facilitator's dashboard shows it; "Plan the next
exchange" opens a new exchange whose review of commitments shows that plan on the screen."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.pages import ORGS, open_console, open_phone, show_tab, wait_live
from tests.live import command, ok

pytestmark = pytest.mark.browser
DAY = 24 * 3600.0


def test_after_the_end_a_phone_puts_a_milestone_on_track_and_the_dashboard_shows_it(server, clock, room, new_context):
    phone = open_phone(new_context, server, room["code"], "Ana Lopez", ORGS[0])
    phone.goto(f"{server}/r/{room['code']}/plan")
    phone.locator("textarea[name=change]").fill("Open a discharge lounge")
    phone.locator("textarea[name=milestone_30]").fill("Pilot on ward 4")
    phone.get_by_role("button", name="Save the action plan").click()
    ok(server, room, type="room.end")
    clock.advance(10 * DAY)

    phone.goto(f"{server}/r/{room['code']}")
    phone.get_by_role("link", name="Follow up our action plan").click()
    milestone = phone.locator(".milestone").filter(has_text="By 30 days")
    expect(milestone).to_contain_text("Pilot on ward 4")
    milestone.locator("select[name=status]").select_option("on_track")
    milestone.locator("textarea[name=note]").fill("Lounge open on weekdays")
    milestone.get_by_role("button").click()
    milestone = phone.locator(".milestone").filter(has_text="By 30 days")
    expect(milestone.locator(".status")).to_contain_text("On track")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "the page fits a 360 px phone"

    console = open_console(new_context, room)
    console.goto(f"{server}/r/{room['code']}/follow-up/dashboard")
    row = console.locator("tr.plan-row").filter(has_text="Open a discharge lounge")
    expect(row).to_contain_text(ORGS[0])
    expect(row.locator("td.light").first).to_contain_text("On track")
    expect(row.locator("td.light").first).to_contain_text("Lounge open on weekdays")
    expect(row.locator("td.light").first).to_have_class("light light-green")

    # "Plan the next exchange": the form carries the exchange over; the new one opens with the review.
    console.goto(f"{server}/r/{room['code']}/console")
    show_tab(console, "Plans")
    console.get_by_role("link", name="Plan the next exchange").click()
    expect(console.locator("input[name=title]")).to_have_value("Reducing discharge delays")
    expect(console.locator("textarea[name=organisations]")).to_have_value("\n".join(ORGS))
    console.locator("input[name=title]").fill("Reducing discharge delays, part 2")
    console.get_by_role("button", name="Create the next exchange").click()
    expect(console.locator("h1")).to_have_text("Reducing discharge delays, part 2")
    code = console.locator("#room-code").inner_text()
    key = parse_qs(urlparse(console.locator("#link-console").get_attribute("href") or "").query)["key"][0]
    screen_link = console.locator("#link-screen").get_attribute("href") or ""
    console.get_by_role("link", name="Open the console").click()
    wait_live(console)
    show_tab(console, "Agenda")
    assert command(server, code, key, type="timer.start").status_code == 200
    console.locator("#review-console").get_by_role("button", name=ORGS[0]).click()

    screen = new_context("laptop").new_page()
    screen.goto(screen_link)
    review = screen.locator("#review-screen")
    expect(review).to_contain_text(f"Review of commitments · {ORGS[0]}")
    plan = review.locator(".review-plan").filter(has_text="Open a discharge lounge")
    expect(plan).to_contain_text("Pilot on ward 4")
    expect(plan.locator("li.light-green")).to_contain_text("On track")
