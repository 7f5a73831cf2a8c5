"""Anonymous Q&A in a real Chromium: phones ask and upvote, the console moderates, the screen shows.

Commands travel over each page's WebSocket as forms (`ws-send`) and fragments are
swapped in place, so every test also checks that no page reloaded. Phones are
360x740 and use taps only; static/qa.js sorts and filters the shared list in the
browser, so the tests read what is *visible*, in the order it is shown. The screen
is read at 1920x1080 and 1280x720, light text on black, and must never scroll.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

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
from tests.live import add_item, command, create_room, join, ok

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

CARA = ("Cara Lindqvist", ORGS[1])


# -- helpers -----------------------------------------------------------------


def exactly(text: str) -> re.Pattern:
    return re.compile(f"^{re.escape(text)}$")


def listed(page: Page, question_id: str) -> Locator:
    """A question's row in a phone's shared list."""
    return page.locator(f"#qa-list li.question[data-question='{question_id}']")


def shown_texts(page: Page, root: str = "#qa-list") -> Locator:
    """The texts of the questions a person can actually see, in the order shown."""
    return page.locator(f"{root} li.question:visible .question-text")


def mine(page: Page, question_id: str) -> Locator:
    """One of this person's own questions, under "Your questions"."""
    return page.locator(f"#qa-mine [data-my-question='{question_id}']")


def on_console(console: Page, question_id: str) -> Locator:
    return console.locator(f"#qa-console li.question[data-question='{question_id}']")


def ask(phone: Page, text: str, named: bool = False) -> str:
    """Tap the box, type the question, tap "Send question": the box empties once the server
    has taken it, and the question shows under "Your questions". Its id."""
    form = phone.locator("#qa-ask form")
    box = form.locator("textarea[name=text]")
    box.tap()
    phone.keyboard.type(text)
    expect(box).to_have_value(text)
    if named:
        form.locator("label.check").tap()
        expect(form.locator("input[name=named]")).to_be_checked()
    form.get_by_role("button", name="Send question").tap()
    expect(box).to_have_value("")
    expect(form.locator("input[name=named]")).not_to_be_checked()
    own = phone.locator("#qa-mine [data-my-question]").filter(
        has=phone.locator(".question-text", has_text=exactly(text))
    )
    expect(own).to_have_count(1)
    return own.get_attribute("data-my-question")


def participant(server: str, room: dict, name: str, organisation: str = ORGS[0]) -> str:
    """Someone joined through the API; their token, to ask and vote without a browser."""
    return join(server, room["code"], name=name, organisation=organisation)["token"]


def ask_by_api(server: str, room: dict, token: str, text: str, named: bool = False) -> str:
    response = command(server, room["code"], token, type="question.ask", text=text, named=named)
    assert response.status_code == 200, response.text
    return response.json()["reply"]["question_id"]


def upvote_by_api(server: str, room: dict, token: str, question_id: str) -> None:
    response = command(server, room["code"], token, type="question.upvote", question_id=question_id)
    assert response.status_code == 200, response.text


def voters(server: str, room: dict, count: int) -> list[str]:
    return [participant(server, room, f"Voter {n}", ORGS[n % 2]) for n in range(count)]


def font_px(locator: Locator) -> float:
    return locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")


# -- 1. the main path: ask anonymously, upvote, pin, on the screen -----------------------------


