"""Live polls in a real Chromium: the console writes and runs them, phones answer, the screen shows results.

Commands travel over the page's WebSocket as forms (`ws-send`); every fragment is
swapped in place, so these tests also check that no page ever reloads. Phones are
360 px wide and answer with taps only; the screen is read at 1920x1080 and 1280x720.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from facilitator.polls.rules import SURVEY
from tests.browser.pages import (
    ANA,
    BEN,
    LONG_TITLE,
    ORGS,
    assert_not_reloaded,
    open_console,
    open_phone,
    open_screen,
    show_tab,
)
from tests.live import command, create_room, join, ok

pytestmark = pytest.mark.browser


# -- helpers -----------------------------------------------------------------


def console_poll(console: Page, question: str) -> Locator:
    """A poll's card on the console, found by its question."""
    return console.locator("#polls-console article.poll").filter(
        has=console.locator(".poll-question", has_text=re.compile(f"^{re.escape(question)}$"))
    )


def write_poll(console: Page, question: str, options: list[str], visibility: str | None = None) -> Locator:
    """Write a single-choice poll with the console's "Write a poll" form (a <details> that starts
    closed); its card, a draft."""
    show_tab(console, "Polls")
    details = console.locator("#poll-new details.add-poll")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    form = details.locator("form")
    form.locator("select[name=kind]").select_option(label="Single choice")
    form.locator("input[name=question]").fill(question)
    form.locator("textarea[name=options]").fill("\n".join(options))
    if visibility is not None:
        form.locator("select[name=visibility]").select_option(label=visibility)
    form.get_by_role("button", name="Add the poll").click()
    card = console_poll(console, question)
    expect(card).to_have_count(1)
    expect(card.locator(".tag.status")).to_have_text("Draft")
    return card


def run(card: Locator, action: str) -> None:
    """Press one of a console card's buttons (open, close, screen, reveal, reset, duplicate, delete)."""
    card.locator(f"[data-poll={action}]").click()


def phone_poll(phone: Page, question: str) -> Locator:
    return phone.locator("#my-polls article.phone-poll").filter(
        has=phone.locator(".poll-question", has_text=re.compile(f"^{re.escape(question)}$"))
    )


def send(card: Locator) -> None:
    """Tap "Send my answer" (or "Change my answer") and wait for the phone to say it counted."""
    card.locator("[data-poll=answer]").tap()
    expect(card.locator(".counted")).to_have_text("Your answer counted. You can change it until the poll closes.")
    expect(card.locator("[data-poll=answer]")).to_have_text("Change my answer")


def tap_option(card: Locator, label: str) -> None:
    card.locator("label.choice").filter(has_text=re.compile(f"^\\s*{re.escape(label)}\\s*$")).tap()


READ_BARS = """root => [...root.querySelectorAll('.result-bars .bar-row')].map(row => ({
    name: row.querySelector('.bar-name').textContent.trim(),
    count: Number(row.querySelector('.result-count').textContent),
    figure: row.querySelector('.bar-figure').textContent.trim(),
    ratio: row.querySelector('.bar-fill').getBoundingClientRect().width
           / row.querySelector('.bar-track').getBoundingClientRect().width}))"""


# Every fill has reached the width it was given (they slide there in .4 s).
BARS_SETTLED = """root => [...document.querySelectorAll(root + ' .result-bars .bar-fill')].every(fill =>
    Math.abs(100 * fill.getBoundingClientRect().width / fill.parentElement.getBoundingClientRect().width
             - parseFloat(fill.style.width)) < 1)"""


def bars(page: Page, root: str = "#poll-screen") -> list[dict]:
    page.wait_for_function(BARS_SETTLED, arg=root, timeout=2000)
    return page.locator(root).evaluate(READ_BARS)


def counts(page: Page, root: str = "#poll-screen") -> dict[str, int]:
    return {bar["name"]: bar["count"] for bar in bars(page, root)}


def expect_counts(page: Page, wanted: dict[str, int], root: str = "#poll-screen") -> None:
    """Wait until the result bars show these counts (a fragment arrives a moment after the vote)."""
    rows = page.locator(f"{root} .result-bars .bar-row")
    for name, count in wanted.items():
        row = rows.filter(has=page.locator(".bar-name", has_text=re.compile(f"^{re.escape(name)}$")))
        expect(row.locator(".result-count")).to_have_text(str(count))


def answered(page: Page, text: str, root: str = "#poll-screen") -> None:
    expect(page.locator(f"{root} .poll-answered")).to_have_text(re.compile(f"^\\s*{re.escape(text)}"))


