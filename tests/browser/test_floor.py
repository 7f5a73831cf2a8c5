"""The floor in a real Chromium: phones raise hands, the console gives the floor, the screen's bars move.

A turn in progress carries its start time; static/voice.js moves the share-of-voice
bars and static/clock.js counts the turn clock locally, so these tests read the
pages twice a few seconds apart and check that what a person sees has moved,
with no reload and no extra traffic.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    ANA,
    BEN,
    LONG_CHARTER,
    LONG_TITLE,
    ORGS,
    assert_not_reloaded,
    open_console,
    open_phone,
    open_screen,
    show_tab,
)
from tests.live import join, ok, room_with

pytestmark = pytest.mark.browser

SCREEN_SHOT = "/tmp/floor-screen.png"
CONSOLE_SHOT = "/tmp/floor-console.png"
PHONE_SHOT = "/tmp/floor-phone.png"


# -- helpers -----------------------------------------------------------------


def floor_settings(
    console: Page, order: str | None = None, turn_limit: int | None = None, factor: float | None = None
) -> None:
    """Change the floor settings through the console's own form (a <details> that starts closed)."""
    details = console.locator("#floor-console details.floor-settings")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    form = details.locator("form")
    if order is not None:
        form.locator("select[name=order]").select_option(order)
    if turn_limit is not None:
        form.locator("input[name=turn_limit_seconds]").fill(str(turn_limit))
    if factor is not None:
        form.locator("input[name=dominance_factor]").fill(str(factor))
    form.get_by_role("button", name="Save").click()
    # Wait for the server's answer and the render that follows it (at most one render interval,
    # 100 ms, later), or the next click may land on a form that is about to be replaced.
    expect(form).not_to_have_attribute("data-command-id", re.compile(".+"))
    console.wait_for_timeout(300)
    saved = console.locator("#floor-console details.floor-settings form")
    if order is not None:
        expect(saved.locator("select[name=order]")).to_have_value(order)
    if turn_limit is not None:
        expect(saved.locator("input[name=turn_limit_seconds]")).to_have_value(str(turn_limit))
    if factor is not None:
        expect(saved.locator("input[name=dominance_factor]")).to_have_value(str(factor))


def give_to(console: Page, who: tuple[str, str]) -> None:
    """The console's "Give the floor to" select and its Give button."""
    form = console.locator("#floor-console form").filter(has=console.locator("select[name=speaker]"))
    form.locator("select[name=speaker]").select_option(label=f"{who[0]} ({who[1]})")
    form.get_by_role("button", name="Give", exact=True).click()
    expect(console.locator("#floor-console .speaking-now")).to_contain_text(f"{who[0]} · {who[1]} has the floor")


def end_turn(console: Page) -> None:
    console.locator("#floor-console [data-floor=stop]").click()
    expect(console.locator("#floor-console .speaking-now")).to_have_count(0)


def bar(page: Page, organisation: str):
    rows = page.locator(":is(#voice-bars, #voice-screen) li.bar-row")  # the console's bars, or the screen's
    return rows.filter(has=page.locator(".bar-name", has_text=organisation))


# The fill's computed width, in pixels and as a share of its track (the track itself can change
# width a little as the figures beside it change).
BAR = """row => ({width: parseFloat(getComputedStyle(row.querySelector('.bar-fill')).width),
                 ratio: parseFloat(getComputedStyle(row.querySelector('.bar-fill')).width)
                        / row.querySelector('.bar-track').getBoundingClientRect().width,
                 time: row.querySelector('[data-voice-time]').textContent,
                 share: Number(row.querySelector('[data-voice-share]').textContent),
                 classes: [...row.classList]})"""


def read_bar(page: Page, organisation: str) -> dict:
    return bar(page, organisation).evaluate(BAR)


