"""Case timers in a real Chromium: the console drives, the screen and the phones follow.

Every clock counts down locally from the deadline the server sent, corrected by
the page's measured offset from the server clock (static/clock.js). These tests
read what a person in the room would read: the countdown text on the screen and
on a 360 px phone, sampled one right after the other, must agree within a second.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import LONG_CHARTER, LONG_TITLE, ORGS, open_phone, open_screen, wait_live
from tests.live import create_room, ok

pytestmark = pytest.mark.browser

TITLE = ORGS[0]  # a case without a title is named after its organisation
SCREEN = "#clock-screen .countdown"
PHONE = "#clock-phone .countdown"
CONSOLE = "#clock-console .countdown"
SCREEN_SHOT = "/tmp/timer-screen.png"
CONSOLE_SHOT = "/tmp/timer-console.png"
PHONE_SHOT = "/tmp/timer-phone.png"
ABOUT_A_MINUTE = re.compile(r"^(1:00|0:5\d)$")
ABOUT_TWO_MINUTES = re.compile(r"^(2:00|1:5\d)$")


# -- helpers -----------------------------------------------------------------


def seconds(text: str) -> float:
    """What a clock shows, in seconds left: 1:00 -> 60, 9.4 -> 9.4, +0:03 -> -3."""
    shown = text.strip()
    assert re.fullmatch(r"\+?(\d+:)?\d+:\d\d|\d\.\d", shown), f"not a clock: {text!r}"
    sign = -1 if shown.startswith("+") else 1
    if ":" not in shown:
        return float(shown)
    value = 0
    for part in shown.lstrip("+").split(":"):
        value = value * 60 + int(part)
    return sign * value


READ = """selector => { const e = document.querySelector(selector);
    return e ? {text: e.textContent, classes: [...e.classList]} : null; }"""


def read(page: Page, selector: str) -> dict:
    shown = page.evaluate(READ, selector)
    assert shown is not None, f"{selector} is not on {page.url}"
    return shown


def in_step(screen: Page, phone: Page, phone_clock: str = PHONE) -> tuple[float, float]:
    """Read both clocks at (nearly) the same moment; they must show the same second, give or take one."""
    on_screen, on_phone = read(screen, SCREEN), read(phone, phone_clock)
    a, b = seconds(on_screen["text"]), seconds(on_phone["text"])
    assert abs(a - b) <= 1, f"screen shows {on_screen['text']}, phone shows {on_phone['text']}"
    return a, b


def add_case(server: str, room: dict, presentation: float = 1, questions: float = 0) -> None:
    ok(
        server,
        room,
        type="agenda.add",
        kind="case",
        organisation=ORGS[0],
        presenter="Ana Pereira",
        presentation_minutes=presentation,
        qa_minutes=questions,
    )


# -- 1. the main path: start, tick in step, add a minute, pause, resume ------------------


def test_screen_and_phone_follow_the_console_in_step(server, room, new_context):
    code = room["code"]
    console = new_context("laptop").new_page()
    console.goto(room["links"]["console"])
    expect(console).to_have_url(f"{server}/r/{code}/console")
    wait_live(console)

    # The agenda is empty, so the add-item form is already open.
    form = console.locator("#agenda-add form")
    expect(console.locator("#agenda .empty")).to_be_visible()
    form.locator("select[name=kind]").select_option("case")
    form.locator("input[name=organisation]").fill(ORGS[0])
    form.locator("input[name=presenter]").fill("Ana Pereira")
    form.locator("input[name=presentation_minutes]").fill("1")
    form.locator("input[name=qa_minutes]").fill("0.5")
    form.get_by_role("button", name="Add to agenda").click()
    row = console.locator("#agenda tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ORGS[0])
    expect(row).to_contain_text("Ana Pereira")
    expect(row).to_contain_text("Presentation 1:00 + Questions 0:30")
    expect(row.locator("td").nth(2)).to_have_text("1:30")
    start = console.locator("#clock-console [data-timer=Start]")
    expect(start).to_have_text(f"Start {TITLE}")

    screen = open_screen(new_context, room)
    phone = open_phone(new_context, server, code, "Ana Pereira", ORGS[0])
    expect(screen.locator("#clock-screen")).to_be_hidden()  # nothing runs yet: the join panel has the room

    start.click()
    for page, clock in ((screen, SCREEN), (phone, PHONE), (console, CONSOLE)):
        expect(page.locator(clock)).to_have_text(ABOUT_A_MINUTE, timeout=2000)
    first = in_step(screen, phone)
    expect(screen.locator("#clock-screen .item-line")).to_contain_text(TITLE)
    expect(phone.locator("#clock-phone .item-line")).to_have_text(TITLE)
    expect(screen.locator("#clock-screen .presenter")).to_have_text(f"Ana Pereira · {ORGS[0]}")
    expect(screen.locator("#clock-screen .phase")).to_have_text("Presentation 1 of 2")
    expect(phone.locator("#clock-phone .phase")).to_have_text("Presentation")
    expect(row).to_have_class(re.compile(r"\bstatus-current\b"))
    screen.screenshot(path=SCREEN_SHOT)
    console.screenshot(path=CONSOLE_SHOT, full_page=True)
    phone.screenshot(path=PHONE_SHOT)

    screen.wait_for_timeout(2000)
    ticked = in_step(screen, phone)
    assert 1 <= first[0] - ticked[0] <= 3 and 1 <= first[1] - ticked[1] <= 3, (first, ticked)

    console.locator("#clock-console [data-timer='+1 min']").click()
    for page, clock in ((screen, SCREEN), (phone, PHONE)):
        expect(page.locator(clock)).to_have_text(ABOUT_TWO_MINUTES, timeout=1500)
    in_step(screen, phone)

    console.locator("#clock-console [data-timer=Pause]").click()
    for page, clock in ((screen, SCREEN), (phone, PHONE), (console, CONSOLE)):
        expect(page.locator(clock)).to_have_class(re.compile(r"\bpaused\b"), timeout=1500)
    expect(screen.locator("#clock-screen .paused-tag")).to_have_text("paused")
    expect(phone.locator("#clock-phone .phase")).to_have_text("Presentation · paused")
    expect(console.locator("#clock-console [data-timer=Resume]")).to_be_visible()
    held = in_step(screen, phone)
    screen.wait_for_timeout(1500)
    assert in_step(screen, phone) == held, "a paused clock kept counting"
    assert ABOUT_TWO_MINUTES.match(read(screen, SCREEN)["text"])

    console.locator("#clock-console [data-timer=Resume]").click()
    for page, clock in ((screen, SCREEN), (phone, PHONE)):
        expect(page.locator(clock)).not_to_have_class(re.compile(r"\bpaused\b"), timeout=1500)
    screen.wait_for_timeout(1500)
    resumed = in_step(screen, phone)
    assert 1 <= held[0] - resumed[0] <= 2.5 and 1 <= held[1] - resumed[1] <= 2.5, (held, resumed)


# -- 2. a phone whose own clock is wrong still shows the room's second --------------------


def test_phones_with_wrong_clocks_show_the_same_second_as_the_screen(server, room, new_context):
    add_case(server, room, presentation=1)
    screen = open_screen(new_context, room)
    ahead = open_phone(new_context, server, room["code"], "Ana", ORGS[0], skew_ms=90_000)
    behind = open_phone(new_context, server, room["code"], "Ben", ORGS[0], skew_ms=-7 * 60_000)
    for phone, skew in ((ahead, 90_000), (behind, -7 * 60_000)):
        assert abs(phone.evaluate("() => Date.now()") - time.time() * 1000 - skew) < 2000, "the skew did not take"
        # All three time probes have answered by now (sent at 0, 300 and 900 ms after the socket opened).
        phone.wait_for_function(f"() => Math.abs(window.facilitatorClock.offset() + ({skew})) < 1000", timeout=3000)

    ok(server, room, type="timer.start")
    for page, clock in ((screen, SCREEN), (ahead, PHONE), (behind, PHONE)):
        expect(page.locator(clock)).to_have_text(ABOUT_A_MINUTE, timeout=2000)
    for _ in range(3):
        in_step(screen, ahead)
        in_step(screen, behind)
        screen.wait_for_timeout(700)


# -- 3. colours, tenths, overtime and the flash at zero ---------------------------------------

SAMPLE = """() => {
    window.__samples = [];
    window.__flashes = [];
    const clock = () => document.querySelector('#clock-screen .countdown');
    setInterval(() => {
        const e = clock();
        if (!e || !e.dataset.deadline) return;
        window.__samples.push({left: Number(e.dataset.deadline) - window.facilitatorClock.serverNow(),
                               text: e.textContent, classes: [...e.classList]});
    }, 40);
    new MutationObserver(() => {
        const e = clock();
        if (e && e.classList.contains('zero-flash') && !window.__flashes.length)
            window.__flashes.push(Number(e.dataset.deadline) - window.facilitatorClock.serverNow());
    }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['class'], childList: true});
}"""


def test_colours_tenths_and_overtime_on_the_screen(server, room, new_context):
    ok(server, room, type="timer.configure", amber_seconds=11, red_seconds=6, auto_advance_phase=False)
    add_case(server, room, presentation=0.2)  # 12 s, no questions
    screen = open_screen(new_context, room)
    screen.evaluate(SAMPLE)
    ok(server, room, type="timer.start")
    screen.wait_for_function("() => window.__samples.some(s => s.left < -2600)", timeout=20000)
    samples = screen.evaluate("() => window.__samples")
    flashes = screen.evaluate("() => window.__flashes")
    final = read(screen, SCREEN)

    def near(left: float, *edges: float) -> bool:  # the clock ticks every 100 ms: skip the instants at an edge
        return any(abs(left - edge) < 150 for edge in edges)

    steady = [s for s in samples if not near(s["left"], 11000, 10000, 9900, 6000, 0, -1000)]
    assert [s for s in steady if s["left"] > 11000], "no sample before amber"
    for s in steady:
        left, classes, text = s["left"], set(s["classes"]), s["text"]
        colour = {"amber", "red", "over"} & classes
        if left > 11000:
            assert not colour, s
        elif left > 6000:
            assert colour == {"amber"}, s
        elif left > 0:
            assert colour == {"red"}, s
        else:
            assert colour == {"over"}, s
        if 0 < left < 9900:  # 0:10 down to 9.9 s, then tenths: never "10.0"
            assert re.fullmatch(r"\d\.\d", text), s
            assert abs(float(text) - left / 1000) <= 0.2, s
        elif left >= 10000:
            assert re.fullmatch(r"0:1\d", text), s
        elif left <= -1000:
            assert re.fullmatch(r"\+0:0\d", text), s
            assert abs(seconds(text) - left / 1000) <= 1.15, s  # +0:01 until 2 s over, one tick late at most
    assert any(re.fullmatch(r"\d\.\d", s["text"]) for s in steady), "tenths never shown"
    assert any(s["text"] == "+0:02" for s in steady), "overtime never counted up"
    assert len(flashes) == 1 and -600 < flashes[0] <= 200, f"zero-flash at {flashes} ms before the deadline"
    assert final["text"].startswith("+0:0") and "over" in final["classes"], final
    assert "paused" not in final["classes"], "the clock stopped at zero instead of counting overtime"


# -- 4. a message on the screen ----------------------------------------------------------


def test_console_message_shows_on_the_screen_and_clears(server, room, new_context):
    add_case(server, room, presentation=1)
    console = new_context("laptop").new_page()
    console.goto(room["links"]["console"])
    wait_live(console)
    screen = open_screen(new_context, room)
    ok(server, room, type="timer.start")
    expect(screen.locator(SCREEN)).to_have_text(ABOUT_A_MINUTE, timeout=2000)

    form = console.locator("form.message-form")
    form.locator("input[name=text]").fill("Please wrap up")
    form.locator("select[name=tone]").select_option("red")
    form.locator("select[name=target]").select_option("screen")
    form.locator("input[name=flash]").check()
    form.get_by_role("button", name="Send").click()

    message = screen.locator("#screen-message .screen-message")
    expect(message).to_have_text("Please wrap up", timeout=2000)
    expect(message).to_be_visible()
    expect(message).to_have_class(re.compile(r"(?=.*\btone-red\b)(?=.*\bflashing\b)"))
    assert message.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(179, 38, 30)"
    expect(screen.locator(SCREEN)).to_be_visible()  # the message joins the clock, never hides it
    preview = console.locator("#clock-console .on-screen")
    expect(preview).to_contain_text("Please wrap up")

    preview.get_by_role("button", name="Clear").click()
    expect(message).to_have_count(0, timeout=2000)
    expect(preview).to_have_count(0)
    expect(screen.locator(SCREEN)).to_be_visible()

    # With nothing running the message still shows on the screen (the clock section steps in for it).
    ok(server, room, type="timer.finish")
    expect(screen.locator("#clock-screen .countdown")).to_have_count(0, timeout=2000)
    form.locator("input[name=text]").fill("Back in five minutes")
    form.locator("select[name=tone]").select_option("neutral")
    form.locator("input[name=flash]").uncheck()
    form.get_by_role("button", name="Send").click()
    expect(message).to_have_text("Back in five minutes", timeout=2000)
    expect(message).to_be_visible()
    expect(message).not_to_have_class(re.compile(r"\bflashing\b"))


# -- 5. a phone that sleeps and wakes ----------------------------------------------------


def test_a_phone_that_sleeps_is_right_as_soon_as_it_wakes(server, room, new_context):
    add_case(server, room, presentation=1)
    screen = open_screen(new_context, room)
    phone = open_phone(new_context, server, room["code"], "Ana Pereira", ORGS[0])
    ok(server, room, type="timer.start")
    expect(phone.locator(PHONE)).to_have_text(ABOUT_A_MINUTE, timeout=2000)
    in_step(screen, phone)

    # Its main thread is stuck for 3 s: no tick runs. The overdue tick is the first task after it
    # (a timer queued now runs after it), and from then on the clock is right: no drift piled up.
    phone.evaluate("() => { const end = Date.now() + 3000; while (Date.now() < end) {} }")
    phone.evaluate("() => new Promise(done => setTimeout(done, 0))")
    in_step(screen, phone)

    # Frozen the way Chrome freezes a page in the background, while the facilitator adds a minute.
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Page.setWebLifecycleState", {"state": "frozen"})
    before = seconds(read(screen, SCREEN)["text"])
    ok(server, room, type="timer.adjust", seconds=60)
    expect(screen.locator(SCREEN)).to_have_text(re.compile(r"^1:[45]\d$"), timeout=1500)
    screen.wait_for_timeout(2500)
    cdp.send("Page.setWebLifecycleState", {"state": "active"})
    expect(phone.locator(PHONE)).to_have_text(re.compile(r"^1:[45]\d$"), timeout=1000)
    after = in_step(screen, phone)
    assert 55 <= after[0] - before <= 59, (before, after)


# -- 6. the screen while a clock runs ------------------------------------------------------

SCREEN_METRICS = """() => {
    const d = document.documentElement, grid = document.querySelector('.screen-grid');
    const outside = [...grid.querySelectorAll('*')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5
                               || r.top < -0.5 || r.left < -0.5);
    }).map(e => e.tagName + '.' + e.className);
    const clock = document.querySelector('#clock-screen .countdown');
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, innerHeight, innerWidth,
            bodyScrollHeight: document.body.scrollHeight, outside,
            clockSize: parseFloat(getComputedStyle(clock).fontSize)};
}"""


@pytest.mark.parametrize("width,height,smallest", [(1920, 1080, 150), (1280, 720, 100)])
def test_running_clock_fills_the_screen_without_scrolling(server, new_context, width, height, smallest):
    room = create_room(server, title=LONG_TITLE, charter=LONG_CHARTER, organisations=ORGS)
    add_case(server, room, presentation=15, questions=5)
    add_case(server, room, presentation=15, questions=5)
    ok(server, room, type="message.show", text="Two questions left, then we move on", tone="green")
    screen = open_screen(new_context, room, viewport={"width": width, "height": height})
    qr = screen.locator("#join-panel img.qr")
    expect(qr).to_be_visible()

    ok(server, room, type="timer.start")
    expect(screen.locator(SCREEN)).to_have_text(re.compile(r"^1[45]:\d\d$"), timeout=2000)
    expect(qr).to_be_hidden()
    m = screen.evaluate(SCREEN_METRICS)
    assert m["innerWidth"] == width and m["innerHeight"] == height, m
    assert m["scrollHeight"] <= height and m["bodyScrollHeight"] <= height and m["scrollWidth"] <= width, m
    assert not m["outside"], f"cut off at {width}x{height}: {m['outside']}"
    assert m["clockSize"] >= smallest, m

    ok(server, room, type="timer.finish")
    expect(screen.locator(SCREEN)).to_have_count(0, timeout=2000)
    expect(qr).to_be_visible()