# Buttons and the controls a thumb aims at; a radio or a checkbox is tapped through its label.
PHONE_LAYOUT = """() => {
    const targets = 'button, .button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, '
                  + 'textarea, label.check, label.scale-point';
    const small = [...document.querySelectorAll(targets)]
      .filter(e => e.offsetParent !== null)
      .map(e => ({target: e.tagName + ' ' + (e.name || e.textContent.trim()), h: e.getBoundingClientRect().height,
                  w: e.getBoundingClientRect().width}))
      .filter(t => t.h < 44 || t.w < 44);
    // Nothing in the polls may poke out of the page on the right.
    const wide = [...document.querySelectorAll('#my-polls *')]
      .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
      .map(e => e.tagName + '.' + e.className);
    return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth, small, wide,
            forms: document.querySelectorAll('#my-polls article.phone-poll form').length};
}"""


def assert_fits_phone(phone: Page, what: str) -> dict:
    layout = phone.evaluate(PHONE_LAYOUT)
    assert layout["width"] == 360, layout
    assert layout["scrollWidth"] <= 360, f"{what} scrolls sideways: {layout}"
    assert not layout["wide"], f"{what}: wider than the phone: {layout['wide']}"
    assert not layout["small"], f"{what} has tap targets under 44 px: {layout['small']}"
    return layout


def participant(server: str, room: dict, name: str, organisation: str = ORGS[0]) -> str:
    """A participant joined through the API; their token, to answer without a browser."""
    return join(server, room["code"], name=name, organisation=organisation)["token"]


def answer_by_api(server: str, room: dict, token: str, poll_id: str, **answer) -> None:
    response = command(server, room["code"], token, type="poll.answer", poll_id=poll_id, **answer)
    assert response.status_code == 200, response.text


def create_poll(server: str, room: dict, **spec) -> str:
    """Create and open a poll through the API (it goes up on the screen); its id."""
    return ok(server, room, type="poll.create", open=True, **spec)["reply"]["poll_id"]


# -- 1. the main path: write, open, vote from two phones, the screen follows ---------------


def test_facilitator_writes_and_opens_a_poll_phones_vote_and_the_screen_follows(server, room, new_context):
    code = room["code"]
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, code, *ANA)
    ben = open_phone(new_context, server, code, *BEN)
    expect(screen.locator("#poll-screen")).to_be_hidden()
    expect(ana.locator("#my-polls article")).to_have_count(0)

    question = "Which change should we try first?"
    options = ["Earlier ward rounds", "A discharge lounge", "Criteria-led discharge"]
    card = write_poll(console, question, options)
    expect(card.locator(".tag").first).to_have_text("Single choice")
    expect(card.locator(".poll-answered")).to_contain_text("0 of 2 answered")
    # A draft is neither on the phones nor on the screen.
    expect(ana.locator("#my-polls article")).to_have_count(0)
    expect(screen.locator("#poll-screen")).to_be_hidden()

    run(card, "open")
    expect(card.locator(".tag.status")).to_have_text("Voting open")
    expect(card.locator("[data-poll=close]")).to_be_visible()
    on_screen = screen.locator("#poll-screen")
    expect(on_screen).to_be_visible()
    expect(on_screen.locator(".poll-question")).to_have_text(question)
    expect(on_screen.locator(".poll-meta")).to_contain_text(f"Voting open · vote on your phone, code {code}")
    answered(screen, "0 of 2 answered")
    assert counts(screen) == dict.fromkeys(options, 0)

    # Both phones see the poll appear, without a reload, and vote by tapping.
    for phone, pick in ((ana, options[2]), (ben, options[0])):
        poll = phone_poll(phone, question)
        expect(poll).to_be_visible()
        expect(poll.locator("label.choice")).to_have_text(options)
        expect(poll.locator("[data-poll=answer]")).to_have_text("Send my answer")
        tap_option(poll, pick)
        send(poll)
        expect(poll.locator(f"label.choice:has-text('{pick}') input")).to_be_checked()
    ana.screenshot(path="/tmp/polls-phone-single.png", full_page=True)

    expect_counts(screen, {options[0]: 1, options[1]: 0, options[2]: 1})
    answered(screen, "2 of 2 answered")
    shown = {bar["name"]: bar for bar in bars(screen)}
    assert shown[options[0]]["figure"] == "1 · 50%", shown
    assert shown[options[0]]["ratio"] == pytest.approx(0.5, abs=0.02), shown
    assert shown[options[1]]["ratio"] == pytest.approx(0, abs=0.01), shown
    # The console shows the same results.
    expect(card.locator(".poll-answered")).to_contain_text("2 of 2 answered")
    expect_counts(console, {options[0]: 1, options[2]: 1}, root="#polls-console")

    # Ben changes his mind: the counts follow, and the people who answered stay two.
    ben_poll = phone_poll(ben, question)
    tap_option(ben_poll, options[2])
    send(ben_poll)
    expect_counts(screen, {options[0]: 0, options[1]: 0, options[2]: 2})
    answered(screen, "2 of 2 answered")
    assert {bar["name"]: round(bar["ratio"], 2) for bar in bars(screen)} == {
        options[0]: 0,
        options[1]: 0,
        options[2]: 1,
    }
    screen.screenshot(path="/tmp/polls-screen-single.png")
    console.screenshot(path="/tmp/polls-console.png", full_page=True)
    console.locator(".polls-panel").screenshot(path="/tmp/polls-console-panel.png")

    assert_not_reloaded(console, screen, ana, ben)