def test_a_phone_asks_anonymously_another_upvotes_the_console_pins_it_to_the_screen(server, room, new_context):
    code = room["code"]
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, code, *ANA)
    ben = open_phone(new_context, server, code, *BEN)
    expect(ana.locator("#qa-list .empty")).to_have_text("No questions yet.")
    expect(ana.locator("#qa-ask input[name=named]")).not_to_be_checked()  # anonymous unless chosen
    expect(screen.locator("#qa-screen")).to_be_hidden()

    text = "Who signs off a weekend discharge when the consultant is not on the ward?"
    question_id = ask(ana, text)
    expect(mine(ana, question_id).locator(".question-meta")).to_have_text("Anonymous · open · 0 upvotes")

    # Ben's phone shows it at once, without a name, and he upvotes it with a tap.
    row = listed(ben, question_id)
    expect(row.locator(".question-text")).to_have_text(text)
    expect(row.locator(".question-meta .by")).to_have_text("Anonymous")
    vote = row.locator("button[data-upvote]")
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote.locator(".vote-count")).to_have_text("0")
    vote.tap()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote.locator(".vote-count")).to_have_text("1")
    expect(listed(ana, question_id).locator(".vote-count")).to_have_text("1")
    expect(mine(ana, question_id).locator(".question-meta")).to_have_text("Anonymous · open · 1 upvote")
    ben.screenshot(path="/tmp/qa-phone-upvoted.png", full_page=True)
    # A second tap takes the vote back; a third gives it again.
    vote.tap()
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote.locator(".vote-count")).to_have_text("0")
    expect(listed(ana, question_id).locator(".vote-count")).to_have_text("0")
    vote.tap()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote.locator(".vote-count")).to_have_text("1")
    # Ana cannot upvote her own question (the server would refuse): she sees its count, not a button.
    expect(listed(ana, question_id).locator("button[data-upvote]")).to_be_disabled()
    expect(listed(ana, question_id).locator("button[data-upvote]")).to_have_attribute("aria-pressed", "false")
    expect(vote).to_be_enabled()

    # The facilitator sees it anonymous too, and pins it.
    show_tab(console, "Questions")
    card = on_console(console, question_id)
    expect(card.locator(".question-text")).to_have_text(text)
    expect(card.locator(".question-meta")).to_contain_text("▲ 1 · Anonymous")
    expect(card).not_to_contain_text(ANA[0])
    card.locator("[data-qa=pin]").click()
    expect(card).to_have_class(re.compile(r"\bpinned\b"))
    expect(card.locator("[data-qa=unpin]")).to_be_visible()
    console.screenshot(path="/tmp/qa-console-pinned.png", full_page=True)
    console.locator(".qa-panel").screenshot(path="/tmp/qa-console-panel-pinned.png")

    # The screen shows it in large type, anonymous, and no name anywhere.
    on_screen = screen.locator("#qa-screen")
    expect(on_screen).to_be_visible()
    expect(on_screen.locator(".pinned-question")).to_have_text(text)
    expect(on_screen.locator(".question-meta")).to_have_text("Anonymous · ▲ 1")
    assert font_px(on_screen.locator(".pinned-question")) >= 48, "the pinned question is not in large type"
    for name in (ANA[0], "Pereira", BEN[0], "Okafor"):
        assert name not in screen.content(), f"{name} is on the screen"
    check_screen(screen, "a pinned question", 1920, 1080)
    screen.screenshot(path="/tmp/qa-screen-pinned.png")
    expect(listed(ben, question_id)).to_have_class(re.compile(r"\bpinned\b"))

    assert_not_reloaded(console, screen, ana, ben)


# -- 2. each person sorts and filters their own list -------------------------------------------