def clock_seconds(text: str) -> int:
    """A count-up clock or a bar's time, m:ss or h:mm:ss, in seconds."""
    assert re.fullmatch(r"(\d+:)?\d+:\d\d", text.strip()), f"not a clock: {text!r}"
    value = 0
    for part in text.strip().split(":"):
        value = value * 60 + int(part)
    return value


# -- 1. the main path: least heard first, and the bars move -----------------------------------


def test_least_heard_organisation_gets_the_floor_and_the_bars_move(server, room, new_context):
    code = room["code"]
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ok(server, room, type="screen.show", what="voice")  # the share of voice on the screen
    ana = open_phone(new_context, server, code, *ANA)
    ben = open_phone(new_context, server, code, *BEN)
    expect(screen.locator(":is(#voice-bars, #voice-screen) li.bar-row")).to_have_count(2)
    expect(console.locator("#floor-console .queue")).to_have_count(0)

    floor_settings(console, order="organisation")
    expect(console.locator("#floor-console h3 small")).to_have_text("least-heard organisation first")

    # St Mary's is heard first. Long enough that Northfield's bar stays below it while we watch:
    # bars are scaled to the longest time, so St Mary's stays full only while it leads.
    give_to(console, ANA)
    expect(ana.locator("#my-floor .you-speak")).to_contain_text("You have the floor")
    expect(screen.locator("#floor-screen")).to_contain_text(f"{ANA[0]} · {ANA[1]}")
    console.wait_for_timeout(4000)
    end_turn(console)
    expect(ana.locator("#my-floor .you-speak")).to_have_count(0)
    expect(screen.locator("#floor-screen .speaker-line")).to_have_count(0)
    mary_before = read_bar(screen, ORGS[0])
    assert clock_seconds(mary_before["time"]) >= 3, mary_before

    # St Mary's raises a hand first, Northfield second; Northfield has not been heard, so it leads the queue.
    ana.locator("[data-hand=comment]").click()
    expect(ana.locator("#my-floor .hand-state")).to_have_text("Hand raised · number 1 in the queue")
    ben.locator("[data-hand=comment]").click()
    expect(ben.locator("#my-floor .hand-state")).to_have_text("Hand raised · number 1 in the queue")
    expect(ana.locator("#my-floor .hand-state")).to_have_text("Hand raised · number 2 in the queue")
    queue = console.locator("#floor-console ol.queue > li")
    expect(queue).to_have_count(2)
    expect(queue.nth(0)).to_contain_text(f"{BEN[0]} · {BEN[1]}")
    expect(queue.nth(0)).to_contain_text("organisation 0:00")
    expect(queue.nth(1)).to_contain_text(f"{ANA[0]} · {ANA[1]}")

    console.locator("#floor-console [data-floor=next]").click()
    you = ben.locator("#my-floor .you-speak")
    expect(you).to_contain_text("You have the floor")
    clock = you.locator(".turn-clock")
    expect(clock).to_have_text(re.compile(r"^0:0[01]$"))
    expect(ana.locator("#my-floor .you-speak")).to_have_count(0)
    expect(ana.locator("#my-floor .hand-state")).to_have_text("Hand raised · number 1 in the queue")
    expect(queue).to_have_count(1)
    expect(queue.nth(0)).to_contain_text(ANA[0])
    expect(console.locator("#floor-console .speaking-now")).to_contain_text(f"{BEN[0]} · {BEN[1]} has the floor")
    expect(screen.locator("#floor-screen .speaker-line")).to_contain_text(f"{BEN[0]} · {BEN[1]}")
    expect(screen.locator("#floor-screen .turn-clock")).to_have_text(re.compile(r"^0:0\d$"))

    screen.wait_for_timeout(600)  # past the first redraw and the bar's .4 s transition from zero
    north_first, mary_first = read_bar(screen, ORGS[1]), read_bar(screen, ORGS[0])
    balance = screen.locator(":is(#voice-bars, #voice-screen) .balance strong")
    first_balance = float(balance.text_content())
    first_tick = clock_seconds(clock.text_content())
    screen.wait_for_timeout(2000)
    north_then, mary_then = read_bar(screen, ORGS[1]), read_bar(screen, ORGS[0])
    then_tick = clock_seconds(clock.text_content())
    then_balance = float(balance.text_content())

    assert north_then["width"] > north_first["width"] + 50, (north_first, north_then)
    assert 0.2 < north_then["ratio"] < 1, (north_first, north_then)
    assert clock_seconds(north_then["time"]) >= clock_seconds(north_first["time"]) + 1, (north_first, north_then)
    assert north_then["share"] > north_first["share"], (north_first, north_then)
    for mary in (mary_before, mary_first, mary_then):  # St Mary's still leads: its bar stays full
        assert mary["ratio"] == pytest.approx(1, abs=0.005), (mary_before, mary_first, mary_then)
    assert mary_then["width"] == mary_first["width"], (mary_first, mary_then)
    assert mary_then["time"] == mary_first["time"] == mary_before["time"], (mary_before, mary_first, mary_then)
    assert then_tick >= first_tick + 1, (first_tick, then_tick)  # the phone's clock counts up
    assert 0 < first_balance < then_balance < 1, (first_balance, then_balance)  # evening out, live
    # The console shows the same live bars.
    assert clock_seconds(read_bar(console, ORGS[1])["time"]) >= clock_seconds(north_first["time"]) + 1

    assert_not_reloaded(console, screen, ana, ben)