# -- 2. every kind, answered with taps on a 360 px phone -------------------------------------


def test_every_kind_is_answered_on_a_phone_and_shown_on_the_screen(server, room, new_context):
    code = room["code"]
    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, code, *ANA)
    ben = open_phone(new_context, server, code, *BEN)

    def start(kind: str, question: str, **fields) -> tuple[str, Locator, Locator]:
        poll_id = create_poll(server, room, kind=kind, question=question, **fields)
        expect(screen.locator("#poll-screen .poll-question")).to_have_text(question)
        return poll_id, phone_poll(ana, question), phone_poll(ben, question)

    def finish(poll_id: str, kind: str) -> None:
        assert_fits_phone(ana, f"the phone answering a {kind} poll")
        ana.screenshot(path=f"/tmp/polls-phone-{kind}.png", full_page=True)
        screen.screenshot(path=f"/tmp/polls-screen-{kind}.png")
        ok(server, room, type="poll.close", poll_id=poll_id)
        expect(ana.locator("#my-polls article")).to_have_count(0)  # a closed poll leaves the phones

    # Multiple choice, at most two picks: a third pick is refused, with a reason.
    options = ["Pharmacy", "Transport", "Paperwork", "Beds"]
    poll_id, a, b = start("multiple", "What slows discharge most?", options=options, max_choices=2)
    expect(a.locator(".hint")).to_have_text("Pick up to 2.")
    expect(a.locator("input[type=checkbox]")).to_have_count(4)
    for pick in ("Pharmacy", "Paperwork", "Beds"):
        tap_option(a, pick)
    a.locator("[data-poll=answer]").tap()
    expect(ana.locator("#flash")).to_have_text("Pick at most 2 options.")
    expect(a.locator(".counted")).to_have_count(0)
    tap_option(a, "Beds")
    expect(a.locator("label.choice:has-text('Beds') input")).not_to_be_checked()
    send(a)
    tap_option(b, "Pharmacy")
    send(b)
    expect_counts(screen, {"Pharmacy": 2, "Transport": 0, "Paperwork": 1, "Beds": 0})
    answered(screen, "2 of 2 answered")
    finish(poll_id, "multiple")

    # A rating scale from 1 to 10: taps on the numbers; the screen shows the average.
    poll_id, a, b = start("scale", "How ready is your ward?", scale_max=10, low_label="not at all", high_label="fully")
    expect(a.locator("legend")).to_have_text("1 not at all · 10 fully")
    expect(a.locator("label.scale-point")).to_have_count(10)
    a.locator("label.scale-point", has_text=re.compile("^4$")).tap()
    send(a)
    b.locator("label.scale-point", has_text=re.compile("^10$")).tap()
    send(b)
    expect(b.locator("label.scale-point", has_text=re.compile("^10$")).locator("input")).to_be_checked()
    expect(screen.locator("#poll-screen .poll-average strong")).to_have_text("7.0")
    expect(screen.locator("#poll-screen .poll-average")).to_contain_text("out of 10 · 1 not at all, 10 fully")
    expect_counts(screen, {"1": 0, "4": 1, "10": 1})
    finish(poll_id, "scale")

    # A word cloud: one word typed on both phones (in other cases) is drawn bigger.
    poll_id, a, b = start("words", "One word for our discharge process")
    inputs = a.locator("input[name=words]")
    expect(inputs).to_have_count(3)
    for field, word in zip(inputs.all(), ["Flow", "handover", "beds"], strict=True):
        field.tap()
        field.fill(word)
    send(a)
    b.locator("input[name=words]").first.fill("flow ")
    send(b)
    cloud = screen.locator("#poll-screen .word-cloud .word")
    expect(cloud).to_have_text(["beds", "flow", "handover"])
    sizes = dict(cloud.evaluate_all("ws => ws.map(w => [w.textContent, parseFloat(getComputedStyle(w).fontSize)])"))
    assert sizes["flow"] > 2 * sizes["beds"] and sizes["beds"] == sizes["handover"], sizes
    expect(screen.locator("#poll-screen .word", has_text="flow")).to_have_attribute("data-count", "2")
    finish(poll_id, "words")

    # Open text: Ben is still typing when Ana's answer lands, and keeps what he typed.
    poll_id, a, b = start("text", "One thing you will try next week")
    b.locator("textarea").tap()
    b.locator("textarea").fill("Half-typed idea")
    a.locator("textarea").fill("Start discharge planning on the day of admission.")
    send(a)
    expect(screen.locator("#poll-screen .open-answers li")).to_have_text(
        ["Start discharge planning on the day of admission."]
    )
    answered(screen, "1 of 2 answered")
    expect(b.locator("textarea")).to_have_value("Half-typed idea")
    finish(poll_id, "text")

    # Ranking: one select per place; Borda points order the screen's list.
    options = ["Earlier ward rounds", "A discharge lounge", "Criteria-led discharge"]
    poll_id, a, b = start("ranking", "Rank these changes, best first", options=options)
    expect(a.locator("label.rank")).to_have_count(3)
    expect(a.locator("label.rank select").first).to_have_value("0")
    for phone_card, order in ((a, [2, 0, 1]), (b, [2, 1, 0])):
        for place, option in enumerate(order):
            phone_card.locator("label.rank select").nth(place).select_option(str(option))
        send(phone_card)
    rows = screen.locator("#poll-screen .ranking .bar-row")
    expect(rows.locator(".bar-name")).to_have_text(
        ["1. Criteria-led discharge", "2. Earlier ward rounds", "3. A discharge lounge"]
    )
    expect(rows.locator(".result-count")).to_have_text(["4", "1", "1"])
    finish(poll_id, "ranking")

    # Impact and effort: range inputs moved with the keyboard; points land in their quadrants.
    options = ["Discharge lounge", "Pharmacy runner", "Weekend therapists"]
    poll_id, a, b = start("matrix", "Place each idea", options=options)
    expect(a.locator("fieldset.matrix-option")).to_have_count(3)
    placed = {0: (5, 1), 1: (2, 5), 2: (4, 4)}  # option: (impact, effort)
    for index, (impact, effort) in placed.items():
        option = a.locator("fieldset.matrix-option").nth(index)
        for name, value in (("impact", impact), ("effort", effort)):
            slider = option.locator(f"input[name={name}]")
            slider.focus()
            slider.press("Home")
            for _ in range(value - 1):
                slider.press("ArrowRight")
            expect(slider).to_have_value(str(value))
    send(a)
    points = screen.locator("#poll-screen svg.matrix-plot g.point")
    expect(points).to_have_count(3)
    expect(points.nth(0)).to_have_attribute("data-impact", "5.0")
    expect(points.nth(1)).to_have_attribute("data-effort", "5.0")
    where = screen.locator("#poll-screen svg.matrix-plot").evaluate("""svg => {
        const inside = (p, q) => { const a = p.getBoundingClientRect(), b = q.getBoundingClientRect();
            const x = a.left + a.width / 2, y = a.top + a.height / 2;
            return x >= b.left - 1 && x <= b.right + 1 && y >= b.top - 1 && y <= b.bottom + 1; };
        return [...svg.querySelectorAll('g.point circle')].map(c =>
            ['quick', 'major', 'fill', 'thankless'].filter(q => inside(c, svg.querySelector('rect.q.' + q))));
    }""")
    assert where[0] == ["quick"] and where[1] == ["thankless"] and where[2] == ["major"], where
    expect(screen.locator("#poll-screen .matrix-legend li")).to_have_count(3)
    finish(poll_id, "matrix")

    assert_not_reloaded(screen, ana, ben)