def test_sort_and_filter_on_the_phone_survive_live_updates(server, room, new_context):
    rounds = add_item(server, room, kind="discussion", title="Ward rounds", minutes=10)
    add_item(server, room, kind="discussion", title="Pharmacy", minutes=10)
    people = voters(server, room, 6)
    ok(server, room, type="timer.start")
    oldest = ask_by_api(server, room, people[0], "Could ward rounds start at eight?")
    ok(server, room, type="timer.next")  # on to Pharmacy: the next questions are about it
    middle = ask_by_api(server, room, people[1], "Who carries the discharge medicines to the ward?")
    newest = ask_by_api(server, room, people[2], "Can pharmacy see tomorrow's discharges today?")
    for token in people[3:5]:
        upvote_by_api(server, room, token, oldest)
    upvote_by_api(server, room, people[3], newest)

    ana = open_phone(new_context, server, room["code"], *ANA)
    sort = ana.locator("#qa-list select[data-qa-sort]")
    show = ana.locator("#qa-list select[data-qa-filter]")
    texts = {
        oldest: "Could ward rounds start at eight?",
        middle: "Who carries the discharge medicines to the ward?",
        newest: "Can pharmacy see tomorrow's discharges today?",
    }
    popular = [texts[oldest], texts[newest], texts[middle]]  # 2, 1 and 0 votes
    recent = [texts[newest], texts[middle], texts[oldest]]
    expect(sort).to_have_value("popular")
    expect(shown_texts(ana)).to_have_text(popular)
    expect(listed(ana, oldest).locator(".question-meta")).to_contain_text("Ward rounds")

    sort.select_option(label="most recent")
    expect(shown_texts(ana)).to_have_text(recent)
    # Another vote arrives: the server renders the list most popular first, the phone keeps its choice.
    for token in people[3:6]:
        upvote_by_api(server, room, token, middle)
    expect(listed(ana, middle).locator(".vote-count")).to_have_text("3")
    expect(sort).to_have_value("recent")
    expect(shown_texts(ana)).to_have_text(recent)

    sort.select_option(label="most popular")
    expect(shown_texts(ana)).to_have_text([texts[middle], texts[oldest], texts[newest]])  # 3, 2, 1

    # The filter by agenda item hides the other items' questions, and survives updates too.
    expect(show.locator("option")).to_have_text(["all items", "all items", "Ward rounds", "Pharmacy"])
    show.select_option(label="Ward rounds")
    expect(shown_texts(ana)).to_have_text([texts[oldest]])
    expect(listed(ana, middle)).to_be_hidden()
    expect(listed(ana, newest)).to_be_hidden()
    upvote_by_api(server, room, people[4], newest)
    expect(listed(ana, newest).locator(".vote-count")).to_have_text("2")
    expect(show).to_have_value(rounds)
    expect(shown_texts(ana)).to_have_text([texts[oldest]])
    ana.screenshot(path="/tmp/qa-phone-filtered.png", full_page=True)
    show.select_option(label="Pharmacy")
    expect(shown_texts(ana)).to_have_text([texts[middle], texts[newest]])
    show.select_option(value="all")
    expect(shown_texts(ana)).to_have_text([texts[middle], texts[oldest], texts[newest]])
    assert_not_reloaded(ana)


# -- 3. a case's Q&A phase: its prompt, its questions ------------------------------------------


def test_a_case_in_its_qa_phase_shows_its_prompt_and_its_questions(server, room, new_context):
    prompt = "What would you try differently on your own ward?"
    add_item(server, room, kind="discussion", title="Welcome", minutes=5)
    case = add_item(
        server,
        room,
        kind="case",
        title="Criteria-led discharge",
        organisation=ORGS[1],
        presenter="Ben Okafor",
        presentation_minutes=10,
        qa_minutes=5,
        qa_prompt=prompt,
    )
    people = voters(server, room, 3)
    ok(server, room, type="timer.start")
    welcome_q = ask_by_api(server, room, people[0], "Where are the slides from this morning?")
    ok(server, room, type="timer.next")  # the case's presentation
    ask_by_api(server, room, people[1], "How many nurses were trained to discharge?")
    case_top = ask_by_api(server, room, people[2], "Did length of stay fall in winter too?")
    upvote_by_api(server, room, people[0], case_top)

    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, room["code"], *ANA)
    expect(ana.locator("#qa-ask .qa-prompt")).to_have_text(prompt)
    # Before the Q&A phase: every question, and the screen gives the clock the room.
    expect(shown_texts(ana)).to_have_count(3)
    expect(screen.locator("#qa-screen")).to_be_hidden()
    box = ana.locator("#qa-ask textarea[name=text]")
    box.tap()
    ana.keyboard.type("Half-typed")

    ok(server, room, type="timer.next")  # the case's Questions phase
    expect(ana.locator("#qa-list select[data-qa-filter] option").first).to_have_text("this case")
    expect(shown_texts(ana)).to_have_text(
        ["Did length of stay fall in winter too?", "How many nurses were trained to discharge?"]
    )
    expect(listed(ana, welcome_q)).to_be_hidden()
    expect(box).to_have_value("Half-typed")  # the phase change did not wipe what was typed
    prompt_box = ana.locator("#qa-ask .qa-prompt").bounding_box()
    assert prompt_box["y"] + prompt_box["height"] <= box.bounding_box()["y"], "the prompt is not above the box"
    ana.screenshot(path="/tmp/qa-phone-case.png", full_page=True)

    on_screen = screen.locator("#qa-screen")
    expect(on_screen).to_be_visible()
    expect(on_screen.locator(".label")).to_have_text("Questions · Criteria-led discharge")
    expect(on_screen.locator(".screen-questions li")).to_have_text(
        ["▲ 1 Did length of stay fall in winter too?", "▲ 0 How many nurses were trained to discharge?"]
    )
    expect(screen.locator(".clock-screen")).to_be_visible()
    check_screen(screen, "the case's top questions beside the clock", 1920, 1080)
    screen.screenshot(path="/tmp/qa-screen-case.png")

    # A question asked now joins this case's list everywhere.
    box.fill("")
    new_q = ask(ana, "Would this work with agency nurses?")
    expect(listed(ana, new_q)).to_be_visible()
    expect(on_screen.locator(".screen-questions li")).to_have_count(3)
    expect(on_screen.locator(f"[data-question='{new_q}']")).to_contain_text("Would this work with agency nurses?")
    ok(server, room, type="timer.next")  # the case is over: back to every item, and off the screen
    expect(shown_texts(ana)).to_have_count(4)
    expect(on_screen).to_be_hidden()
    assert ana.locator(f"#qa-list li.question[data-item='{case}']").count() == 3
    assert_not_reloaded(screen, ana)


