"""The join flow in a real Chromium: create, project, join from a phone, watch it live.

Pages talk to a real server (the `server` fixture). Tests that cut the network
put a small TCP relay (`Relay`) between Chromium and the server: dropping its
connections is what a Wi-Fi blip does to a socket (close code 1006, which the
htmx extension answers by reconnecting), and closing its port is an outage.
"""

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    LONG_CHARTER,
    ORGS,
    assert_not_reloaded,
    mark_page,
    open_screen,
    show_tab,
    wait_live,
)
from tests.live import create_room, join, room_with
from tests.relay import Relay

pytestmark = pytest.mark.browser

SCREEN_SHOT = "/tmp/facilitator-screen.png"
PHONE_SHOT = "/tmp/facilitator-phone.png"


# -- helpers -----------------------------------------------------------------


def person(page: Page, organisation: str, name: str):
    group = page.locator("#roster section.org").filter(has=page.locator("h3", has_text=organisation))
    return group.locator("li.person").filter(has=page.locator(".name", has_text=name))


def participant_cookie(code: str, token: str, url: str) -> dict:
    return {"name": f"fac_{code}_participant", "value": token, "url": url}


def layout_on_phone(page: Page) -> dict:
    return page.evaluate("""() => {
        // Buttons, and the form controls a thumb aims at (a checkbox is tapped through its label).
        const targets = 'button, .button, input:not([type=hidden]):not([type=checkbox]), select, textarea, label.check';
        const small = [...document.querySelectorAll(targets)]
          .filter(e => e.offsetParent !== null)
          .map(e => ({target: e.tagName + ' ' + (e.name || e.textContent.trim()), h: e.getBoundingClientRect().height}))
          .filter(t => t.h < 44);
        return {scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
                buttons: document.querySelectorAll('button, .button').length, small};
    }""")


def assert_fits_phone(page: Page, what: str, buttons: bool = True) -> None:
    layout = layout_on_phone(page)
    assert layout["width"] == 360, layout
    assert bool(layout["buttons"]) == buttons, f"{what}: {layout}"
    assert layout["scrollWidth"] <= 360, f"{what} scrolls sideways: {layout}"
    assert not layout["small"], f"{what} has tap targets under 44 px: {layout['small']}"


def luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.fixture
def relay(server):
    host, port = server.removeprefix("http://").split(":")
    made = Relay(host, int(port))
    made.start()
    yield made
    made.stop()


# -- 1. the whole path -----------------------------------------------------------


def test_create_project_and_join_from_a_phone_live(server, new_context):
    laptop = new_context("laptop")
    console = laptop.new_page()
    console.goto(f"{server}/")
    form = console.locator("form[action='/rooms']")
    form.locator("input[name=title]").fill("Reducing discharge delays")
    form.locator("textarea[name=focus]").fill("Patients wait hours for discharge after the decision is made")
    form.locator("input[name=outcome]").fill("15 % shorter length of stay")
    form.locator("input[name=beneficiaries]").fill("Nurse managers, discharge coordinators")
    form.locator("textarea[name=organisations]").fill("\n".join(ORGS))
    default_confidentiality = form.locator("textarea[name=confidentiality]").input_value()
    assert default_confidentiality.strip()
    form.get_by_role("button", name="Create exchange").click()

    code_shown = console.locator("#room-code")
    expect(code_shown).to_have_text(re.compile(r"^\w{4,12}$"))
    code = code_shown.inner_text()
    screen_url = console.locator("#link-screen").get_attribute("href")
    assert screen_url and "key=" in screen_url

    console.get_by_role("link", name="Open the console").click()
    expect(console).to_have_url(f"{server}/r/{code}/console")  # the secret left the address bar
    expect(console.locator("#roster")).to_contain_text("Nobody has joined yet.")

    screen = laptop.new_page()
    screen.goto(screen_url)
    expect(screen).to_have_url(f"{server}/r/{code}/screen")
    expect(screen.locator("#join-panel .join-code .code")).to_have_text(code)
    expect(screen.locator("[data-count=online]")).to_have_text("0")
    for page in (console, screen):
        wait_live(page, clock=False)
        mark_page(page)

    phone_context = new_context("phone")
    phone = phone_context.new_page()
    phone.goto(f"{server}/join")
    phone.locator("input[name=code]").press_sequentially(code.lower())
    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator("form[action='/join'] input[name=name]")).to_be_visible()
    phone.locator("input[name=name]").fill("Ana Pereira")
    phone.locator("select[name=organisation]").select_option(label=ORGS[0])
    phone.locator("input[name=job_title]").fill("Discharge coordinator")
    expect(phone.locator(".confidentiality")).to_contain_text(default_confidentiality.split(".")[0])
    phone.locator("input[name=accept]").check()
    phone.get_by_role("button", name="Join").click()

    expect(phone).to_have_url(f"{server}/r/{code}")
    expect(phone.locator("#me")).to_contain_text("You are Ana Pereira")

    expect(screen.locator("[data-count=online]")).to_have_text("1", timeout=5000)
    expect(screen.locator("[data-count=joined]")).to_have_text("1")
    ana = person(console, ORGS[0], "Ana Pereira")
    expect(ana).to_have_count(1, timeout=5000)
    expect(ana.locator(".presence")).to_have_text("connected", timeout=5000)
    expect(ana).to_have_class(re.compile(r"\bonline\b"))
    expect(ana.locator(".job")).to_have_text("Discharge coordinator")

    phone_context.close()
    expect(ana.locator(".presence")).to_have_text("away", timeout=5000)
    expect(ana).to_have_class(re.compile(r"\baway\b"))
    expect(screen.locator("[data-count=online]")).to_have_text("0", timeout=5000)
    for page in (console, screen):
        assert_not_reloaded(page)


