"""Deleting an ended exchange from the console's Exchange tab, in a real Chromium: the code is
typed to confirm, the facilitator is told, and a phone still open on it is told too."""

import pytest
from playwright.sync_api import expect

from facilitator.rooms.hub import DELETED
from tests.browser.pages import ANA, open_console, open_phone, show_tab
from tests.live import ok

pytestmark = pytest.mark.browser


def test_the_facilitator_deletes_an_ended_exchange_from_the_console(server, room, new_context):
    code = room["code"]
    phone = open_phone(new_context, server, code, *ANA)
    console = open_console(new_context, room)
    show_tab(console, "Exchange")
    controls = console.locator("#room-controls")
    expect(controls.get_by_role("button", name="Delete exchange")).to_have_count(0)  # not while it runs

    ok(server, room, type="room.end")
    expect(controls).to_contain_text("This exchange has ended.")
    controls.get_by_label(f"type its code {code}").fill("WRONG1")
    controls.get_by_role("button", name="Delete exchange").click()
    expect(console.locator("[role=alert]")).to_contain_text(f"Type the code {code} in the box")
    expect(phone.locator("#me")).to_be_visible()  # nothing was deleted

    console.go_back()
    show_tab(console, "Exchange")
    console.locator("#room-controls").get_by_label(f"type its code {code}").fill(code.lower())
    console.locator("#room-controls").get_by_role("button", name="Delete exchange").click()
    expect(console.locator("[role=alert]")).to_contain_text(f"The exchange {code} and its whole record were deleted.")
    expect(phone.locator("body")).to_contain_text(DELETED)
    assert console.goto(room["links"]["console"]).status == 404