# -- 2. the dominance flag is the facilitator's, not the room's ------------------------------


def test_an_organisation_holding_the_floor_is_flagged_on_the_console_only(server, room, new_context):
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ok(server, room, type="screen.show", what="voice")  # the share of voice on the screen
    join(server, room["code"], name=ANA[0], organisation=ANA[1])
    join(server, room["code"], name=BEN[0], organisation=BEN[1])
    expect(console.locator(":is(#voice-bars, #voice-screen) li.bar-row")).to_have_count(2)
    show_tab(console, "Share of voice")

    floor_settings(console, factor=1.5)
    expect(console.locator(":is(#voice-bars, #voice-screen)")).to_have_attribute("data-factor", "1.5")
    mary, north = bar(console, ORGS[0]), bar(console, ORGS[1])
    expect(mary).not_to_have_class(re.compile(r"\bdominant\b"))
    expect(mary.locator(".dominant-flag")).to_be_hidden()

    give_to(console, ANA)
    console.wait_for_timeout(3000)
    expect(mary).to_have_class(re.compile(r"\bdominant\b"))
    expect(mary.locator(".dominant-flag")).to_be_visible()
    expect(mary.locator(".dominant-flag")).to_have_text("above its equal share")
    # The tab says so while another is open.
    show_tab(console, "Agenda")
    assert console.locator("#tab-voice").evaluate("t => getComputedStyle(t, '::after').content") == '" ⚑"'
    show_tab(console, "Share of voice")
    expect(north).not_to_have_class(re.compile(r"\bdominant\b"))
    expect(north.locator(".dominant-flag")).to_be_hidden()
    mary_fill = mary.locator(".bar-fill").evaluate("e => getComputedStyle(e).backgroundColor")
    north_fill = north.locator(".bar-fill").evaluate("e => getComputedStyle(e).backgroundColor")
    assert mary_fill != north_fill, "the flagged bar is not coloured apart"
    tracks = console.locator(":is(#voice-bars, #voice-screen) .bar-track").evaluate_all(
        "ts => ts.map(t => { const r = t.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.right)]; })"
    )
    assert len(set(map(tuple, tracks))) == 1, f"the console's bars are out of line: {tracks}"

    # The screen shows the bars but never the flag: naming and shaming is the facilitator's call.
    screen_mary = bar(screen, ORGS[0])
    expect(screen_mary.locator(".bar-fill")).to_be_visible()
    expect(screen_mary.locator(".dominant-flag")).to_be_hidden()
    assert "above its equal share" not in screen.locator("body").inner_text()

    # When the turn ends, the server's own figures agree with what the browser worked out.
    end_turn(console)
    expect(mary).to_have_class(re.compile(r"\bdominant\b"))
    expect(mary.locator(".dominant-flag")).to_be_visible()
    assert "above its equal share" not in screen.locator("body").inner_text()
    assert_not_reloaded(console, screen)


