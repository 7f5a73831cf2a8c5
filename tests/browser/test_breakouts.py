"""Breakouts in a real Chromium: nine phones from three organisations are mixed into three
groups from the console, each phone shows its own group, a worksheet written on one phone
reaches the group's other phones and the console without replacing what someone is typing,
the round is recalled, the screen shows the report-back, and a second round avoids repeat
pairings. One browser; a context per device."""

import re

import pytest
from playwright.sync_api import Page, expect

from facilitator.rooms.breakouts.model import SECTIONS
from tests.browser.pages import FULL_HD, assert_not_reloaded, open_console, open_phone, open_screen, show_tab
from tests.live import create_room, events_of, join, ok, state_of

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
    show_tab(console, "Breakouts")
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


WORDS = (
    "Discharge waits on pharmacy because the rounds start late and the ward has no lounge, "
    "so beds stay blocked while patients wait for their medicines and their transport home. "
)
REPORT_METRICS = """() => {
    const d = document.documentElement, screen = document.getElementById('breakout-screen');
    const shown = e => e.checkVisibility({visibilityProperty: true}) && e.getBoundingClientRect().height > 0;
    const clipper = e => { for (let p = e.parentElement; p && p !== screen.parentElement; p = p.parentElement)
        if (getComputedStyle(p).overflow !== 'visible') return p.getBoundingClientRect(); return null; };
    const outside = [...screen.querySelectorAll('*')].filter(shown).filter(e => {
        const r = e.getBoundingClientRect(), c = clipper(e);
        return r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.left < -0.5
            || (c && (r.bottom > c.bottom + 0.5 || r.top < c.top - 0.5));
    }).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40));
    const cut = [...screen.querySelectorAll('.ws-section p, .recommended, .group-name')]
        .filter(e => e.scrollHeight > e.clientHeight + 1 || e.classList.contains('cut')).map(e => e.className);
    const texts = [...screen.querySelectorAll('*')].filter(shown).filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    const size = e => parseFloat(getComputedStyle(e).fontSize);
    return {scrollHeight: d.scrollHeight, bodyScrollHeight: document.body.scrollHeight, scrollWidth: d.scrollWidth,
            innerWidth, innerHeight, outside, cut, fit: Number(screen.dataset.fit),
            smallest: Math.min(...texts.map(size)),
            worksheet: size(screen.querySelector('.ws-section p'))};
}"""


def report_back(server: str, words_per_section: int, sections: int = 3, idea: str = "") -> dict:
    """A room whose first group wrote this much in each section, recommended a long idea and is
    on the screen in the report-back."""
    room = create_room(server, organisations=ORGS)
    for name, org in PEOPLE[:6]:
        join(server, room["code"], name=name, organisation=org)
    topic = "Standardising discharge checklists across wards, trusts and the community teams"
    titles = "\n".join(SECTION_TITLES[:sections])
    ok(server, room, type="breakouts.setup", groups=2, topics=[topic, "Pharmacy"], sections=titles)
    ok(server, room, type="breakouts.open")
    text = (WORDS * 40)[:words_per_section].rsplit(" ", 1)[0]
    for section in range(sections):
        ok(server, room, type="breakouts.write", group_id="g1", section=section, text=f"{section + 1}. {text}")
    idea = idea or (WORDS * 3)[:290].rsplit(" ", 1)[0]
    ok(server, room, type="breakouts.recommend", group_id="g1", idea=idea)
    ok(server, room, type="breakouts.close")
    ok(server, room, type="breakouts.report", seconds=120)
    return room


SECTION_TITLES = [*SECTIONS, "Risks", "Who", "When"]


