"""The projected screen in Chromium: every combination the screen rule allows (clock, message,
speaker, share of voice, poll, questions, pinned question, join code) at 1920x1080, 1280x720
and 1024x768, with nothing scrolled, cut off or overlapping; and what the room must read at a
glance (a paused clock, whole organisation names, a turn in overtime)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import LONG_CHARTER, LONG_TITLE, open_console, open_screen
from tests.live import add_item, command, create_room, join, ok, running_server

SIZES = [(1920, 1080), (1280, 720), (1024, 768)]
# Organisations with the long names real ones have.
ORGANISATIONS = [
    "Harbour Community Health Trust",
    "St Mary's Hospital",
    "Northfield Clinic",
    "Riverside University Hospitals",
    "East Valley Primary Care Network",
    "Westbrook Mental Health Services",
]
LONG = "What would it take to run criteria-led discharge at weekends, with agency nurses on the ward? "
REGIONS = (
    ".room-header, #clock-screen, #screen-message, #floor-screen, #poll-screen, .pinned-region, "
    ".questions-region, #voice-screen, .screen-join, .screen-foot"
)
METRICS = """(selector) => {
    const d = document.documentElement;
    const shown = e => e.checkVisibility({visibilityProperty: true}) && e.getBoundingClientRect().height > 0;
    const name = e => e.id || e.className;
    const regions = [...document.querySelectorAll(selector)].filter(shown);
    const boxes = regions.map(e => ({name: name(e), r: e.getBoundingClientRect()}));
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].r, b = boxes[j].r;
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
            overlaps.push(boxes[i].name + ' / ' + boxes[j].name);
    }
    const outside = boxes.filter(b => b.r.bottom > innerHeight + 0.5 || b.r.right > innerWidth + 0.5
        || b.r.top < -0.5 || b.r.left < -0.5).map(b => b.name);
    // Content cut off by its region (or running out of it): any visible piece of text outside its box.
    const cut = [];
    for (const region of regions) {
        const r = region.getBoundingClientRect();
        for (const e of region.querySelectorAll('*')) {
            if (!shown(e)) continue;
            const x = e.getBoundingClientRect();
            if (x.bottom > r.bottom + 1 || x.right > r.right + 1 || x.top < r.top - 1 || x.left < r.left - 1)
                cut.push(name(region) + ' > ' + e.className + ': ' + e.textContent.trim().slice(0, 30));
        }
    }
    const texts = regions.flatMap(r => [...r.querySelectorAll('*')]).filter(shown)
        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, innerWidth, innerHeight, overlaps, outside,
            cut: cut.slice(0, 5), shown: boxes.map(b => b.name),
            smallest: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize)))};
}"""


def check(screen: Page, where: str) -> dict:
    m = screen.evaluate(METRICS, REGIONS)
    assert m["scrollHeight"] <= m["innerHeight"], f"{where} scrolls: {m}"
    assert m["scrollWidth"] <= m["innerWidth"], f"{where} scrolls sideways: {m}"
    assert not m["outside"], f"{where}: regions off the screen: {m['outside']}"
    assert not m["overlaps"], f"{where}: regions overlap: {m['overlaps']}"
    assert not m["cut"], f"{where}: cut off: {m['cut']}"
    assert m["smallest"] >= 12, f"{where}: text too small to read: {m['smallest']} px"
    return m


def exchange(server: str) -> tuple[dict, dict]:
    """A room as full as a real one: six organisations, long titles, long questions and a poll
    of eight long options; its case, discussion and poll ids."""
    room = create_room(server, title=LONG_TITLE, organisations=ORGANISATIONS, charter=LONG_CHARTER)
    people = [
        join(server, room["code"], name=f"Person {n}", organisation=organisation)
        for n, organisation in enumerate(ORGANISATIONS)
    ]
    ids = {"people": people}
    ids["case"] = add_item(
        server,
        room,
        kind="case",
        title="Criteria-led discharge on the acute medical wards at weekends",
        organisation=ORGANISATIONS[0],
        presenter="Dr Alexandra Montgomery-Fitzgerald",
        presentation_minutes=10,
        qa_minutes=5,
        qa_prompt="What would you try differently on your own wards, and what would stop you?",
    )
    ids["discussion"] = add_item(server, room, kind="discussion", title="What we would change first", minutes=20)
    for n, person in enumerate(people):
        response = command(server, room["code"], person["token"], type="question.ask", text=f"{n + 1}. {LONG * 3}")
        assert response.status_code == 200, response.text
    ids["pinned"] = response.json()["reply"]["question_id"]
    ids["poll"] = ok(
        server,
        room,
        type="poll.create",
        kind="single",
        question="Which change would shorten discharge delays the most on your wards this winter?",
        options=[f"Option {n}: a nurse-led checklist on admission" for n in range(8)],
    )["reply"]["poll_id"]
    for person in people:
        ok(server, room, type="floor.give", speaker=person["participant_id"])
    ok(server, room, type="floor.stop")
    return room, ids


def variants(server: str, room: dict, screen: Page, ids: dict, where: str) -> None:
    """The state at hand with and without a message and a speaker, at every size."""
    for message in (False, True):
        if message:
            ok(server, room, type="message.show", text="Please wrap up: two minutes left for this part, thank you")
            expect(screen.locator("#screen-message")).to_be_visible()
        for speaker in (False, True):
            if speaker:
                ok(server, room, type="floor.give", speaker=ids["people"][3]["participant_id"])
                expect(screen.locator("#floor-screen")).to_be_visible()
            for width, height in SIZES:
                screen.set_viewport_size({"width": width, "height": height})
                check(screen, f"{where}, message {message}, speaker {speaker}, at {width}x{height}")
            if speaker:
                ok(server, room, type="floor.stop")
                expect(screen.locator("#floor-screen")).to_have_count(0)
        if message:
            ok(server, room, type="message.clear")
            expect(screen.locator("#screen-message")).to_have_count(0)


def on(screen: Page, main: str, side: str) -> None:
    stage = screen.locator("#screen-stage")
    expect(stage).to_have_attribute("data-main", main)
    expect(stage).to_have_attribute("data-side", side)


def overrides(server: str, room: dict, screen: Page, ids: dict, where: str, side: str) -> None:
    """The main place taken by a poll, then by a pinned question, beside the item's own side."""
    ok(server, room, type="screen.show", what="poll", target=ids["poll"])
    on(screen, "poll", side)
    variants(server, room, screen, ids, f"{where} with a poll")
    ok(server, room, type="screen.show", what="question", target=ids["pinned"])
    on(screen, "question", side)
    variants(server, room, screen, ids, f"{where} with a pinned question")
    ok(server, room, type="screen.show", what="agenda")