# -- 2. the phone at 360 px -------------------------------------------------------


def test_phone_pages_fit_360_px_with_thumb_sized_buttons(server, new_context):
    room = create_room(server, organisations=["St Mary's Hospital NHS Foundation Trust", "Northfield Clinic"])
    code = room["code"]
    phone = new_context("phone").new_page()

    phone.goto(f"{server}/join")
    assert_fits_phone(phone, "/join")
    phone.locator("input[name=code]").fill(code)
    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator("input[name=name]")).to_be_visible()
    assert_fits_phone(phone, "the join form")

    phone.locator("input[name=name]").fill("Maria-Fernanda Albuquerque-Rodrigues")
    phone.locator("select[name=organisation]").select_option(label="St Mary's Hospital NHS Foundation Trust")
    phone.locator("input[name=job_title]").fill("Lead nurse for patient flow and discharge")
    phone.locator("input[name=accept]").check()
    phone.get_by_role("button", name="Join").click()
    expect(phone.locator("#me")).to_contain_text("You are Maria-Fernanda")
    wait_live(phone, clock=False)
    expect(phone.locator("[data-count=online]")).to_have_text("1", timeout=5000)
    assert_fits_phone(phone, "the phone page")  # raise hand and clarifying question
    phone.screenshot(path=PHONE_SHOT)


# -- 3. the screen from the back of the room ------------------------------------------

