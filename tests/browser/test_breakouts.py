"""Breakouts in a real Chromium: nine phones from three organisations are mixed into three
groups from the console, each phone shows its own group, a worksheet written on one phone
reaches the group's other phones and the console without replacing what someone is typing,
the round is recalled, the screen shows the report-back, and a second round avoids repeat
pairings. One browser; a context per device."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import FULL_HD, assert_not_reloaded, open_console, open_phone, open_screen
from tests.live import create_room

pytestmark = pytest.mark.browser

ORGS = ["Northfield", "Riverside", "Eastgate"]
PEOPLE = [(f"{name} {org[:5]}", org) for org in ORGS for name in ("Ana", "Ben", "Cy")]
IDEA = "Pharmacy rounds at ten"


def group_of(phone: Page) -> tuple[str, list[str], list[str]]:
    """The group a phone shows: its name, its members' names and their organisations."""
    card = phone.locator("#my-group")
    expect(card).to_contain_text("Your breakout group")
    names = card.locator(".members .name").all_inner_texts()
    orgs = card.locator(".members .job").all_inner_texts()
    return card.locator(".group-name").inner_text().strip(), names, orgs


def set_up(console: Page, avoid_repeats: bool = False) -> None:
    panel = console.locator("#breakouts-console")
    details = panel.locator("#breakouts-setup")
    if not details.evaluate("e => e.open"):
        details.locator("summary").click()
    form = panel.locator('form[data-breakouts="setup"]')
    form.locator('input[name="groups"]').fill("3")
    form.locator('select[name="strategy"]').select_option("mix")
    form.locator('textarea[name="topics"]').fill("Discharge checklists\nPharmacy\nTransport")
    if avoid_repeats:
        form.locator('input[name="avoid_repeats"]').check()
    form.locator('[data-breakouts="preview"]').click()
    expect(panel.locator(".quality")).to_contain_text("No organisation repeated in any group")
    if avoid_repeats:
        expect(panel.locator(".quality")).to_contain_text("No pair repeats from an earlier round")
    panel.locator('[data-breakouts="open"]').click()
    expect(panel.locator(".tag.status")).to_have_text("open")


def test_nine_phones_mixed_into_three_groups_write_close_report_back_and_meet_new_people(new_context, server):
    room = create_room(server, organisations=ORGS)
    code = room["code"]
    console = open_console(new_context, room)
    console.on("dialog", lambda dialog: dialog.accept())
    screen = open_screen(new_context, room, **FULL_HD)
    phones = {name: open_phone(new_context, server, code, name, org) for name, org in PEOPLE}

    set_up(console)
    first: dict[str, set[str]] = {}
    groups: dict[str, list[str]] = {}
    for name, phone in phones.items():
        group, names, orgs = group_of(phone)
        assert name in names and len(names) == 3
        assert len(set(orgs)) == 3, (group, orgs)  # no organisation twice in one group
        first[name] = set(names) - {name}
        groups.setdefault(group, [])
        if name not in groups[group]:
            groups[group].append(name)
    assert len(groups) == 3

    # Two members of one group: B is half-way through typing when A saves the same section.
    group, (a_name, b_name, _) = next(iter(groups.items()))
    a, b = phones[a_name], phones[b_name]
    b_box = b.locator("#my-group .ws-form").nth(0).locator("textarea")
    b_box.click()
    b.keyboard.type("Beds wait for")
    a_form = a.locator("#my-group .ws-form").nth(0)
    a_form.locator("textarea").fill("Discharge waits on pharmacy")
    a_form.locator('[data-breakouts="save"]').click()
    expect(b.locator("#my-group .ws-status").nth(0)).to_contain_text(f"Saved by {a_name}")
    expect(b.locator("#my-group .updated-note").nth(0)).to_be_visible()
    expect(b_box).to_have_value("Beds wait for")  # not overwritten by A's save
    expect(console.locator("#breakouts-console")).to_contain_text("Discharge waits on pharmacy")

    ideas = a.locator("#my-group .ws-form").nth(1)
    ideas.locator("textarea").fill(f"{IDEA}\nA discharge lounge")
    ideas.locator('[data-breakouts="save"]').click()
    expect(b.locator("#my-group .ws-form").nth(1).locator("textarea")).to_have_value(f"{IDEA}\nA discharge lounge")
    a.locator("#my-group details summary", has_text="The idea we recommend").click()
    a.locator('[data-breakouts="recommend"]', has_text=IDEA).click()
    expect(b.locator("#my-group .recommended")).to_contain_text(IDEA)
    expect(console.locator("#breakouts-console")).to_contain_text(IDEA)

    console.locator('[data-breakouts="close"]').click()
    for phone in phones.values():
        expect(phone.locator("#my-group")).not_to_contain_text("Your breakout group")

    console.locator('[data-breakouts="report"]').click()
    shown = screen.locator("#breakout-screen")
    expect(shown).to_be_visible()
    while group not in shown.locator(".group-name").inner_text():
        console.locator('[data-breakouts="next"]').click()
        expect(shown.locator(".kicker")).not_to_have_text(re.compile(r"group 1 of"))
    expect(shown.locator(".recommended")).to_contain_text(IDEA)
    for org in {o for n, o in PEOPLE if n in groups[group]}:
        expect(shown.locator(".organisations")).to_contain_text(org)
    fits = "e => e.scrollHeight <= window.innerHeight && document.documentElement.scrollHeight <= window.innerHeight"
    assert screen.evaluate(f"() => ({fits})(document.getElementById('breakout-screen'))")
    console.locator('[data-breakouts="stop"]').click()
    expect(shown).to_be_hidden()

    # A second round that avoids repeat pairings: every phone meets new people.
    set_up(console, avoid_repeats=True)
    for name, phone in phones.items():
        expect(phone.locator("#my-group")).to_contain_text("Your breakout group")
        _, names, orgs = group_of(phone)
        assert not (set(names) - {name}) & first[name], (name, names, first[name])
        assert len(set(orgs)) == 3
    assert_not_reloaded(console, screen, *phones.values())