@pytest.fixture
def unthrottled(settings, clock):
    """A server that takes the facilitator's hundreds of commands in a few minutes: this is a
    test of the screen, and the limit per actor has tests of its own (tests/rooms/test_throttle.py)."""
    with running_server(settings.model_copy(update={"commands_per_actor": 100_000}), clock) as base:
        yield base


def test_every_combination_the_screen_rule_allows_fits_every_projector(unthrottled, new_context):
    server = unthrottled
    room, ids = exchange(server)
    screen = open_screen(new_context, room)

    on(screen, "lobby", "join")  # before the first item: the exchange and the way in
    variants(server, room, screen, ids, "the lobby")
    overrides(server, room, screen, ids, "the lobby", "none")

    ok(server, room, type="timer.start", item_id=ids["case"])  # a case, presenting: its clock alone
    on(screen, "clock", "none")
    variants(server, room, screen, ids, "a case")
    ok(server, room, type="screen.show", what="join")
    on(screen, "clock", "join")
    variants(server, room, screen, ids, "a case with the join code")
    ok(server, room, type="screen.show", what="voice")
    on(screen, "clock", "voice")
    variants(server, room, screen, ids, "a case with the share of voice")
    ok(server, room, type="screen.show", what="agenda")
    overrides(server, room, screen, ids, "a case", "none")

    ok(server, room, type="timer.next")  # its questions phase: the clock and its questions
    ok(server, room, type="timer.pause")
    on(screen, "clock", "questions")
    expect(screen.locator("#clock-screen .paused-tag")).to_be_visible()
    variants(server, room, screen, ids, "a case's questions, paused")
    overrides(server, room, screen, ids, "a case's questions", "questions")

    ok(server, room, type="timer.start", item_id=ids["discussion"])  # a discussion: clock and share of voice
    on(screen, "clock", "voice")
    variants(server, room, screen, ids, "a discussion")
    overrides(server, room, screen, ids, "a discussion", "voice")