SCREEN_METRICS = """() => {
    const d = document.documentElement, grid = document.querySelector('.screen-grid');
    const outside = [...grid.querySelectorAll('*')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5
                               || r.top < -0.5 || r.left < -0.5);
    }).map(e => e.tagName + '.' + e.className);
    const texts = [...grid.querySelectorAll('*')].filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => ({tag: e.tagName + '.' + e.className, color: getComputedStyle(e).color}));
    const body = getComputedStyle(document.body);
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, innerHeight, innerWidth,
            bodyScrollHeight: document.body.scrollHeight, outside, texts,
            background: body.backgroundColor, color: body.color,
            titleSize: parseFloat(getComputedStyle(document.querySelector('.room-title')).fontSize)};
}"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_screen_is_readable_and_never_scrolls(server, new_context, width, height):
    room, _ = room_with(
        server,
        people=[("Ana", ORGS[0]), ("Ben", ORGS[1]), ("Chloé", ORGS[1])],
        title="Reducing discharge delays",
        charter=LONG_CHARTER,
        organisations=ORGS,
    )
    screen = new_context("laptop", viewport={"width": width, "height": height}).new_page()
    screen.goto(room["links"]["screen"])
    wait_live(screen, clock=False)
    expect(screen.locator("[data-count=joined]")).to_have_text("3")
    screen.locator(".join-panel img.qr").evaluate("img => img.complete || new Promise(r => img.onload = r)")

    m = screen.evaluate(SCREEN_METRICS)
    assert m["innerWidth"] == width and m["innerHeight"] == height, m
    assert m["scrollHeight"] <= m["innerHeight"], m
    assert m["scrollWidth"] <= m["innerWidth"], m
    assert m["bodyScrollHeight"] <= m["innerHeight"], m
    assert not m["outside"], f"cut off at {width}x{height}: {m['outside']}"
    assert luminance(m["background"]) < 0.02, m["background"]
    assert luminance(m["color"]) > 0.9, m["color"]
    low = [t for t in m["texts"] if contrast(t["color"], m["background"]) < 7]
    assert not low, f"text below 7:1 contrast: {low}"
    if width == 1920:
        assert m["titleSize"] >= 48, m["titleSize"]
        screen.screenshot(path=SCREEN_SHOT)


# -- 4. escaping ------------------------------------------------------------------------

NAME = '<img src=x onerror="window.__pwned=1">'
ORG = '<svg onload="window.__pwned=3">'
TITLE = "<script>window.__pwned=2</script>Ward <b>7</b>"


def assert_unharmed(page: Page) -> None:
    page.wait_for_timeout(300)  # an injected image would fail to load and run onerror by now
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.locator("img[src=x], svg[onload], #roster b, .room-header b").count() == 0


def test_names_and_titles_are_shown_literally(server, new_context):
    room, (first,) = room_with(server, people=[(NAME, ORG)], title=TITLE, charter={"focus": "<i>focus</i> & more"})
    code = room["code"]

    laptop = new_context("laptop")
    console = laptop.new_page()
    console.goto(room["links"]["console"])
    screen = laptop.new_page()
    screen.goto(room["links"]["screen"])
    for page in (console, screen):
        wait_live(page, clock=False)
        expect(page.locator(".room-title")).to_have_text(TITLE)
        expect(page.locator(".room-header .focus")).to_have_text("<i>focus</i> & more")

    expect(console.locator("#roster .name")).to_have_text([NAME])  # rendered with the page
    expect(console.locator("#roster h3")).to_contain_text(ORG)
    join(server, code, name=NAME + " again", organisation=ORG)  # rendered live, over the socket
    expect(console.locator("#roster .name")).to_have_text([NAME, NAME + " again"], timeout=5000)
    expect(screen.locator("[data-count=joined]")).to_have_text("2", timeout=5000)

    phone_context = new_context("phone")
    phone_context.add_cookies([participant_cookie(code, first["token"], server)])
    phone = phone_context.new_page()
    phone.goto(f"{server}/r/{code}")
    wait_live(phone, clock=False)
    expect(phone.locator("#me strong")).to_have_text(NAME)
    expect(phone.locator("#me")).to_contain_text(ORG)
    expect(console.locator("#roster .person.online .name")).to_have_text([NAME], timeout=5000)

    for page in (console, screen, phone):
        assert_unharmed(page)


# -- 5. the reconnect notice ---------------------------------------------------------

WATCH_SOCKET = """() => {
    const log = window.__socketLog = {opens: 0, closes: [], shown: []};
    document.addEventListener('htmx:wsOpen', () => { log.opens += 1; });
    document.addEventListener('htmx:wsClose', e => {
        log.closes.push({at: performance.now(), code: e.detail.event.code});
    });
    const notice = document.getElementById('offline');
    new MutationObserver(() => { if (!notice.hidden) log.shown.push(performance.now()); })
        .observe(notice, {attributes: true, attributeFilter: ['hidden']});
}"""


def test_reconnecting_notice_waits_out_a_blip_and_shows_in_an_outage(server, relay, new_context):
    room, (joined,) = room_with(server, people=[("Ana", ORGS[0])], organisations=ORGS)
    code = room["code"]
    context = new_context("phone")
    context.add_cookies([participant_cookie(code, joined["token"], relay.url)])
    phone = context.new_page()
    phone.goto(f"{relay.url}/r/{code}")
    wait_live(phone, clock=False)
    notice = phone.locator("#offline")
    expect(notice).to_be_hidden()
    expect(notice).to_have_text("Reconnecting…")
    phone.evaluate(WATCH_SOCKET)

    # A blip: the connection drops and the page reconnects at once. No notice.
    relay.drop()
    phone.wait_for_function("() => window.__socketLog.opens >= 1", timeout=5000)
    log = phone.evaluate("() => window.__socketLog")
    assert [c["code"] for c in log["closes"]] == [1006], log
    phone.wait_for_timeout(max(0, 2500 - (phone.evaluate("() => performance.now()") - log["closes"][0]["at"])))
    assert phone.evaluate("() => window.__socketLog.shown") == []
    expect(notice).to_be_hidden()

    # An outage: nothing answers. The notice shows after about two seconds.
    relay.stop()
    expect(notice).to_be_visible(timeout=5000)
    log = phone.evaluate("() => window.__socketLog")
    first_close = log["closes"][1]["at"]
    assert 1900 <= log["shown"][0] - first_close <= 3500, log
    assert len(log["closes"]) >= 2 and all(c["code"] == 1006 for c in log["closes"]), log

    # Back again: the page reconnects by itself (backoff is at most a few seconds here) and hides it.
    relay.start()
    expect(notice).to_be_hidden(timeout=12000)
    wait_live(phone, clock=False)
    expect(phone.locator("#me")).to_contain_text("You are Ana")


# -- 6. a repeated tap while offline ---------------------------------------------------------


def test_a_tap_repeated_while_offline_is_applied_once(server, relay, new_context):
    room = create_room(server, organisations=ORGS)
    code, token = room["code"], room["tokens"]["facilitator"]
    console = new_context("laptop").new_page()
    console.goto(f"{relay.url}/r/{code}/console?key={token}")
    expect(console).to_have_url(f"{relay.url}/r/{code}/console")
    wait_live(console, clock=False)
    console.evaluate("""() => {
        window.__received = []; window.__sent = [];
        document.addEventListener('htmx:wsAfterMessage', e => window.__received.push(e.detail.message));
        document.addEventListener('htmx:wsAfterSend', e => window.__sent.push(e.detail.message));
    }""")

    relay.stop()
    console.wait_for_function(
        "() => document.body['htmx-internal-data'].webSocket.socket.readyState !== 1", timeout=5000
    )
    show_tab(console, "Exchange")
    lock = console.get_by_role("button", name="Close to new participants")
    lock.click()
    lock.click()
    queued = console.evaluate(
        "() => document.body['htmx-internal-data'].webSocket.messageQueue.map(q => JSON.parse(q.message))"
    )
    assert len(queued) == 2, queued
    assert queued[0]["type"] == queued[1]["type"] == "room.lock"
    assert queued[0]["id"] and queued[0]["id"] == queued[1]["id"], queued

    relay.start()
    expect(console.get_by_role("button", name="Open to new participants")).to_be_visible(timeout=12000)
    console.wait_for_function(
        "() => window.__sent.length === 2 && window.__received.filter(m => m.includes('id=\"ack\"')).length >= 2",
        timeout=5000,
    )
    received = "".join(console.evaluate("() => window.__received"))
    assert "already closed" not in received, "the repeated tap ran as a second command"
    assert not console.locator("form [data-command-id]").count(), "an acknowledged command kept its id"

    response = httpx.get(f"{server}/api/rooms/{code}/events", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    locked = [e for e in response.json()["events"] if e["type"] == "room.locked"]
    assert len(locked) == 1, json.dumps(response.json(), indent=1)
    assert locked[0]["command_key"], locked


def test_after_a_server_restart_the_page_retries_within_two_seconds(new_context, room):
    """A 1012 close says the server is restarting: the page keeps its retries short until it is back."""
    screen = open_screen(new_context, room)
    delays = screen.evaluate("""() => {
        const tenth = () => htmx.config.wsReconnectDelay(10);
        const closed = code => document.body.dispatchEvent(
            new CustomEvent('htmx:wsClose', {bubbles: true, detail: {event: {code: code}}}));
        const before = tenth();
        closed(1006);
        const afterDrop = tenth();
        closed(1012);
        const restarting = tenth();
        document.body.dispatchEvent(new CustomEvent('htmx:wsOpen', {bubbles: true, detail: {}}));
        return {before, afterDrop, restarting, back: tenth()};
    }""")
    assert delays["before"] >= 5000 and delays["afterDrop"] >= 5000 and delays["back"] >= 5000, delays
    assert delays["restarting"] <= 2000, delays
