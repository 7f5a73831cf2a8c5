"""Staying joined, and being told when a phone cannot be: what a person sees at 360x740.

A server that restarts with another key cannot read the phones' cookies any more: each phone
says so in a sentence, offers "Join again", and stops reconnecting.
"""

import pytest
from playwright.sync_api import expect

from facilitator.config import Settings
from tests.browser.pages import ORGS, open_phone, show_tab, wait_live
from tests.live import create_room, free_port, join, running_server

pytestmark = pytest.mark.browser

COUNT_CONNECTS = """() => {
    window.__connects = 0;
    document.addEventListener('htmx:wsConnecting', () => { window.__connects += 1; });
}"""


def test_a_phone_whose_cookie_the_restarted_server_cannot_read_says_so_and_offers_to_join_again(tmp_path, new_context):
    port = free_port()
    database = f"sqlite:///{tmp_path}/facilitator.db"
    before = Settings(database_url=database, secret_key="the-key-before", redis_url=None)
    with running_server(before, port=port) as base:
        code = create_room(base, organisations=ORGS)["code"]
        phone = open_phone(new_context, base, code, "Ana Pereira", ORGS[0])
        phone.evaluate(COUNT_CONNECTS)

    after = Settings(database_url=database, secret_key="another-key", redis_url=None)
    with running_server(after, port=port):
        gone = phone.locator("#gone")
        expect(gone).to_be_visible(timeout=12000)
        expect(gone).to_contain_text("This phone is no longer recognised in this exchange")
        expect(phone.locator("#offline")).to_be_hidden()
        connects = phone.evaluate("() => window.__connects")
        phone.wait_for_timeout(2500)  # longer than the page's next retry would wait
        assert phone.evaluate("() => window.__connects") == connects, "it kept reconnecting"
        expect(phone.locator("#offline")).to_be_hidden()

        phone.get_by_role("link", name="Join again").click()
        expect(phone).to_have_url(f"{base}/join?code={code}")
        expect(phone.locator("form input[name=name]")).to_be_visible()


def test_a_removed_participant_is_told_and_not_shown_reconnecting(server, room, new_context):
    code = room["code"]
    phone = open_phone(new_context, server, code, "Ana Pereira", ORGS[0])
    console = new_context("laptop").new_page()
    console.goto(room["links"]["console"])
    wait_live(console)
    console.once("dialog", lambda dialog: dialog.accept())
    show_tab(console, "People")
    console.locator("#roster li.person", has_text="Ana Pereira").get_by_role("button", name="Remove").click()
    expect(phone.locator("#gone")).to_contain_text("You were removed from this exchange.")
    phone.wait_for_timeout(2500)  # the reconnect notice would have shown by now
    expect(phone.locator("#offline")).to_be_hidden()


def test_the_reconnecting_notice_takes_its_own_space_above_the_title(server, room, new_context):
    code = room["code"]
    phone = open_phone(new_context, server, code, "Ana Pereira", ORGS[0])
    title = phone.locator(".room-title")
    top_before = title.bounding_box()["y"]
    phone.evaluate("() => { document.getElementById('offline').hidden = false; }")
    notice = phone.locator("#offline").bounding_box()
    moved = title.bounding_box()
    assert notice["y"] + notice["height"] <= moved["y"], (notice, moved)
    assert moved["y"] > top_before


def test_a_join_form_error_is_a_sentence_and_keeps_what_was_filled_in(server, room, new_context):
    phone = new_context("phone").new_page()
    phone.goto(f"{server}/join?code={room['code']}")
    phone.locator("input[name=name]").fill("   ")
    phone.locator("select[name=organisation]").select_option(ORGS[1])
    phone.locator("input[name=job_title]").fill("Ward pharmacist")
    phone.get_by_label("I accept").check()
    phone.get_by_role("button", name="Join").click()

    expect(phone.locator(".error")).to_have_text("Please give your name.")
    expect(phone.get_by_label("I accept")).to_be_checked()
    expect(phone.locator("select[name=organisation]")).to_have_value(ORGS[1])
    expect(phone.locator("input[name=job_title]")).to_have_value("Ward pharmacist")


def test_back_from_a_joined_phone_returns_to_the_room_not_an_empty_form(server, room, new_context):
    code = room["code"]
    phone = new_context("phone").new_page()
    phone.goto(f"{server}/join?code={code}")
    phone.locator("input[name=name]").fill("Ana Pereira")
    phone.locator("select[name=organisation]").select_option(ORGS[0])
    phone.get_by_label("I accept").check()
    phone.get_by_role("button", name="Join").click()
    expect(phone).to_have_url(f"{server}/r/{code}")
    wait_live(phone)

    phone.go_back()
    expect(phone).to_have_url(f"{server}/r/{code}")
    expect(phone.locator("#me")).to_contain_text("You are Ana Pereira")
    expect(phone.locator("form input[name=name]")).to_have_count(0)


# Lines the code takes in the join link: a Range over its characters, whatever the markup.
CODE_LINES = """code => {
    const link = document.querySelector('.join-url');
    const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
    const start = link.textContent.lastIndexOf(code), end = start + code.length;
    const range = document.createRange();
    let seen = 0, node;
    while ((node = walker.nextNode())) {
        const length = node.textContent.length;
        if (seen <= start && start < seen + length) range.setStart(node, start - seen);
        if (seen < end && end <= seen + length) range.setEnd(node, end - seen);
        seen += length;
    }
    return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
}"""


@pytest.mark.parametrize(
    ("surface", "width", "height"),
    [
        ("screen", 1024, 768),
        ("screen", 1280, 720),
        ("screen", 1920, 1080),
        ("console", 1280, 800),
        ("console", 900, 700),
    ],
)
def test_the_join_link_never_breaks_inside_the_code(server, new_context, surface, width, height):
    # A long public address, as behind a proxy, is what makes the link wrap.
    room = create_room(server, organisations=ORGS)
    page = new_context("laptop", viewport={"width": width, "height": height}).new_page()
    page.goto(room["links"][surface])
    wait_live(page)
    if surface == "console":
        show_tab(page, "People")
    page.evaluate(
        """base => { const text = document.querySelector('.join-url').firstChild;
                    text.textContent = text.textContent.replace(/^.*(?=\\/join)/, base); }""",
        "https://facilitator.discharge-exchange.example.org",
    )
    for step in range(12):  # the code at every place on the line
        page.evaluate("n => { document.querySelector('.join-url').style.paddingLeft = (n * 0.6) + 'em'; }", step)
        assert page.evaluate(CODE_LINES, room["code"]) == 1, f"{surface} {width}x{height}, step {step}"


def test_the_scribe_page_has_no_errors_while_people_join(server, room, new_context):
    scribe = new_context("laptop").new_page()
    errors: list[str] = []
    scribe.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    scribe.on("pageerror", lambda error: errors.append(str(error)))
    missing: list[str] = []
    scribe.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    scribe.goto(room["links"]["scribe"])
    wait_live(scribe)
    for n in range(3):
        join(server, room["code"], name=f"Person {n}", organisation=ORGS[n % 2])
        expect(scribe.locator('[data-count="joined"]')).to_have_text(str(n + 1))
    # The browser's own request for /favicon.ico is not the page's doing.
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [error for error in errors if "404" not in error] == []