def fitted(new_context, room: dict, width: int, height: int) -> dict:
    screen = open_screen(new_context, room, viewport={"width": width, "height": height})
    shown = screen.locator("#breakout-screen")
    expect(shown).to_be_visible()
    expect(shown).to_have_attribute("data-fit", re.compile(r"\d"))
    m = screen.evaluate(REPORT_METRICS)
    screen.screenshot(path=f"/tmp/breakout-report-{width}.png")
    where = f"{width}x{height}"
    assert (m["innerWidth"], m["innerHeight"]) == (width, height), m
    assert m["scrollHeight"] <= height and m["bodyScrollHeight"] <= height, f"{where} scrolls: {m}"
    assert m["scrollWidth"] <= width, f"{where} scrolls sideways: {m}"
    assert not m["outside"], f"{where}: outside the screen: {m['outside']}"
    return m


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_the_report_back_fits_a_long_worksheet_on_the_projector_in_type_that_shrinks_to_fit(
    server, new_context, width, height
):
    short = fitted(new_context, report_back(server, 60, idea=IDEA), width, height)
    assert short["fit"] == 1 and not short["cut"], short  # a short worksheet keeps the largest type

    long = fitted(new_context, report_back(server, 650), width, height)
    assert long["fit"] < 1, long  # the type shrank ...
    assert not long["cut"], f"a long worksheet is cut off: {long}"  # ... so that all of it shows
    assert long["worksheet"] >= (24 if width == 1920 else 16), f"too small to read from the back: {long}"
    assert long["smallest"] >= (16 if width == 1920 else 12), long

    # Six sections of 2,000 characters: as small as still readable, the rest cut with a fade.
    longest = fitted(new_context, report_back(server, 1990, sections=6), width, height)
    assert longest["fit"] == pytest.approx(0.6, abs=0.01), longest
    assert longest["worksheet"] >= (20 if width == 1920 else 13), longest


def test_a_member_dragged_onto_another_group_on_the_console_moves_there_and_the_menu_stays(new_context, server):
    room = create_room(server, organisations=ORGS)
    for name, org in PEOPLE[:6]:
        join(server, room["code"], name=name, organisation=org)
    console = open_console(new_context, room)
    show_tab(console, "Breakouts")
    ok(server, room, type="breakouts.setup", groups=3, strategy="mix", seed=1)
    panel = console.locator("#breakouts-console")
    first, second = panel.locator('[data-group="g1"]'), panel.locator('[data-group="g2"]')
    expect(second.locator("li.person")).to_have_count(2)
    member = first.locator("li.person").first
    name = member.locator(".name").inner_text()
    expect(member).to_have_attribute("draggable", "true")

    member.locator(".name").drag_to(second)  # picked up by the name: its move menu does not start a drag

    expect(second.locator("li.person")).to_have_count(3)
    expect(second.locator("li.person .name", has_text=name)).to_have_count(1)
    expect(first.locator("li.person .name", has_text=name)).to_have_count(0)
    moved = second.locator("li.person", has_text=name)
    expect(moved.locator('form.move select[name="group_id"]')).to_be_attached()  # the menu stays
    groups = state_of(server, room)["breakouts"]["rounds"][-1]["groups"]
    assert name in [m["name"] for m in groups[1]["members"]]
    events = [e for e in events_of(server, room) if e["type"] == "breakouts.moved"]
    assert [(e["data"]["from"], e["data"]["to"]) for e in events] == [("g1", "g2")]

    # and the menu still moves people as before
    moved.locator('select[name="group_id"]').select_option("g3")
    moved.locator('[data-breakouts="move"]').click()
    expect(panel.locator('[data-group="g3"] li.person .name', has_text=name)).to_have_count(1)
    assert_not_reloaded(console)


def test_a_drag_survives_an_update_of_the_console_while_it_is_in_the_air(new_context, server):
    room = create_room(server, organisations=ORGS)
    for name, org in PEOPLE[:6]:
        join(server, room["code"], name=name, organisation=org)
    console = open_console(new_context, room)
    show_tab(console, "Breakouts")
    ok(server, room, type="breakouts.setup", groups=3, strategy="mix", seed=1)
    panel = console.locator("#breakouts-console")
    first, second = panel.locator('[data-group="g1"]'), panel.locator('[data-group="g2"]')
    expect(second.locator("li.person")).to_have_count(2)
    name = first.locator("li.person .name").first.inner_text()

    first.locator("li.person .name").first.hover()
    console.mouse.down()
    second.locator("h3").hover()  # the drag is in the air over the second group
    ok(server, room, type="breakouts.rename", group_id="g3", name="Weekend discharge")  # the console is re-rendered
    expect(panel.locator('[data-group="g3"] .group-name')).to_have_text("Weekend discharge")
    second.locator(".members").hover()
    console.mouse.up()

    expect(second.locator("li.person .name", has_text=name)).to_have_count(1)
    expect(first.locator("li.person .name", has_text=name)).to_have_count(0)
    events = [e for e in events_of(server, room) if e["type"] == "breakouts.moved"]
    assert [(e["data"]["from"], e["data"]["to"]) for e in events] == [("g1", "g2")]