# -- 4. pre-moderation: held, approved or dismissed in the open ---------------------------------


def test_pre_moderation_holds_questions_until_approved_and_dismissals_are_counted(server, room, new_context):
    code = room["code"]
    console = open_console(new_context, room)
    screen = open_screen(new_context, room)
    ana = open_phone(new_context, server, code, *ANA)
    ben = open_phone(new_context, server, code, *BEN)
    show_tab(console, "Questions")
    console.locator("[data-qa=moderation]").click()
    expect(console.locator("[data-qa=moderation]")).to_have_text("Turn pre-moderation off")
    console.locator("[data-qa=screen]").click()
    expect(console.locator("[data-qa=screen]")).to_have_text("Take questions off the screen")
    expect(ana.locator("#qa-ask .hint")).to_have_text("The facilitator approves questions before the room sees them.")
    expect(screen.locator("#qa-screen .empty")).to_have_text("Ask yours on your phone.")

    held = "Is the discharge lounge open at weekends?"
    held_id = ask(ana, held)
    expect(mine(ana, held_id).locator(".question-meta")).to_have_text("Anonymous · awaiting approval")
    expect(ben.locator("#qa-list [data-qa-count=pending]")).to_have_text("1 awaiting approval")
    expect(screen.locator("#qa-screen .qa-counts")).to_have_text("1 awaiting approval")
    expect(ben.locator("#qa-list li.question")).to_have_count(0)
    expect(ben.locator("body")).not_to_contain_text(held)
    expect(screen.locator("body")).not_to_contain_text(held)
    ana.screenshot(path="/tmp/qa-phone-pending.png", full_page=True)

    card = on_console(console, held_id)
    expect(console.locator("#qa-console ol.pending li.question")).to_have_count(1)
    console.screenshot(path="/tmp/qa-console-pending.png", full_page=True)
    card.locator("[data-qa=approve]").click()
    expect(listed(ben, held_id).locator(".question-text")).to_have_text(held)
    expect(screen.locator(f"#qa-screen .screen-questions [data-question='{held_id}']")).to_contain_text(held)
    expect(mine(ana, held_id).locator(".question-meta")).to_have_text("Anonymous · open · 0 upvotes")
    expect(ben.locator("#qa-list [data-qa-count=pending]")).to_have_count(0)
    expect(screen.locator("#qa-screen .qa-counts")).to_have_count(0)

    # Ben asks, named this time; the facilitator dismisses it with a reason.
    off_topic = "Can we talk about car parking for night staff?"
    reason = "Off topic for this exchange"
    off_id = ask(ben, off_topic, named=True)
    expect(mine(ben, off_id).locator(".question-meta")).to_have_text(f"{BEN[0]} · {BEN[1]} · awaiting approval")
    dismiss = on_console(console, off_id).locator("details.inline-form").filter(has_text="Dismiss")
    dismiss.locator("summary").click()
    expect(dismiss.locator("label")).to_contain_text("Reason, shown to its author")
    dismiss.locator("input[name=reason]").fill(reason)
    console.locator(".qa-panel").screenshot(path="/tmp/qa-console-panel-dismissing.png")
    dismiss.locator("[data-qa=dismiss]").click()
    for page in (ana, ben):
        expect(page.locator("#qa-list [data-qa-count=dismissed]")).to_have_text("1 dismissed")
    expect(screen.locator("#qa-screen .qa-counts")).to_have_text("1 dismissed")
    expect(mine(ben, off_id).locator(".question-meta")).to_have_text(f"{BEN[0]} · {BEN[1]} · dismissed · “{reason}”")
    expect(mine(ben, off_id).locator("[data-qa=withdraw]")).to_have_count(0)
    for page in (ana, screen):
        expect(page.locator("body")).not_to_contain_text(reason)
        expect(page.locator("body")).not_to_contain_text(off_topic)
    expect(console.locator("#qa-console .qa-counts")).to_contain_text("1 dismissed")
    ben.screenshot(path="/tmp/qa-phone-dismissed.png", full_page=True)
    screen.screenshot(path="/tmp/qa-screen-moderated.png")
    console.screenshot(path="/tmp/qa-console-moderated.png", full_page=True)
    console.locator(".qa-panel").screenshot(path="/tmp/qa-console-panel-moderated.png")
    assert_not_reloaded(console, screen, ana, ben)


