"""The facilitator's console as a cockpit, in a real Chromium at laptop sizes.

What the next ten seconds need (the clock and its controls, who has the floor and the queue, the
next item, the run of show) is on screen without scrolling at 1366x768 and 1440x900; the rest is
in tabs that stay as they are while the room changes; shortcuts press the buttons they name, never
while someone types; several agenda items go in one after another.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from facilitator.cli import DEMO
from tests.browser.pages import ANA, BEN, ORGS, open_phone, wait_live
from tests.live import add_item, command, create_room, join, ok

pytestmark = pytest.mark.browser

LAPTOPS = [{"width": 1366, "height": 768}, {"width": 1440, "height": 900}]
CASE = {"kind": "case", "organisation": ORGS[0], "presenter": ANA[0], "presentation_minutes": 10, "qa_minutes": 5}
MINUS = "\u2212"  # the minus sign the console prints
SHOT = "/tmp/cockpit-{width}x{height}.png"

# Every box of these must lie inside the viewport (and not be clipped by a scrolling panel).
IN_VIEW = """selectors => selectors.map(selector => {
  const elt = document.querySelector(selector);
  if (!elt) return {selector, missing: true};
  const box = elt.getBoundingClientRect();
  let visible = box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
    && box.bottom <= innerHeight && box.right <= innerWidth;
  for (let up = elt.parentElement; up && visible; up = up.parentElement) {
    const style = getComputedStyle(up);
    if (style.overflowY === 'visible' && style.overflowX === 'visible') continue;
    const frame = up.getBoundingClientRect();
    visible = box.top >= frame.top - 1 && box.bottom <= frame.bottom + 1 && box.left >= frame.left - 1
      && box.right <= frame.right + 1;
  }
  return {selector, visible, box: [box.left, box.top, box.right, box.bottom]};
})"""

DECK = [
    "#clock-console .countdown",
    "[data-timer=Pause]",
    f"[data-timer='{MINUS}1 min']",
    "[data-timer='+1 min']",
    "[data-timer='Restart phase']",
    "[data-timer='Next phase']",
    "[data-timer='Finish item']",
    "#floor-console .speaking-now",
    "#floor-console [data-floor=next]",
    "#floor-console [data-floor=give]",
    "#floor-console ol.queue > li:nth-child(1)",
    "#floor-console ol.queue > li:nth-child(2)",
    "#screen-console .screen-now",
    "#screen-console [data-key=s]",
    "#screen-console [data-screen=questions]",
    "#screen-console [data-screen=join]",
    "#run-of-show .ends",
    "#run-of-show .next-item",
    ".shortcuts",
    "#tab-agenda",
]


def open_cockpit(new_context, room: dict, viewport: dict | None = None) -> Page:
    console = new_context("laptop", viewport=viewport or LAPTOPS[0]).new_page()
    console.goto(room["links"]["console"])
    wait_live(console)
    return console


def busy_room(server: str, room: dict) -> dict:
    """A case running, Ana speaking, three hands up, the share of voice put on the screen, a second
    item waiting: a full deck."""
    add_item(server, room, **CASE)
    add_item(server, room, kind="discussion", title="What we take home", minutes=10)
    people = [join(server, room["code"], name=f"Person {n}", organisation=ORGS[n % 2]) for n in range(4)]
    ok(server, room, type="timer.start")
    ok(server, room, type="floor.give", speaker=people[0]["participant_id"])
    ok(server, room, type="screen.show", what="voice")
    for person in people[1:]:
        raise_hand(server, room, person)
    return {"people": people}


def raise_hand(server: str, room: dict, person: dict) -> None:
    reply = command(server, room["code"], person["token"], type="hand.raise")
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("viewport", LAPTOPS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_what_the_next_ten_seconds_need_is_in_view_without_scrolling(server, room, new_context, viewport):
    busy_room(server, room)
    console = open_cockpit(new_context, room, viewport)
    expect(console.locator("#floor-console ol.queue > li")).to_have_count(3)
    console.screenshot(path=SHOT.format(**viewport))
    boxes = console.evaluate(IN_VIEW, DECK)
    assert [b for b in boxes if not b.get("visible")] == []
    # The page itself never scrolls: only the tab panels do.
    assert console.evaluate("() => document.scrollingElement.scrollHeight <= innerHeight")
    # "Give" sits beside its menu, not under it.
    select = console.locator("#floor-console select[name=speaker]").bounding_box()
    give = console.locator("#floor-console [data-floor=give]").bounding_box()
    assert give["y"] < select["y"] + select["height"] and give["x"] >= select["x"] + select["width"]


def test_the_exchanges_title_stays_whole_and_its_charter_gives_way(server, new_context):
    room = create_room(server, title=DEMO["title"], charter=DEMO["charter"], organisations=DEMO["organisations"])
    console = open_cockpit(new_context, room)
    title = console.locator("#room-header .room-title")
    assert title.evaluate("t => t.scrollWidth <= t.clientWidth"), title.inner_text()
    focus = console.locator("#room-header .focus")
    assert focus.evaluate("p => p.scrollWidth > p.clientWidth")  # cut, with an ellipsis


def test_the_open_tab_and_an_open_form_survive_live_updates_and_a_reload(server, room, new_context):
    add_item(server, room, **CASE)
    console = open_cockpit(new_context, room)
    expect(console.locator("#panel-agenda")).to_be_visible()
    console.get_by_role("tab", name="Polls").click()
    expect(console.locator("#panel-polls")).to_be_visible()
    expect(console.locator("#panel-agenda")).to_be_hidden()
    # The room changes: fragments in every panel are replaced.
    ok(server, room, type="poll.create", kind="single", question="Which first?", options=["A", "B"])
    join(server, room["code"], name="Late Lee", organisation=ORGS[1])
    ok(server, room, type="timer.start")
    expect(console.locator("#polls-console")).to_contain_text("Which first?")
    expect(console.locator("#clock-console .countdown")).to_be_visible()
    expect(console.locator("#panel-polls")).to_be_visible()
    expect(console.get_by_role("tab", name="Polls")).to_have_attribute("aria-selected", "true")
    expect(console.locator("#panel-agenda")).to_be_hidden()
    console.reload()
    wait_live(console)
    expect(console.locator("#panel-polls")).to_be_visible()
    expect(console.locator("#panel-agenda")).to_be_hidden()


def test_several_agenda_items_go_in_one_after_another(server, room, new_context):
    console = open_cockpit(new_context, room)
    details = console.locator("#add-item")
    expect(details).to_have_attribute("open", "")  # an empty agenda opens the form
    form = console.locator("#add-item-form")
    form.locator("select[name=kind]").select_option("discussion")
    for n, title in enumerate(["Welcome", "Ground rules", "What we take home"], start=1):
        title_field = form.locator("input[name=title]")
        title_field.fill(title)
        form.locator("input[name=minutes]").fill("7")
        title_field.press("Enter")
        expect(console.locator("#agenda tbody tr")).to_have_count(n)
        expect(details).to_have_attribute("open", "")
        expect(form.locator("input[name=title]")).to_be_focused()
        expect(form.locator("input[name=title]")).to_have_value("")
    # The kind and the length stay for the next one.
    expect(form.locator("select[name=kind]")).to_have_value("discussion")
    expect(form.locator("input[name=minutes]")).to_have_value("7")
    expect(console.locator("#agenda tbody tr strong")).to_have_text(["Welcome", "Ground rules", "What we take home"])
    # The form survives an update that re-renders it (someone joins: the presenter's phone list grows).
    join(server, room["code"], name=ANA[0], organisation=ANA[1])
    expect(console.locator("#add-item-form select[name=presenter_id]")).to_contain_text(ANA[0])
    expect(details).to_have_attribute("open", "")


def test_each_shortcut_presses_its_button(server, room, new_context):
    add_item(server, room, **CASE)
    add_item(server, room, kind="discussion", title="What we take home", minutes=10)
    ana = join(server, room["code"], name=ANA[0], organisation=ANA[1])
    console = open_cockpit(new_context, room)
    countdown = console.locator("#clock-console .countdown")

    console.keyboard.press("n")  # idle: N starts the next item
    expect(console.locator("#clock-console .item-line")).to_contain_text(ORGS[0])
    expect(console.locator("[data-timer=Pause]")).to_be_visible()

    console.keyboard.press(" ")
    expect(console.locator("[data-timer=Resume]")).to_be_visible()
    expect(countdown).to_have_text("10:00")
    console.keyboard.press("+")
    expect(countdown).to_have_text("11:00")
    console.keyboard.press("-")
    expect(countdown).to_have_text("10:00")
    # (A second press before the first is acknowledged would be the same command, sent again.)
    console.keyboard.press("-")
    expect(countdown).to_have_text("9:00")
    console.keyboard.press(" ")
    expect(console.locator("[data-timer=Pause]")).to_be_visible()

    console.keyboard.press("n")  # next phase
    expect(console.locator("#clock-console .item-line")).to_contain_text("Questions")

    raise_hand(server, room, ana)
    expect(console.locator("#floor-console ol.queue > li")).to_have_count(1)
    console.keyboard.press("g")
    expect(console.locator("#floor-console .speaking-now")).to_contain_text(f"{ANA[0]} · {ANA[1]} has the floor")

    # S presses whatever carries data-key="s": the screen's "back to the agenda" control.
    console.evaluate(
        """() => { const b = document.createElement('button'); b.type = 'button'; b.dataset.key = 's';
        b.textContent = 'Back to the agenda';
        b.onclick = () => { window.__screenBack = (window.__screenBack || 0) + 1; };
        document.querySelector('.deck-show').prepend(b); }"""
    )
    console.keyboard.press("s")
    assert console.evaluate("() => window.__screenBack") == 1
    # The legend says all of this.
    legend = console.locator(".shortcuts")
    for key in ("Space", "N", "+", MINUS, "G", "S"):
        expect(legend.locator("kbd", has_text=key).first).to_be_visible()


def test_shortcuts_do_nothing_while_typing_or_with_a_modifier(server, room, new_context):
    add_item(server, room, **CASE)
    add_item(server, room, kind="discussion", title="What we take home", minutes=10)
    ana = join(server, room["code"], name=ANA[0], organisation=ANA[1])
    ok(server, room, type="timer.start")
    raise_hand(server, room, ana)
    console = open_cockpit(new_context, room)
    expect(console.locator("#floor-console ol.queue > li")).to_have_count(1)
    message = console.locator(".message-form input[name=text]")
    message.click()
    message.press_sequentially("Go on, N + - G S now ")
    expect(message).to_have_value("Go on, N + - G S now ")
    console.get_by_role("tab", name="Agenda").click()
    console.locator("#add-item summary").click()
    title = console.locator("#add-item-form input[name=title]")
    title.press_sequentially("n g s")
    console.locator("#add-item-form select[name=kind]").focus()
    console.keyboard.press(" ")
    console.locator("body").click(position={"x": 5, "y": 5})
    for chord in ("Control+n", "Alt+g", "Meta+s", "Control+="):
        console.keyboard.press(chord)
    # Nothing happened: still running, the same phase, the same length, nobody has the floor.
    expect(console.locator("[data-timer=Pause]")).to_be_visible()
    expect(console.locator("#clock-console .item-line")).to_contain_text("Presentation")
    expect(console.locator("#clock-console .item-line")).to_contain_text("planned 10:00")
    expect(console.locator("#floor-console .speaking-now")).to_have_count(0)
    expect(console.locator("#floor-console ol.queue > li")).to_have_count(1)


def test_the_run_of_show_moves_with_an_overrun(server, room, new_context):
    add_item(server, room, kind="discussion", title="Warm-up", minutes=10)
    add_item(server, room, kind="discussion", title="What we take home", minutes=10)
    ok(server, room, type="timer.start")
    console = open_cockpit(new_context, room)
    behind = console.locator("#run-of-show .behind")
    expect(behind).to_have_text("on time")
    expect(console.locator("#run-of-show .next-item")).to_contain_text("What we take home")
    start = console.locator("#agenda tr.status-planned .projected time")
    planned_start = int(start.get_attribute("data-fixed"))
    ok(server, room, type="timer.adjust", seconds=180)
    expect(behind).to_have_text("3 min behind")
    expect(behind).to_have_class("behind late")
    # The later item's projected start moved by the same three minutes.
    expect(start).to_have_attribute("data-fixed", str(planned_start + 180_000))
    ok(server, room, type="timer.adjust", seconds=-300)
    expect(behind).to_have_text("2 min ahead")
    expect(behind).to_have_class("behind early")
    # Behind or ahead is the difference of the two times shown, which drop their seconds:
    # 40 s over shows two equal times and "on time", or times a minute apart and "1 min behind".
    ok(server, room, type="timer.adjust", seconds=160)
    expect(behind).to_have_text(re.compile(r"^(on time|1 min behind)$"))
    ends = console.locator("#run-of-show .ends strong time").inner_text()
    planned = console.locator("#run-of-show .versus time").inner_text()
    assert (ends == planned) == (behind.inner_text() == "on time"), (ends, planned, behind.inner_text())


def test_the_phone_shows_the_agenda_folded_with_the_current_item_marked(server, room, new_context):
    add_item(server, room, **CASE)
    add_item(server, room, kind="discussion", title="What we take home", minutes=10)
    phone = open_phone(new_context, server, room["code"], *BEN)
    agenda = phone.locator("#agenda-phone")
    expect(agenda).to_be_visible()
    expect(agenda.locator("li").first).to_be_hidden()  # folded until opened
    agenda.locator("summary").click()
    expect(agenda.locator("li")).to_have_count(2)
    expect(agenda.locator("li[aria-current]")).to_have_count(0)
    ok(server, room, type="timer.start")
    # The update marks the current item and leaves the agenda open.
    expect(agenda.locator("li[aria-current=step]")).to_have_text(f"{ORGS[0]} 15:00")
    expect(agenda).to_have_attribute("open", "")
    width = phone.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 360
    phone.screenshot(path="/tmp/cockpit-phone-agenda.png")
