"""Opening the product's pages in Chromium the way the browser tests need them."""

import re

from playwright.sync_api import Page, expect

from tests.live import join

ORGS = ["St Mary's Hospital", "Northfield Clinic"]
ANA = ("Ana Pereira", ORGS[0])
BEN = ("Ben Okafor", ORGS[1])
# As long as a real exchange's title and charter run: what a screen must fit without scrolling.
LONG_TITLE = "Reducing discharge delays in acute medical wards across two trusts"
LONG_CHARTER = {
    "focus": "Patients wait hours for discharge after the decision is made",
    "outcome": "15 % shorter length of stay",
    "beneficiaries": "Nurse managers",
}
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}
SOCKET_OPEN = (
    "() => { const w = document.body['htmx-internal-data'] && document.body['htmx-internal-data'].webSocket;"
    " return !!(w && w.socket && w.socket.readyState === 1); }"
)


def wait_live(page: Page, clock: bool = True) -> None:
    """Wait until the page's htmx WebSocket is open and, with `clock`, the page has heard
    the server's time once (see static/clock.js)."""
    page.wait_for_function(SOCKET_OPEN, timeout=5000)
    if clock:
        page.wait_for_function("() => !!document.getElementById('server-clock').dataset.sent", timeout=5000)


def mark_page(page: Page) -> None:
    """A marker that a reload would wipe out."""
    page.evaluate("() => { window.__notReloaded = true; }")


def assert_not_reloaded(*pages: Page) -> None:
    for page in pages:
        assert page.evaluate("() => window.__notReloaded === true"), f"{page.url} was reloaded"


def open_console(new_context, room: dict) -> Page:
    """The facilitator's console through its secret link, live and marked."""
    console = new_context("laptop").new_page()
    console.goto(room["links"]["console"])
    wait_live(console)
    mark_page(console)
    return console


def open_screen(new_context, room: dict, **options) -> Page:
    """The projector screen through its secret link, live and marked."""
    screen = new_context("laptop", **(options or FULL_HD)).new_page()
    screen.goto(room["links"]["screen"])
    wait_live(screen)
    mark_page(screen)
    return screen


def open_phone(new_context, server: str, code: str, name: str, organisation: str, skew_ms: int = 0) -> Page:
    """A participant's 360 px phone, joined through the API and carrying its cookie;
    `skew_ms` sets the phone's own clock wrong by that much."""
    joined = join(server, code, name=name, organisation=organisation)
    context = new_context("phone")
    if skew_ms:
        context.add_init_script(f"(() => {{ const real = Date.now; Date.now = () => real() + ({skew_ms}); }})()")
    context.add_cookies([{"name": f"fac_{code}_participant", "value": joined["token"], "url": server}])
    phone = context.new_page()
    phone.goto(f"{server}/r/{code}")
    expect(phone.locator("#me")).to_contain_text(f"You are {name}")
    wait_live(phone)
    mark_page(phone)
    return phone


def show_tab(console: Page, name: str) -> None:
    """Open one of the console's tabs (Agenda, Polls, Questions, Share of voice, People, …)."""
    tab = console.locator("[role=tab]").filter(has_text=re.compile(f"^{re.escape(name)}$"))
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