def test_the_next_item_takes_the_last_poll_and_the_pinned_question_off_the_screen(server, new_context):
    room, ids = exchange(server)
    screen = open_screen(new_context, room, viewport={"width": 1280, "height": 720})
    ok(server, room, type="timer.start", item_id=ids["case"])
    ok(server, room, type="poll.open", poll_id=ids["poll"])
    ok(server, room, type="poll.close", poll_id=ids["poll"])
    expect(screen.locator("#poll-screen .poll-meta")).to_have_text("Closed")
    ok(server, room, type="timer.start", item_id=ids["discussion"])
    expect(screen.locator("#poll-screen")).to_have_count(0)
    expect(screen.locator("#clock-screen .title")).to_have_text("What we would change first")
    expect(screen.locator("#clock-screen .countdown")).to_be_visible()
    expect(screen.locator("#voice-screen .bar-row")).to_have_count(len(ORGANISATIONS))
    ok(server, room, type="question.pin", question_id=ids["pinned"])
    expect(screen.locator("#qa-screen .pinned-question")).to_be_visible()
    expect(screen.locator("#voice-screen")).to_be_visible()  # the bars stay beside a pinned question
    check(screen, "a pinned question beside the share of voice")
    ok(server, room, type="timer.next")  # the discussion's last phase ends: the agenda moves on
    expect(screen.locator("#qa-screen")).to_have_count(0)


def test_paused_reads_as_loud_as_the_clock_and_names_are_whole(server, new_context):
    room, ids = exchange(server)
    screen = open_screen(new_context, room)
    ok(server, room, type="timer.start", item_id=ids["discussion"])
    ok(server, room, type="timer.pause")
    paused, digits = screen.locator("#clock-screen .paused-tag"), screen.locator("#clock-screen .countdown")
    expect(paused).to_be_visible()
    for width, height in SIZES:
        screen.set_viewport_size({"width": width, "height": height})
        tag, clock = paused.bounding_box(), digits.bounding_box()
        assert tag and clock, "PAUSED or the clock is not laid out"
        loud = tag["height"] >= clock["height"] / 3 and tag["width"] >= clock["width"] / 2
        assert loud, f"PAUSED is small beside the clock at {width}x{height}: {tag} {clock}"
        seen = paused.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).opacity]")
        assert seen == ["rgb(255, 179, 0)", "1"], seen
        assert digits.evaluate("e => getComputedStyle(e).opacity") == "1"
        # The share of voice beside it: every organisation's whole name, never "Harbour Comm…".
        names = screen.locator("#voice-screen .bar-name")
        expect(names).to_have_count(len(ORGANISATIONS))
        cut = names.evaluate_all(
            "es => es.filter(e => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis')"
            ".map(e => e.textContent)"
        )
        assert not cut, f"names cut at {width}x{height}: {cut}"
        check(screen, f"a paused discussion at {width}x{height}")


def test_a_turn_in_overtime_is_red_on_the_screen_as_on_the_phone(server, new_context):
    room, ids = exchange(server)
    screen = open_screen(new_context, room)
    ok(server, room, type="floor.configure", turn_limit_seconds=60)
    ok(server, room, type="floor.give", speaker=ids["people"][0]["participant_id"])
    turn = screen.locator("#floor-screen .turn-clock")
    expect(turn).to_be_visible()
    # Overtime is the class clock.js gives a clock past its deadline (static/clock.js).
    turn.evaluate("e => { e.dataset.deadline = String(Date.now() - 600000); }")
    expect(turn).to_have_class(re.compile(r"\bover\b"))
    assert turn.evaluate("e => getComputedStyle(e).color") == "rgb(255, 82, 82)"


def test_the_console_says_what_the_screen_shows_and_takes_it_back_to_the_agenda(server, new_context):
    room, ids = exchange(server)
    console, screen = open_console(new_context, room), open_screen(new_context, room)
    ok(server, room, type="timer.start", item_id=ids["case"])
    said = console.locator("#screen-console .screen-now")
    expect(said).to_have_text("On the screen: the clock")
    console.locator("#screen-console [data-screen='voice']").click()
    on(screen, "clock", "voice")
    expect(said).to_contain_text("the clock and the share of voice")
    expect(said).to_contain_text("until “Criteria-led discharge on the acute medical wards at weekends” ends")
    back = console.locator("#screen-console [data-key='s']")
    expect(back).to_have_text("Back to the agenda")
    back.click()
    on(screen, "clock", "none")
    expect(console.locator("#screen-console [data-key='s']")).to_have_count(0)