# -- 3. results shown when the poll closes, or when the facilitator reveals them ---------------


def test_results_wait_for_closing_or_revealing(server, room, new_context):
    code = room["code"]
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, code, *ANA)
    on_screen = screen.locator("#poll-screen")

    # Shown when closed.
    card = write_poll(
        console, "Is the discharge checklist used?", ["Always", "Sometimes", "Never"], visibility="shown when closed"
    )
    expect(card.locator(".poll-answered")).to_contain_text("results shown when closed")
    run(card, "open")
    expect(on_screen.locator(".poll-waiting")).to_have_text("Results appear when the poll closes.")
    expect(on_screen.locator(".poll-results")).to_have_count(0)
    poll = phone_poll(ana, "Is the discharge checklist used?")
    tap_option(poll, "Sometimes")
    send(poll)
    answered(screen, "1 of 1 answered")
    expect(on_screen.locator(".poll-waiting")).to_have_text("Results appear when the poll closes.")
    expect(on_screen.locator(".poll-results")).to_have_count(0)
    expect_counts(console, {"Sometimes": 1}, root="#polls-console")  # the facilitator sees them all along
    screen.screenshot(path="/tmp/polls-screen-waiting.png")
    run(card, "close")
    expect(card.locator(".tag.status")).to_have_text("Closed")
    expect(card.locator("[data-poll=open]")).to_have_text("Reopen")
    expect(on_screen.locator(".poll-waiting")).to_have_count(0)
    expect(on_screen.locator(".poll-meta")).to_have_text("Closed")
    expect_counts(screen, {"Always": 0, "Sometimes": 1, "Never": 0})
    expect(poll).to_have_count(0)

    # Hidden until revealed: closing does not show them, "Reveal results" does.
    card = write_poll(console, "Do you trust the bed state?", ["Yes", "No"], visibility="hidden until revealed")
    run(card, "open")
    expect(on_screen.locator(".poll-question")).to_have_text("Do you trust the bed state?")
    expect(on_screen.locator(".poll-waiting")).to_have_text("Results are hidden for now.")
    poll = phone_poll(ana, "Do you trust the bed state?")
    tap_option(poll, "No")
    send(poll)
    answered(screen, "1 of 1 answered")
    run(card, "close")
    expect(on_screen.locator(".poll-meta")).to_have_text("Closed")
    expect(on_screen.locator(".poll-waiting")).to_have_text("Results are hidden for now.")
    expect(on_screen.locator(".poll-results")).to_have_count(0)
    expect(card.locator("[data-poll=reveal]")).to_have_text("Reveal results")
    run(card, "reveal")
    expect_counts(screen, {"Yes": 0, "No": 1})
    expect(card.locator("[data-poll=reveal]")).to_have_text("Hide results")
    expect(card.locator(".poll-answered")).to_contain_text("(revealed)")
    run(card, "reveal")  # and hidden again
    expect(on_screen.locator(".poll-waiting")).to_have_text("Results are hidden for now.")

    # "Show on screen" brings back the first poll, results and all.
    first = console_poll(console, "Is the discharge checklist used?")
    run(first, "screen")
    expect(on_screen.locator(".poll-question")).to_have_text("Is the discharge checklist used?")
    expect_counts(screen, {"Sometimes": 1})
    expect(first.locator(".tag", has_text="on the screen")).to_be_visible()
    assert_not_reloaded(console, screen, ana)