# -- 5. an author withdraws their question ------------------------------------------------------


def test_the_author_withdraws_a_question_and_it_leaves_every_phone(server, room, new_context):
    code = room["code"]
    ana = open_phone(new_context, server, code, *ANA)
    ben = open_phone(new_context, server, code, *BEN)
    kept = ask(ben, "What did the pilot cost?")
    text = "Would this work on a surgical ward?"
    question_id = ask(ana, text)
    expect(listed(ben, question_id)).to_be_visible()
    asked: list[str] = []

    def answer_dialog(accept: bool) -> None:
        def handle(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        ana.once("dialog", handle)

    withdraw = mine(ana, question_id).locator("[data-qa=withdraw]")
    # Ben cannot withdraw Ana's question: it is not under his own questions.
    expect(mine(ben, question_id)).to_have_count(0)
    answer_dialog(accept=False)
    withdraw.tap()
    ana.wait_for_timeout(300)  # time for a command that should not have been sent
    assert asked == ["Withdraw this question?"], asked
    expect(listed(ben, question_id)).to_be_visible()
    answer_dialog(accept=True)
    withdraw.tap()
    expect(listed(ben, question_id)).to_have_count(0)
    expect(listed(ana, question_id)).to_have_count(0)
    expect(mine(ana, question_id)).to_have_count(0)
    assert asked == ["Withdraw this question?"] * 2, asked
    expect(shown_texts(ben)).to_have_text(["What did the pilot cost?"])
    expect(listed(ana, kept)).to_be_visible()
    expect(ana.locator("#flash")).to_be_empty()
    assert_not_reloaded(ana, ben)


# -- 6. layout: the phone fits 360 px, the screen never scrolls --------------------------------

LONG = (
    "Ward rounds, pharmacy and transport each wait for the other: could we agree one time for all "
    "three, and who would own it? "
)

PHONE_LAYOUT = """() => {
    const targets = 'button, .button, a, input:not([type=hidden]):not([type=checkbox]), select, textarea, '
        + 'label.check, summary';
    const qa = '#qa-ask, #qa-mine, #qa-list';
    const small = [...document.querySelectorAll(qa)].flatMap(s => [...s.querySelectorAll(targets)])
      .filter(e => e.checkVisibility())
      .map(e => ({target: e.tagName + ' ' + (e.name || e.textContent.trim().slice(0, 30)),
                  h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width}))
      .filter(t => t.h < 44 || t.w < 44);
    const wide = [...document.querySelectorAll(qa)].flatMap(s => [s, ...s.querySelectorAll('*')])
      .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 || e.scrollWidth > e.clientWidth + 1
                   && getComputedStyle(e).overflowX !== 'visible')
      .map(e => e.tagName + '.' + e.className);
    return {scrollWidth: document.documentElement.scrollWidth, width: innerWidth, small, wide,
            rows: document.querySelectorAll('#qa-list li.question').length};
}"""


def test_the_phone_with_ten_questions_fits_360_px_with_thumb_sized_targets(server, room, new_context):
    people = voters(server, room, 9)
    texts = [
        LONG,
        "Pharmacy?",
        ("https://www.example.nhs.uk/discharge/criteria-led-discharge-guidance-2024.pdf covers this: do we follow it?"),
        LONG * 3,
        "Who books transport?",
        "Weekend therapists: how many?",
        "Discharge_lounge_opening_hours_at_weekends_and_bank_holidays",
        "Is the EDD set on admission?",
        "Can families collect medicines?",
    ]
    ids = [
        ask_by_api(server, room, token, text, named=n % 3 == 0)
        for n, (token, text) in enumerate(zip(people, texts, strict=True))
    ]
    for n, token in enumerate(people):
        for question_id in ids[:n]:
            if question_id != ids[n]:
                upvote_by_api(server, room, token, question_id)
    ok(server, room, type="question.answered", question_id=ids[1])

    ana = open_phone(new_context, server, room["code"], *ANA)
    own = ask(ana, "Does criteria-led discharge need a consultant's signature every time?")
    listed(ana, ids[0]).locator("button[data-upvote]").tap()
    expect(listed(ana, ids[0]).locator("button[data-upvote]")).to_have_attribute("aria-pressed", "true")
    expect(ana.locator("#qa-list li.question")).to_have_count(10)
    expect(mine(ana, own)).to_be_visible()
    layout = ana.evaluate(PHONE_LAYOUT)
    ana.screenshot(path="/tmp/qa-phone-ten.png", full_page=True)
    assert layout["rows"] == 10, layout
    assert layout["width"] == 360, layout
    assert layout["scrollWidth"] <= 360, f"the phone scrolls sideways: {layout}"
    assert not layout["wide"], f"wider than the phone: {layout['wide']}"
    assert not layout["small"], f"tap targets under 44 px: {layout['small']}"
    assert_not_reloaded(ana)


SCREEN_METRICS = """() => {
    const d = document.documentElement, qa = document.querySelector('#qa-screen');
    const shown = e => e.checkVisibility({visibilityProperty: true}) && e.getBoundingClientRect().height > 0;
    // The nearest ancestor that clips: anything below its bottom is cut off.
    const clipper = e => { for (let p = e.parentElement; p; p = p.parentElement)
        if (getComputedStyle(p).overflow !== 'visible') return p.getBoundingClientRect(); return null; };
    const outside = [...qa.querySelectorAll('*')].filter(shown).filter(e => {
        const r = e.getBoundingClientRect(), c = clipper(e);
        return r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.left < -0.5
            || (c && (r.bottom > c.bottom + 0.5 || r.top < c.top - 0.5));
    }).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40));
    // The questions share the screen: they must not run over the header, the clock, the join panel or the counts.
    const q = qa.getBoundingClientRect();
    const overlaps = [...document.querySelectorAll('.room-header, .clock-screen, .screen-join, .screen-foot')]
        .filter(shown).filter(e => { const r = e.getBoundingClientRect();
            return r.left < q.right - 0.5 && q.left < r.right - 0.5
                && r.top < q.bottom - 0.5 && q.top < r.bottom - 0.5; })
        .map(e => e.className);
    const clipped = [...qa.querySelectorAll('.pinned-question')]
        .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
        .map(e => e.className);
    const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
    const lum = c => { const [r, g, b] = rgb(c).map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92
                        : Math.pow((v + 0.055) / 1.055, 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const texts = [...qa.querySelectorAll('*')].filter(shown).filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    const dim = texts.map(e => ({e: e.tagName + '.' + e.className, color: getComputedStyle(e).color}))
        .filter(t => lum(t.color) < 0.35);
    const sizes = texts.map(e => parseFloat(getComputedStyle(e).fontSize));
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, bodyScrollHeight: document.body.scrollHeight,
            innerWidth, innerHeight, outside, overlaps, clipped, dim, smallest: Math.min(...sizes), texts: texts.length,
            backgroundLum: lum(getComputedStyle(document.body).backgroundColor),
            box: qa.getBoundingClientRect().toJSON()};
}"""


def check_screen(screen: Page, where: str, width: int, height: int) -> dict:
    m = screen.evaluate(SCREEN_METRICS)
    assert m["innerWidth"] == width and m["innerHeight"] == height, m
    assert m["scrollHeight"] <= height and m["bodyScrollHeight"] <= height, f"{where} scrolls: {m}"
    assert m["scrollWidth"] <= width, f"{where} scrolls sideways: {m}"
    assert not m["outside"], f"{where}: cut off: {m['outside']}"
    assert not m["overlaps"], f"{where}: the questions run over {m['overlaps']}"
    assert not m["clipped"], f"{where}: the pinned question is clipped: {m['clipped']}"
    assert m["backgroundLum"] < 0.02, f"{where}: the screen is not dark"
    assert not m["dim"], f"{where}: dark text on the dark screen: {m['dim']}"
    assert m["smallest"] >= (16 if width == 1920 else 12), f"{where}: text too small: {m['smallest']}"
    return m


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_the_screen_fits_a_long_pinned_question_and_five_long_top_questions(server, new_context, width, height):
    room = create_room(server, title=LONG_TITLE, organisations=ORGS)
    people = voters(server, room, 8)
    longest = (LONG * 5)[:500].strip()
    assert len(longest) >= 495
    pinned = ask_by_api(server, room, people[0], longest)
    top = [
        ask_by_api(server, room, token, f"{n + 1}. " + (LONG * 2)[: 240 + 20 * n])
        for n, token in enumerate(people[1:7])
    ]
    for n, question_id in enumerate(top):  # 6, 5, ... 1 votes, never from the author (people[n + 1])
        for token in [people[0], *people[7:], *people[n + 2 : 7]][: 6 - n]:
            upvote_by_api(server, room, token, question_id)

    screen = open_screen(new_context, room, viewport={"width": width, "height": height})
    on_screen = screen.locator("#qa-screen")
    shots = []

    def state(name: str) -> None:
        check_screen(screen, f"{name} at {width}x{height}", width, height)
        shots.append(f"/tmp/qa-screen-{width}-{name}.png")
        screen.screenshot(path=shots[-1])

    ok(server, room, type="question.pin", question_id=pinned)
    expect(on_screen.locator(".pinned-question")).to_have_text(longest)
    state("pinned")

    ok(server, room, type="question.pin")
    ok(server, room, type="questions.configure", on_screen=True)
    expect(on_screen.locator(".screen-questions li")).to_have_count(5)
    expect(on_screen.locator(".more")).to_have_text("and 2 more on your phones")
    state("top")

    # The same during a case's Q&A phase, beside the clock.
    add_item(
        server,
        room,
        kind="case",
        title="Northfield: criteria-led discharge",
        organisation=ORGS[1],
        presenter="Ben Okafor",
        presentation_minutes=10,
        qa_minutes=5,
        qa_prompt="What would you try differently?",
    )
    ok(server, room, type="timer.start")
    for token, text in zip(people[:5], [LONG * 2] * 5, strict=True):
        ask_by_api(server, room, token, text[:300])
    ok(server, room, type="timer.next")
    expect(screen.locator(".clock-screen")).to_be_visible()
    expect(on_screen.locator(".screen-questions li")).to_have_count(5)
    state("case-top")
    ok(server, room, type="question.pin", question_id=pinned)
    expect(on_screen.locator(".pinned-question")).to_have_text(longest)
    state("case-pinned")
    assert_not_reloaded(screen)


def test_a_byline_says_whose_case_a_question_is_on_never_what_reads_as_the_askers_organisation(
    server, new_context, room
):
    """ "Anonymous · St Mary's Hospital" read as the asker's organisation: it was the agenda item."""
    add_item(
        server,
        room,
        kind="case",
        title="St Mary's Hospital",
        organisation=ORGS[0],
        presenter="Ana Pereira",
        presentation_minutes=10,
        qa_minutes=5,
    )
    ok(server, room, type="timer.start")
    ben = open_phone(new_context, server, room["code"], *BEN)
    question_id = ask(ben, "Who signs off a discharge at the weekend?")
    meta = listed(ben, question_id).locator(".question-meta")
    expect(meta).to_have_text("Anonymous · on St Mary's Hospital's case")
    console = open_console(new_context, room)
    expect(on_console(console, question_id).locator(".question-meta")).to_contain_text(
        "Anonymous · on St Mary's Hospital's case"
    )