# -- 3. a turn limit counts down on the speaker's phone, then into overtime -------------------


def test_turn_limit_counts_down_on_the_phone_into_overtime(server, room, new_context):
    console = open_console(new_context, room)
    phone = open_phone(new_context, server, room["code"], *ANA)
    floor_settings(console, turn_limit=3)

    give_to(console, ANA)
    clock = phone.locator("#my-floor .you-speak .turn-clock")
    expect(clock).to_have_text(re.compile(r"^[0-3]\.\d$"))
    start = float(clock.text_content())
    # How soon the phone first shows it depends on the machine's load; and the page knows the
    # server's clock to within half the round trip of its best probe, so a loaded machine can
    # show a tenth or two above the limit for an instant.
    assert 1.0 <= start <= 3.3, start
    phone.wait_for_timeout(1000)
    later = clock.text_content()
    assert re.fullmatch(r"\d\.\d", later) and float(later) < start - 0.5, (start, later)
    expect(clock).not_to_have_class(re.compile(r"\bover\b"))

    expect(clock).to_have_text(re.compile(r"^\+0:0\d$"), timeout=5000)  # a second over: +0:01
    expect(clock).to_have_class(re.compile(r"\bover\b"))
    expect(console.locator("#floor-console .speaking-now .turn-clock")).to_have_class(re.compile(r"\bover\b"))
    assert_not_reloaded(console, phone)


# -- 4. fitting a 360 px phone and the room's screen -------------------------------------------

PHONE_LAYOUT = """() => {
    // Buttons, and the form controls a thumb aims at (a checkbox is tapped through its label).
    const targets = 'button, .button, input:not([type=hidden]):not([type=checkbox]), select, textarea, label.check';
    const small = [...document.querySelectorAll(targets)]
      .filter(e => e.offsetParent !== null)
      .map(e => ({target: e.tagName + ' ' + (e.name || e.textContent.trim()), h: e.getBoundingClientRect().height}))
      .filter(t => t.h < 44);
    const hands = [...document.querySelectorAll('#my-floor button')].map(e => e.getBoundingClientRect().height);
    return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth, small, hands};
}"""


def assert_fits_phone(page: Page, what: str, hand_buttons: bool = True) -> None:
    layout = page.evaluate(PHONE_LAYOUT)
    assert layout["width"] == 360, layout
    assert layout["scrollWidth"] <= 360, f"{what} scrolls sideways: {layout}"
    assert bool(layout["hands"]) == hand_buttons, f"{what}: {layout}"
    assert all(height >= 44 for height in layout["hands"]), f"{what}: floor buttons under 44 px: {layout}"
    assert not layout["small"], f"{what} has tap targets under 44 px: {layout['small']}"


def test_floor_controls_fit_a_phone(server, room, new_context):
    phone = open_phone(new_context, server, room["code"], *ANA)
    assert_fits_phone(phone, "the phone with its hand buttons")

    phone.locator("[data-hand=clarify]").click()
    expect(phone.locator("#my-floor .hand-state")).to_have_text("Clarifying question raised · number 1 in the queue")
    assert_fits_phone(phone, "the phone with a raised hand")

    ok(server, room, type="floor.give")
    expect(phone.locator("#my-floor .you-speak")).to_contain_text("You have the floor")
    expect(phone.locator("#my-floor .you-speak .turn-clock")).to_have_text(re.compile(r"^0:0\d$"))
    assert_fits_phone(phone, "the phone of the speaker", hand_buttons=False)  # no hands while speaking
    phone.wait_for_timeout(1100)
    phone.screenshot(path=PHONE_SHOT)