# -- 4. deleting or resetting a poll with answers asks first ---------------------------------


def test_delete_and_reset_ask_for_confirmation(server, room, new_context):
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, room["code"], *ANA)
    question = "Which shift has the most delays?"
    card = write_poll(console, question, ["Morning", "Evening", "Night"])
    run(card, "open")
    poll = phone_poll(ana, question)
    tap_option(poll, "Evening")
    send(poll)
    expect(card.locator(".poll-answered")).to_contain_text("1 of 1 answered")
    asked: list[str] = []

    def answer_dialog(accept: bool):
        def handle(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        console.once("dialog", handle)

    # Reset: dismissed, nothing changes; accepted, the answers go.
    answer_dialog(accept=False)
    run(card, "reset")
    assert asked == ["Clear all 1 answers to this poll?"], asked
    console.wait_for_timeout(300)  # time for a command that should not have been sent
    expect(card.locator(".poll-answered")).to_contain_text("1 of 1 answered")
    answered(screen, "1 of 1 answered")
    answer_dialog(accept=True)
    run(card, "reset")
    assert len(asked) == 2, asked
    expect(card.locator(".poll-answered")).to_contain_text("0 of 1 answered")
    answered(screen, "0 of 1 answered")
    expect_counts(screen, {"Morning": 0, "Evening": 0, "Night": 0})
    expect(card.locator("[data-poll=reset]")).to_have_count(0)  # nothing left to reset
    expect(poll.locator(".counted")).to_have_count(0)  # the phone asks again
    expect(poll.locator("[data-poll=answer]")).to_have_text("Send my answer")

    tap_option(poll, "Night")
    send(poll)
    expect(card.locator(".poll-answered")).to_contain_text("1 of 1 answered")

    # Delete: dismissed, the poll stays; accepted, it goes from everywhere.
    answer_dialog(accept=False)
    run(card, "delete")
    assert asked[2] == "Delete this poll and its 1 answers?", asked
    console.wait_for_timeout(300)
    expect(card).to_have_count(1)
    expect(screen.locator("#poll-screen .poll-question")).to_have_text(question)
    answer_dialog(accept=True)
    run(card, "delete")
    assert len(asked) == 4, asked
    expect(card).to_have_count(0)
    expect(console.locator("#polls-console .empty")).to_have_text("No polls yet.")
    expect(screen.locator("#poll-screen")).to_be_hidden()
    expect(poll).to_have_count(0)
    expect(console.locator("#flash")).to_be_empty()

    # A poll nobody answered goes without a question.
    card = write_poll(console, "A poll written by mistake", ["A", "B"])
    run(card, "delete")
    expect(card).to_have_count(0)
    assert len(asked) == 4, asked
    assert_not_reloaded(console, screen, ana)


# -- 5. the screen never scrolls, whatever the poll ----------------------------------------------

SCREEN_METRICS = """() => {
    const d = document.documentElement, poll = document.querySelector('#poll-screen');
    const box = poll.getBoundingClientRect();
    const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                         && getComputedStyle(e).visibility !== 'hidden'; };
    // Everything in the poll must lie inside the page and inside the poll's own (clipping) box.
    const outside = [...poll.querySelectorAll('*')].filter(shown).filter(e => {
        const r = e.getBoundingClientRect();
        return r.bottom > Math.min(innerHeight, box.bottom) + 0.5 || r.right > innerWidth + 0.5
            || r.top < -0.5 || r.left < -0.5;
    }).map(e => e.tagName + '.' + (e.className.baseVal ?? e.className) + ': ' + e.textContent.trim().slice(0, 40));
    // Text that a list or a name cuts off inside its own box.
    const clipped = [...poll.querySelectorAll('.open-answers, .bar-name, .matrix-legend, .word-cloud')]
        .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
        .map(e => e.className + ': ' + e.textContent.trim().slice(0, 60));
    const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
    const lum = c => { const [r, g, b] = rgb(c).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92
                        : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    // Every piece of text: its colour (fill for SVG text) against the page's black.
    const texts = [...poll.querySelectorAll('*')].filter(shown).filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    // The numbers inside the matrix's points are dark on a light disc.
    const dim = texts.filter(e => !e.matches('.point-number'))
        .map(e => ({e: e.tagName + '.' + (e.className.baseVal ?? e.className),
                    text: e.textContent.trim().slice(0, 30),
                    color: e instanceof SVGElement ? getComputedStyle(e).fill : getComputedStyle(e).color}))
        .filter(t => lum(t.color) < 0.35);
    const sizes = texts.map(e => ({e: e.tagName + '.' + (e.className.baseVal ?? e.className),
        px: parseFloat(getComputedStyle(e).fontSize) * (e instanceof SVGElement
            ? e.ownerSVGElement.getBoundingClientRect().width / e.ownerSVGElement.viewBox.baseVal.width : 1)}));
    const smallest = sizes.reduce((a, b) => (b.px < a.px ? b : a), {px: Infinity});
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, bodyScrollHeight: document.body.scrollHeight,
            innerWidth, innerHeight, outside, clipped, dim, smallest, texts: texts.length,
            background: getComputedStyle(document.body).backgroundColor,
            backgroundLum: lum(getComputedStyle(document.body).backgroundColor),
            answered: shown(poll.querySelector('.poll-answered')),
            answeredBottom: poll.querySelector('.poll-answered').getBoundingClientRect().bottom};
}"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_screen_with_a_poll_fits_without_scrolling(server, new_context, width, height):
    room = create_room(server, title=LONG_TITLE, organisations=ORGS)
    people = [participant(server, room, f"Person {n}", ORGS[n % 2]) for n in range(40)]

    twelve = [
        f"Option {n}: {label}"
        for n, label in enumerate(
            [
                "Earlier ward rounds",
                "Discharge lounge",
                "Criteria-led discharge",
                "Pharmacy runner",
                "Weekend therapists",
                "Transport booked the day before",
                "Electronic discharge summary",
                "Daily board round",
                "Expected date of discharge",
                "Social care in-reach",
                "Family liaison",
                "Discharge to assess",
            ],
            start=1,
        )
    ]
    bars_id = create_poll(server, room, kind="single", question="Which change should we try first?", options=twelve)
    for n, token in enumerate(people):
        answer_by_api(server, room, token, bars_id, choice=n % 12 if n % 3 else 2)

    texts_id = create_poll(
        server, room, kind="text", question="What would make the biggest difference to discharge delays on your ward?"
    )
    for n, token in enumerate(people):
        answer_by_api(
            server,
            room,
            token,
            texts_id,
            text=f"Answer {n + 1}: agree the expected discharge date on admission and review it daily"
            + (" with the whole team, including therapists and pharmacy" if n % 4 == 0 else ""),
        )

    ideas = [
        "Discharge lounge",
        "Pharmacy runner",
        "Weekend therapists",
        "Daily board round",
        "Transport booked the day before",
        "Criteria-led discharge by nurses",
    ]
    matrix_id = create_poll(server, room, kind="matrix", question="Place each idea by impact and effort", options=ideas)
    for n, token in enumerate(people[:8]):
        answer_by_api(
            server,
            room,
            token,
            matrix_id,
            impact=[max(1, i - n % 2) for i in (5, 4, 2, 1, 3, 5)],
            effort=[min(5, e + n % 3) for e in (1, 3, 4, 1, 2, 4)],
        )

    words_id = create_poll(server, room, kind="words", question="One word for our discharge process")
    vocabulary = [
        "slow",
        "fragmented",
        "paperwork",
        "waiting",
        "pharmacy",
        "transport",
        "unclear",
        "improving",
        "complex",
        "frustrating",
        "safe",
        "late",
        "bureaucratic",
        "person-centred",
        "delayed",
        "chaotic",
        "inconsistent",
        "collaborative",
        "under pressure",
        "siloed",
        "patient",
        "risky",
        "manual",
        "reactive",
        "overstretched",
        "evolving",
        "bottlenecked",
        "team effort",
        "stuck",
        "hopeful",
    ]
    for n, token in enumerate(people):  # 30 words, a few of them frequent
        answer_by_api(
            server, room, token, words_id, words=[vocabulary[n % 30], vocabulary[(n * 7) % 30], vocabulary[n % 4]]
        )

    scale_id = create_poll(
        server,
        room,
        kind="scale",
        question="How confident are you in the new discharge process?",
        scale_max=10,
        low_label="not at all",
        high_label="completely",
    )
    for n, token in enumerate(people):
        answer_by_api(server, room, token, scale_id, value=n % 10 + 1 if n % 3 else 8)

    empty_id = create_poll(server, room, kind="text", question="Anything else?")

    screen = open_screen(new_context, room, viewport={"width": width, "height": height})
    on_screen = screen.locator("#poll-screen")
    for poll_id, name, ready in (
        (bars_id, "bars", "#poll-screen .result-bars .bar-row >> nth=11"),
        (texts_id, "texts", "#poll-screen .open-answers li >> nth=0"),
        (matrix_id, "matrix", "#poll-screen svg.matrix-plot g.point >> nth=5"),
        (words_id, "words", "#poll-screen .word-cloud .word >> nth=0"),
        (scale_id, "scale", "#poll-screen .result-bars .bar-row >> nth=9"),
        (empty_id, "empty", "#poll-screen .poll-results .empty"),
    ):
        ok(server, room, type="poll.screen", poll_id=poll_id)
        expect(screen.locator(ready)).to_be_visible()
        screen.wait_for_timeout(450)  # the bars' transition
        answered(
            screen,
            "40 of 40 answered"
            if name not in ("matrix", "empty")
            else ("8 of 40 answered" if name == "matrix" else "0 of 40 answered"),
        )
        m = screen.evaluate(SCREEN_METRICS)
        screen.screenshot(path=f"/tmp/polls-screen-{width}-{name}.png")
        where = f"{name} at {width}x{height}"
        assert m["innerWidth"] == width and m["innerHeight"] == height, m
        assert m["scrollHeight"] <= height and m["bodyScrollHeight"] <= height, f"{where} scrolls: {m}"
        assert m["scrollWidth"] <= width, f"{where} scrolls sideways: {m}"
        assert m["answered"] and m["answeredBottom"] <= height, f"{where}: the answered count is cut off: {m}"
        assert not m["outside"], f"{where}: cut off: {m['outside']}"
        assert not m["clipped"], f"{where}: clipped: {m['clipped']}"
        assert m["backgroundLum"] < 0.02, f"{where}: the screen is not dark: {m['background']}"
        assert not m["dim"], f"{where}: dark text on the dark screen: {m['dim']}"
        assert m["smallest"]["px"] >= (16 if width == 1920 else 12), f"{where}: text too small to read: {m['smallest']}"
        if name == "texts":  # the newest answers, each in full or cut at its third line; then how many more
            expect(on_screen.locator(".open-answers li")).to_have_count(8)
            expect(on_screen.locator(".open-answers li").first).to_contain_text("Answer 40:")
            expect(on_screen.locator(".more")).to_have_text("and 32 more")
        if name == "words":
            expect(on_screen.locator(".word")).to_have_count(30)
    assert_not_reloaded(screen)


# -- 6. the post-exchange survey -------------------------------------------------------------


def test_post_exchange_survey_adds_four_polls_answered_on_the_phone(server, room, new_context):
    console = open_console(new_context, room)
    ana = open_phone(new_context, server, room["code"], *ANA)
    show_tab(console, "Polls")
    console.locator("[data-poll=survey]").click()
    cards = console.locator("#polls-console article.poll")
    expect(cards).to_have_count(4)
    expect(cards.locator(".poll-question")).to_have_text([question["question"] for question in SURVEY])
    expect(cards.locator(".tag.status")).to_have_text(["Draft"] * 4)
    expect(ana.locator("#my-polls article")).to_have_count(0)

    for n in range(4):
        run(cards.nth(n), "open")
        expect(cards.nth(n).locator(".tag.status")).to_have_text("Voting open")
    forms = ana.locator("#my-polls article.phone-poll form")
    expect(forms).to_have_count(4)
    expect(ana.locator("#my-polls fieldset.scale")).to_have_count(3)
    expect(ana.locator("#my-polls textarea[name=text]")).to_have_count(1)
    expect(ana.locator("#my-polls fieldset.scale legend").first).to_have_text(
        f"1 {SURVEY[0]['low_label']} · 5 {SURVEY[0]['high_label']}"
    )
    assert_fits_phone(ana, "the phone with the survey")

    first = phone_poll(ana, SURVEY[0]["question"])
    first.locator("label.scale-point", has_text="5").tap()
    send(first)
    last = phone_poll(ana, SURVEY[3]["question"])
    last.locator("textarea").fill("A daily board round at 10:00.")
    send(last)
    expect(forms).to_have_count(4)
    expect(console_poll(console, SURVEY[3]["question"]).locator(".open-answers li")).to_have_text(
        ["A daily board round at 10:00."]
    )
    ana.screenshot(path="/tmp/polls-phone-survey.png", full_page=True)
    assert_not_reloaded(console, ana)


def test_an_answer_being_typed_survives_another_poll_opening_and_closing(server, room, new_context):
    ana = open_phone(new_context, server, room["code"], *ANA)
    create_poll(server, room, kind="text", question="One thing you will try")
    card = phone_poll(ana, "One thing you will try")
    box = card.locator("textarea[name=text]")
    box.tap()
    ana.keyboard.type("A discharge lounge open from 8")
    # The facilitator opens a second poll and closes it while Ana is still typing.
    second = create_poll(server, room, kind="scale", question="How useful was this case?")
    expect(ana.locator("#my-polls article.phone-poll")).to_have_count(2)
    ok(server, room, type="poll.close", poll_id=second)
    expect(ana.locator("#my-polls article.phone-poll")).to_have_count(1)
    expect(box).to_have_value("A discharge lounge open from 8")
    expect(box).to_be_focused()
    ana.keyboard.type(":00")
    send(card)
    # Once sent, the card follows the room again: its answer shows as counted.
    expect(card.locator("textarea[name=text]")).to_have_value("A discharge lounge open from 8:00")
    expect(ana.locator("#phone-poll-" + card.get_attribute("data-poll-id"))).not_to_have_attribute("data-typing", "")
    assert_not_reloaded(ana)


def test_the_survey_opens_as_one_and_the_phone_shows_it_together(server, room, new_context):
    console = open_console(new_context, room)
    ana = open_phone(new_context, server, room["code"], *ANA)
    show_tab(console, "Polls")
    console.locator("[data-poll=survey]").click()
    cards = console.locator("#polls-console article.poll")
    expect(cards).to_have_count(4)
    opener = console.locator("[data-poll=open-survey]")
    expect(opener).to_have_count(1)  # once for the survey, not once per poll
    opener.click()
    expect(cards.locator(".tag.status")).to_have_text(["Voting open"] * 4)
    expect(opener).to_have_count(0)

    survey = ana.locator("#my-polls section.survey")
    expect(survey.locator(".survey-title")).to_have_text("Post-exchange survey")
    expect(survey.locator("article.phone-poll .poll-question")).to_have_text([q["question"] for q in SURVEY])
    assert_fits_phone(ana, "the phone with the survey opened as one")
    assert_not_reloaded(console, ana)


def test_a_participant_removes_their_words_from_the_cloud_before_it_closes(server, room, new_context):
    console = open_console(new_context, room)
    ana = open_phone(new_context, server, room["code"], *ANA)
    create_poll(server, room, kind="words", question="One word for discharge")
    card = phone_poll(ana, "One word for discharge")
    card.locator("input[name=words]").first.fill("Paperwork")
    send(card)
    words = console_poll(console, "One word for discharge").locator(".word-cloud")
    expect(words).to_contain_text("paperwork")

    ana.once("dialog", lambda dialog: dialog.accept())
    card.locator("[data-poll=retract]").tap()
    expect(card.locator(".counted")).to_have_count(0)
    expect(card.locator("[data-poll=retract]")).to_have_count(0)
    expect(card.locator("input[name=words]").first).to_have_value("")
    expect(console_poll(console, "One word for discharge")).not_to_contain_text("paperwork")
    expect(console_poll(console, "One word for discharge").locator(".poll-answered")).to_contain_text("0 of 1")
    assert_fits_phone(ana, "the phone after removing its words")
    assert_not_reloaded(console, ana)