SCREEN_METRICS = """() => {
    const d = document.documentElement, grid = document.querySelector('.screen-grid');
    const outside = [...grid.querySelectorAll('*')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5
                               || r.top < -0.5 || r.left < -0.5);
    }).map(e => e.tagName + '.' + e.className);
    // Clipped inside the page: the voice column hides its overflow, and names end in an ellipsis.
    const voice = document.querySelector('#voice-screen');
    const clipped = [voice, ...document.querySelectorAll('.screen .bar-name')].filter(
        e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1
    ).map(e => e.className + ': ' + e.textContent.trim());
    const visible = sel => {
        const e = document.querySelector(sel);
        return !!e && e.getBoundingClientRect().height > 0;
    };
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, innerHeight, innerWidth,
            bodyScrollHeight: document.body.scrollHeight, outside, clipped,
            clock: visible('#clock-screen .countdown'), speaker: visible('#floor-screen .speaker-line'),
            bars: document.querySelectorAll(':is(#voice-bars, #voice-screen) .bar-row').length,
            // Bars compare only if every track starts and ends at the same place.
            tracks: [...document.querySelectorAll(':is(#voice-bars, #voice-screen) .bar-track')].map(e => {
                const r = e.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.right)]; })};
}"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_screen_with_clock_bars_and_speaker_fits_without_scrolling(server, new_context, width, height):
    room, (ana, ben) = room_with(server, people=[ANA, BEN], title=LONG_TITLE, charter=LONG_CHARTER, organisations=ORGS)
    ok(
        server,
        room,
        type="agenda.add",
        kind="case",
        organisation=ORGS[0],
        presenter=ANA[0],
        presentation_minutes=15,
        qa_minutes=5,
    )
    ok(server, room, type="timer.start")
    ok(server, room, type="floor.give", speaker=ana["participant_id"])
    screen = open_screen(new_context, room, viewport={"width": width, "height": height})
    ok(server, room, type="screen.show", what="voice")  # the share of voice on the screen
    screen.wait_for_timeout(1500)
    ok(server, room, type="floor.give", speaker=ben["participant_id"])  # ends Ana's turn, starts Ben's
    expect(screen.locator("#floor-screen .speaker-line")).to_contain_text(f"{BEN[0]} · {BEN[1]}")
    expect(screen.locator("#clock-screen .countdown")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    expect(screen.locator(":is(#voice-bars, #voice-screen) .bar-row")).to_have_count(2)
    screen.wait_for_timeout(1200)  # the speaker's clock and bar have moved
    expect(screen.locator("#floor-screen .turn-clock")).to_have_text(re.compile(r"^0:0[1-9]$"))

    m = screen.evaluate(SCREEN_METRICS)
    screen.screenshot(path=SCREEN_SHOT if width == 1920 else f"/tmp/floor-screen-{width}.png")
    assert m["innerWidth"] == width and m["innerHeight"] == height, m
    assert m["clock"] and m["speaker"] and m["bars"] == 2, m
    assert m["scrollHeight"] <= height and m["bodyScrollHeight"] <= height and m["scrollWidth"] <= width, m
    assert not m["outside"], f"cut off at {width}x{height}: {m['outside']}"
    assert not m["clipped"], f"clipped at {width}x{height}: {m['clipped']}"
    assert len(set(map(tuple, m["tracks"]))) == 1, f"bars out of line at {width}x{height}: {m['tracks']}"
    if width == 1920:
        console = open_console(new_context, room)
        expect(console.locator("#floor-console .speaking-now")).to_contain_text(BEN[0])
        console.screenshot(path=CONSOLE_SHOT, full_page=True)
