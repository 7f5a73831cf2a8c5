"""The scribe in a real Chromium: notes typed on the keyboard-first panel reach the console,
the phones and the screen; two scribes edit side by side; patient identifiers are held back;
case summaries, action plans and the session record.

Notes travel over the page's WebSocket as forms (`ws-send`) and every fragment is swapped in
place, so these tests also check that no live page reloads. The long forms (a case's summary,
an action plan) and the record are ordinary pages. Phones are 360x740 and use taps only; the
scribe panel is a 1280x800 laptop driven from the keyboard.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.pages import (
    ANA,
    BEN,
    ORGS,
    assert_not_reloaded,
    mark_page,
    open_console,
    open_phone,
    open_screen,
    show_tab,
    wait_live,
)
from tests.live import add_item, command, join, ok

pytestmark = pytest.mark.browser

CASE = "Criteria-led discharge"


# -- helpers -----------------------------------------------------------------


def exactly(text: str) -> re.Pattern:
    return re.compile(f"^\\s*{re.escape(text)}\\s*$")


def open_scribe(new_context, room: dict) -> Page:
    """The scribe panel through its secret link (which sets the scribe's cookie), live and marked."""
    scribe = new_context("laptop").new_page()
    scribe.goto(room["links"]["scribe"])
    expect(scribe).to_have_url(re.compile(f"/r/{room['code']}/scribe$"))  # the key left the address bar
    wait_live(scribe)
    mark_page(scribe)
    return scribe


def note_box(page: Page) -> Locator:
    return page.locator("#note-text")


def type_note(scribe: Page, text: str) -> None:
    """Put the caret in the note box and type, key by key, as a scribe would."""
    box = note_box(scribe)
    if not box.evaluate("e => e === document.activeElement"):
        box.focus()
    scribe.keyboard.type(text)


def post_note(scribe: Page, text: str) -> Locator:
    """Type a note and press Enter; the note on the panel once the server took it."""
    before = scribe.locator("#notes-scribe li.note").count()
    type_note(scribe, text)
    scribe.keyboard.press("Enter")
    expect(note_box(scribe)).to_have_value("")
    expect(scribe.locator("#notes-scribe li.note")).to_have_count(before + 1)
    return scribe.locator("#notes-scribe li.note").first


def note_on(page: Page, root: str, text: str) -> Locator:
    """A note in a list (#notes-scribe, #notes-feed), found by its text."""
    return page.locator(f"{root} li.note").filter(has=page.locator(".note-text", has_text=exactly(text)))


def scribe_note(server: str, room: dict, text: str, **fields) -> str:
    """A note posted through the API with the scribe's link secret; its id."""
    response = command(server, room["code"], room["tokens"]["scribe"], type="note.post", text=text, **fields)
    assert response.status_code == 200, response.text
    return response.json()["reply"]["note_id"]


def running_case(server: str, room: dict, speaker: str | None = None) -> str:
    """A case on the agenda, started, with `speaker` (a participant id) holding the floor; its id."""
    item_id = add_item(
        server,
        room,
        kind="case",
        title=CASE,
        organisation=ORGS[0],
        presenter=ANA[0],
        presentation_minutes=15,
        qa_minutes=5,
    )
    ok(server, room, type="timer.start")
    if speaker:
        ok(server, room, type="floor.give", speaker=speaker)
    return item_id


# Whether anything pokes out of the page on the right.
SIDEWAYS = """() => ({width: innerWidth, scrollWidth: document.documentElement.scrollWidth,
    wide: [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
          .map(e => e.tagName + '.' + e.className).slice(0, 8)})"""


def assert_no_sideways_scroll(page: Page, what: str) -> None:
    layout = page.evaluate(SIDEWAYS)
    assert layout["scrollWidth"] <= layout["width"], f"{what} scrolls sideways: {layout}"
    assert not layout["wide"], f"{what}: wider than the page: {layout}"


# -- 1. the main path: a tagged note typed with the keyboard alone ------------------------


def test_a_scribe_posts_a_tagged_note_with_the_keyboard_and_it_reaches_phone_and_console(server, room, new_context):
    code = room["code"]
    phone = open_phone(new_context, server, code, *BEN)
    ana = join(server, code, name=ANA[0], organisation=ANA[1])
    running_case(server, room, speaker=ana["participant_id"])
    console = open_console(new_context, room)
    scribe = open_scribe(new_context, room)

    # The note will be about the case running and the person holding the floor unless chosen.
    links = scribe.locator("#note-links")
    expect(links.locator("select[name=item_id] option:checked")).to_have_text(f"now: {CASE}")
    expect(links.locator("select[name=speaker_id] option:checked")).to_have_text(f"now: {ANA[0]} · {ANA[1]}")
    expect(scribe.locator("#note-form input[name=kind]:checked")).to_have_value("insight")

    # A first note, from the other scribe, brings the tag into the room's completions.
    scribe_note(server, room, "Discharge is planned from the day of admission #discharge-planning")
    expect(links).to_have_attribute("data-tags", re.compile(r"\bdischarge-planning\b"))
    expect(scribe.locator("#notes-scribe li.note")).to_have_count(1)

    box = note_box(scribe)
    box.focus()
    scribe.keyboard.type("/b ")
    expect(box).to_have_value("")  # "/b " chose the kind and left the box
    expect(scribe.locator("#note-form input[name=kind][value=practice]")).to_be_checked()
    scribe.keyboard.type("Nurses discharge against agreed criteria at weekends #disch")
    suggestions = scribe.locator("#tag-suggestions .suggestion")
    expect(suggestions).to_have_text(["#discharge-planning"])
    scribe.screenshot(path="/tmp/scribe-panel-typing.png")
    scribe.keyboard.press("Tab")
    expect(box).to_have_value("Nurses discharge against agreed criteria at weekends #discharge-planning ")
    expect(box).to_be_focused()  # Tab completed the tag; it did not move the focus
    scribe.keyboard.press("Enter")

    text = "Nurses discharge against agreed criteria at weekends #discharge-planning"
    for page, root in ((scribe, "#notes-scribe"), (phone, "#notes-feed"), (console, "#notes-feed")):
        note = note_on(page, root, text)
        expect(note).to_have_count(1)
        expect(note.locator(".tag.kind")).to_have_text("Best practice")
        expect(note.locator(".note-head .tag:not(.kind)")).to_have_text(["#discharge-planning"])
        expect(note.locator(".note-meta")).to_contain_text(CASE)
        expect(note.locator(".note-meta")).to_contain_text(f"{ANA[0]} · {ANA[1]}")
        expect(page.locator(f"{root} li.note").first).to_have_attribute(
            "data-note-id", note.get_attribute("data-note-id")
        )  # newest first
    expect(note_on(scribe, "#notes-scribe", text)).to_have_class(re.compile(r"\bkind-practice\b"))

    # The box is empty again, still has the caret, and the kind is back to the first one.
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(scribe.locator("#note-form input[name=kind][value=insight]")).to_be_checked()
    expect(scribe.locator("#tag-suggestions .suggestion")).to_have_count(0)
    # The next note can be typed straight away.
    scribe.keyboard.type("/q Weekends are just another day for patients")
    scribe.keyboard.press("Enter")
    quote = note_on(phone, "#notes-feed", "Weekends are just another day for patients")
    expect(quote.locator(".tag.kind")).to_have_text("Quote")
    expect(box).to_be_focused()

    # Who said it, once chosen, outlasts the lists being redrawn: another scribe's note brings a new tag.
    speaker = links.locator("select[name=speaker_id]")
    speaker.select_option(label=f"{BEN[0]} · {BEN[1]}")
    type_note(scribe, "Pharmacy could open at eight")
    scribe_note(server, room, "A pharmacist on site at weekends #weekend-pharmacy")
    expect(links).to_have_attribute("data-tags", re.compile(r"\bweekend-pharmacy\b"))
    expect(speaker.locator("option:checked")).to_have_text(f"{BEN[0]} · {BEN[1]}")
    expect(box).to_have_value("Pharmacy could open at eight")
    box.press("Enter")
    expect(note_on(phone, "#notes-feed", "Pharmacy could open at eight").locator(".note-meta")).to_have_text(
        f"{CASE} · {BEN[0]} · {BEN[1]}"
    )
    expect(speaker.locator("option:checked")).to_have_text(f"now: {ANA[0]} · {ANA[1]}")  # back to the default

    scribe.screenshot(path="/tmp/scribe-panel.png", full_page=True)
    phone.locator("#notes-feed").scroll_into_view_if_needed()
    phone.screenshot(path="/tmp/scribe-phone-notes.png")
    assert_no_sideways_scroll(phone, "the phone with notes")
    assert_not_reloaded(scribe, phone, console)


# -- 2. two scribes side by side; an edit survives the other's notes --------------------------


def test_two_scribes_see_each_others_notes_and_an_open_edit_keeps_what_is_typed(server, room, new_context):
    one = open_scribe(new_context, room)
    two = open_scribe(new_context, room)

    first = "Pharmacy is the usual wait on discharge day #pharmacy"
    post_note(one, first)
    expect(note_on(two, "#notes-scribe", first)).to_have_count(1)
    post_note(two, "/r Transport is booked only once the letter is written #transport")
    arrived = note_on(one, "#notes-scribe", "Transport is booked only once the letter is written #transport")
    expect(arrived.locator(".tag.kind")).to_have_text("Barrier")

    # Scribe one opens Edit on the first note and is halfway through retyping it...
    note = note_on(one, "#notes-scribe", first)
    note_id = note.get_attribute("data-note-id")
    mine = one.locator(f"#notes-scribe li.note[data-note-id='{note_id}']")
    mine.locator("details[data-keep-while-open] > summary").click()
    editor = mine.locator("details[data-keep-while-open] textarea[name=text]")
    expect(editor).to_be_visible()
    editor.click()
    one.keyboard.press("ControlOrMeta+a")
    half = "Pharmacy is the usual wait on discharge day: a runner"
    one.keyboard.type(half)

    # ... while scribe two posts two notes, which arrive on scribe one's panel.
    post_note(two, "/d Start the pharmacy runner pilot next month #pharmacy")
    post_note(two, "/a Ask transport for a noon slot #transport")
    expect(one.locator("#notes-scribe li.note")).to_have_count(4)
    expect(one.locator("#notes-scribe li.note").first.locator(".note-text")).to_have_text(
        "Ask transport for a noon slot #transport"
    )
    mine = one.locator(f"#notes-scribe li.note[data-note-id='{note_id}']")
    editor = mine.locator("details[data-keep-while-open] textarea[name=text]")
    expect(mine.locator("details[data-keep-while-open]")).to_have_attribute("open", "")
    expect(editor).to_have_value(half)
    expect(editor).to_be_focused()
    one.keyboard.type(" from 10:00")
    edited = half + " from 10:00"
    mine.locator("[data-note=save]").click()

    # A new version: shown on both panels as edited, with both versions in its history.
    for page in (one, two):
        shown = page.locator(f"#notes-scribe li.note[data-note-id='{note_id}']")
        expect(shown.locator(".note-text")).to_have_text(edited)
        expect(shown.locator(".note-meta")).to_contain_text("edited")
        history = shown.locator("details.history")
        expect(history.locator("summary")).to_have_text("History (2 versions)")
        history.locator("summary").click()
        expect(history.locator(".versions li")).to_have_count(2)
        expect(history.locator(".versions li").nth(0)).to_contain_text(edited)
        expect(history.locator(".versions li").nth(1)).to_contain_text(first)
    # Saving closed the edit form, so the next update shows what was saved.
    closed = one.locator(f"#notes-scribe li.note[data-note-id='{note_id}'] details[data-keep-while-open]")
    expect(closed).not_to_have_attribute("open", "")
    one.screenshot(path="/tmp/scribe-panel-history.png", full_page=True)
    assert_not_reloaded(one, two)


# -- 3. patient identifiers are held back until removed or confirmed --------------------------


def test_text_that_looks_like_a_patient_identifier_is_held_back_until_removed_or_confirmed(server, room, new_context):
    code = room["code"]
    scribe = open_scribe(new_context, room)
    console = open_console(new_context, room)
    box = note_box(scribe)
    warning = scribe.locator("#confirmation")
    notes = scribe.locator("#notes-scribe li.note")

    # Remove it and send: the number goes, the note goes out, the box empties.
    type_note(scribe, "Patient MRN 1234567 waited 6 hours")
    scribe.keyboard.press("Enter")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("a medical record number")
    expect(warning).to_contain_text("MRN 1234567")
    expect(warning.get_by_role("button")).to_have_text(
        ["Remove it and send", "It identifies no patient: send it", "Edit it first"]
    )
    expect(notes).to_have_count(0)
    expect(console.locator("#notes-feed li.note")).to_have_count(0)  # nothing was broadcast
    scribe.screenshot(path="/tmp/scribe-confirmation.png")
    # The warning takes the keyboard: Enter again removes the number and sends.
    expect(warning.get_by_role("button", name="Remove it and send")).to_be_focused()
    scribe.keyboard.press("Enter")
    redacted = "Patient [medical record number removed] waited 6 hours"
    expect(note_on(scribe, "#notes-scribe", redacted)).to_have_count(1)
    expect(note_on(console, "#notes-feed", redacted)).to_have_count(1)
    expect(warning).to_be_hidden()
    expect(box).to_have_value("")
    expect(box).to_be_focused()

    # It identifies no patient: sent as typed, marked sensitive.
    ward = "Ring the bed manager on 020 7946 0958 before noon"
    type_note(scribe, ward)
    scribe.keyboard.press("Enter")
    expect(warning).to_contain_text("a phone number")
    warning.get_by_role("button", name="It identifies no patient: send it").click()
    sent = note_on(scribe, "#notes-scribe", ward)
    expect(sent).to_have_count(1)
    expect(sent.locator(".tag.sensitive")).to_have_text("sensitive")
    expect(note_on(console, "#notes-feed", ward)).to_have_count(1)
    expect(warning).to_be_hidden()
    expect(box).to_have_value("")

    # Edit it first: the warning closes and the text stays in the box, to change and send.
    slip = "Seen again, MRN 7654321, on Friday"
    type_note(scribe, slip)
    scribe.keyboard.press("Enter")
    expect(warning).to_contain_text("a medical record number")
    warning.get_by_role("button", name="Edit it first").click()
    expect(warning).to_be_hidden()
    expect(box).to_have_value(slip)
    expect(box).to_be_focused()
    expect(notes).to_have_count(2)
    box.fill("Seen again on Friday")
    scribe.keyboard.press("Enter")
    expect(note_on(scribe, "#notes-scribe", "Seen again on Friday")).to_have_count(1)
    expect(box).to_have_value("")
    expect(warning).to_be_hidden()
    assert "7654321" not in console.locator("#notes-feed").inner_text()

    # An edit that slips an identifier in: removed on the warning, and the edit form closes.
    edited = note_on(scribe, "#notes-scribe", "Seen again on Friday")
    edited.get_by_text("Edit", exact=True).click()
    edit_box = edited.locator("textarea[name=text]")
    edit_box.fill("Seen again on Friday, MRN 7654321")
    edited.get_by_role("button", name="Save").click()
    expect(warning).to_contain_text("a medical record number")
    warning.get_by_role("button", name="Remove it and send").click()
    expect(note_on(scribe, "#notes-scribe", "Seen again on Friday, [medical record number removed]")).to_have_count(1)
    expect(scribe.locator("#notes-scribe details[data-keep-while-open][open]")).to_have_count(0)
    expect(warning).to_be_hidden()

    # A phone asking a question with an e-mail address gets the same choice.
    phone = open_phone(new_context, server, code, *ANA)
    form = phone.locator("#qa-ask form")
    question = form.locator("textarea[name=text]")
    question.tap()
    phone.keyboard.type("Can I email ana.pereira@stmarys.example.org the checklist?")
    form.get_by_role("button", name="Send question").tap()
    on_phone = phone.locator("#confirmation")
    expect(on_phone).to_be_visible()
    expect(on_phone).to_contain_text("an e-mail address")
    expect(on_phone.get_by_role("button")).to_have_text(
        ["Remove it and send", "It identifies no patient: send it", "Edit it first"]
    )
    phone.screenshot(path="/tmp/scribe-phone-confirmation.png")
    assert_no_sideways_scroll(phone, "the phone with the privacy warning")
    box_rect = on_phone.bounding_box()
    assert box_rect["x"] >= 0 and box_rect["x"] + box_rect["width"] <= 360, box_rect
    for button in on_phone.get_by_role("button").all():
        rect = button.bounding_box()
        assert rect["height"] >= 44 and rect["x"] + rect["width"] <= 360, rect
    on_phone.get_by_role("button", name="Remove it and send").tap()
    expect(phone.locator("#qa-mine .question-text")).to_have_text(
        ["Can I email [e-mail address removed] the checklist?"]
    )
    expect(question).to_have_value("")
    expect(on_phone).to_be_hidden()
    assert_not_reloaded(scribe, console, phone)


# -- 4. a case's summary from its notes; an organisation's action plan from a phone ------------


def test_summary_prefilled_from_notes_and_an_action_plan_from_a_phone_marks_the_commitment(server, room, new_context):
    code = room["code"]
    running_case(server, room)
    scribe_note(server, room, "Nurses discharge against agreed criteria", kind="practice")
    scribe_note(server, room, "Start planning on the day of admission", kind="insight")
    scribe_note(server, room, "Pharmacy is slow at weekends", kind="barrier")
    scribe_note(server, room, "Weekends are just another day", kind="quote")
    console = open_console(new_context, room)
    scribe = open_scribe(new_context, room)

    case = scribe.locator("#summaries li").filter(has=scribe.get_by_role("link", name=CASE))
    expect(case).to_contain_text("not yet · 4 notes")
    case.get_by_role("link", name=CASE).click()
    expect(scribe).to_have_url(re.compile(f"/r/{code}/summary/"))
    expect(scribe.locator("h1")).to_have_text("Best-Practice Summary")
    form = scribe.locator("main form")
    expect(form.locator("textarea[name=intervention]")).to_have_value("- Nurses discharge against agreed criteria")
    expect(form.locator("textarea[name=tips]")).to_have_value("- Start planning on the day of admission")
    expect(form.locator("textarea[name=barriers]")).to_have_value("- Pharmacy is slow at weekends")
    expect(form.locator("textarea[name=problem]")).to_have_value("")
    form.locator("textarea[name=problem]").fill("Patients wait hours for discharge after the decision is made.")
    form.locator("textarea[name=baseline]").fill("Median 6 h from decision to departure")
    form.locator("textarea[name=result]").fill("Median 2 h after three months")
    form.locator("textarea[name=tips]").press("End")
    scribe.keyboard.type("\n- Agree the criteria with consultants first")
    scribe.screenshot(path="/tmp/scribe-summary.png", full_page=True)
    form.get_by_role("button", name="Save the summary").click()
    expect(scribe).to_have_url(re.compile(f"/r/{code}/scribe$"))
    wait_live(scribe)
    case = scribe.locator("#summaries li").filter(has=scribe.get_by_role("link", name=CASE))
    expect(case.locator("small")).to_have_text("written")
    # Opened again, it shows what was saved.
    case.get_by_role("link", name=CASE).click()
    expect(scribe.locator("textarea[name=tips]")).to_have_value(
        "- Start planning on the day of admission\n- Agree the criteria with consultants first"
    )
    expect(scribe.locator("main")).to_contain_text("Saved 1 time")

    # On a phone, Ana writes her organisation's action plan.
    commitments = console.locator("#commitments")
    expect(commitments).to_contain_text("0 of 2 organisations have committed to a change.")
    phone = open_phone(new_context, server, code, *ANA)
    link = phone.locator("#my-plans").get_by_role("link", name=f"Write {ORGS[0]}'s action plan")
    link.tap()
    expect(phone).to_have_url(re.compile(f"/r/{code}/plan$"))
    expect(phone.locator("h1")).to_have_text(f"Action plan · {ORGS[0]}")
    plan = phone.locator("main form").filter(has=phone.locator("textarea[name=change]"))
    expect(plan.locator("select[name=organisation]")).to_have_count(0)  # always her own
    plan.locator("textarea[name=change]").fill("Criteria-led discharge on two medical wards")
    plan.locator("select[name=impact]").select_option("high")
    plan.locator("select[name=effort]").select_option("medium")
    plan.locator("input[name=owner]").fill("Ward manager, 7B")
    plan.locator("textarea[name=milestone_30]").fill("Criteria agreed with consultants")
    plan.locator("textarea[name=milestone_90]").fill("Live on ward 7B")
    plan.locator("textarea[name=milestone_12]").fill("On every medical ward")
    phone.screenshot(path="/tmp/scribe-plan.png", full_page=True)
    assert_no_sideways_scroll(phone, "the action plan form on a phone")
    plan.get_by_role("button", name="Save the action plan").tap()
    expect(phone).to_have_url(re.compile(f"/r/{code}/plan$"))
    expect(phone.locator("main")).to_contain_text("Our commitments")
    expect(phone.locator("main ul.plain")).to_contain_text("Criteria-led discharge on two medical wards")

    # The console marks St Mary's as committed, without a reload.
    expect(commitments).to_contain_text("1 of 2 organisations have committed to a change.")
    row = commitments.locator(f'li[data-organisation="{ORGS[0]}"]')
    expect(row).to_have_class(re.compile(r"\bcommitted\b"))
    expect(row).to_contain_text("Criteria-led discharge on two medical wards")
    expect(row).to_contain_text("Ward manager, 7B")
    expect(commitments.locator(f'li[data-organisation="{ORGS[1]}"]')).to_have_class(re.compile(r"\bwaiting\b"))
    assert_not_reloaded(console)


# -- 5. the record on a phone ------------------------------------------------------------------


def test_the_record_on_a_phone_shows_the_session_in_order_and_filters(server, room, new_context):
    code = room["code"]
    ana = join(server, code, name=ANA[0], organisation=ANA[1])
    ben = join(server, code, name=BEN[0], organisation=BEN[1])
    running_case(server, room)
    scribe_note(server, room, "Nurses discharge against agreed criteria #criteria-led", kind="practice")
    poll_id = ok(
        server,
        room,
        type="poll.create",
        kind="single",
        question="Which change first?",
        options=["A discharge lounge", "Criteria-led discharge"],
        open=True,
    )["reply"]["poll_id"]
    for who, choice in ((ana, 1), (ben, 1)):
        response = command(server, code, who["token"], type="poll.answer", poll_id=poll_id, choice=choice)
        assert response.status_code == 200, response.text
    ok(server, room, type="poll.close", poll_id=poll_id)
    scribe_note(server, room, "Pharmacy is slow at weekends #pharmacy", kind="barrier")
    response = command(server, code, ben["token"], type="question.ask", text="Who signs the criteria off?")
    assert response.status_code == 200, response.text
    ok(server, room, type="question.answered", question_id=response.json()["reply"]["question_id"])
    scribe_note(server, room, "A pharmacy runner from 10:00 #pharmacy", kind="action")

    phone = open_phone(new_context, server, code, *ANA)
    phone.locator("#notes-feed").get_by_role("link", name="The whole session record").tap()
    expect(phone).to_have_url(re.compile(f"/r/{code}/record$"))
    entries = phone.locator("ol.timeline > li.entry")
    expect(entries).to_have_count(6)
    assert [entry.get_attribute("data-what") for entry in entries.all()] == [
        "item",
        "note",
        "poll",
        "note",
        "question",
        "note",
    ]
    expect(entries.nth(0).locator("h2")).to_have_text(CASE)
    expect(entries.nth(1)).to_contain_text("Nurses discharge against agreed criteria")
    expect(entries.nth(2)).to_contain_text("Which change first?")
    expect(entries.nth(2)).to_contain_text("2 answered")
    bars = entries.nth(2).locator(".result-bars .bar-row")
    expect(bars.locator(".bar-name")).to_have_text(["A discharge lounge", "Criteria-led discharge"])
    expect(bars.locator(".result-count")).to_have_text(["0", "2"])
    tracks = bars.evaluate_all("""rows => rows.map(row => ({
        track: row.querySelector('.bar-track').getBoundingClientRect().width,
        fill: row.querySelector('.bar-fill').getBoundingClientRect().width}))""")
    assert all(bar["track"] >= 40 for bar in tracks), f"the result bars have no room on a phone: {tracks}"
    assert tracks[1]["fill"] == pytest.approx(tracks[1]["track"], abs=1), tracks
    expect(entries.nth(4)).to_contain_text("Who signs the criteria off?")
    expect(entries.nth(5).locator(".tag.kind")).to_have_text("Action item")
    phone.screenshot(path="/tmp/scribe-record-phone.png", full_page=True)
    assert_no_sideways_scroll(phone, "the record on a phone")

    # By tag: only the notes tagged #pharmacy.
    filters = phone.locator("form.record-filters")
    filters.locator("select[name=tag]").select_option("pharmacy")
    filters.get_by_role("button", name="Filter").tap()
    expect(phone).to_have_url(re.compile(r"[?&]tag=pharmacy\b"))
    expect(entries).to_have_count(2)
    expect(entries.locator(".pre")).to_have_text(
        ["Pharmacy is slow at weekends #pharmacy", "A pharmacy runner from 10:00 #pharmacy"]
    )
    assert_no_sideways_scroll(phone, "the record filtered by tag")

    # By tag and kind: the barrier alone; then by kind alone, after clearing.
    filters.locator("select[name=kind]").select_option("barrier")
    filters.get_by_role("button", name="Filter").tap()
    expect(entries).to_have_count(1)
    expect(entries.locator(".pre")).to_have_text(["Pharmacy is slow at weekends #pharmacy"])
    phone.locator("form.record-filters").get_by_role("link", name="Clear").tap()
    expect(entries).to_have_count(6)
    filters.locator("select[name=kind]").select_option("practice")
    filters.get_by_role("button", name="Filter").tap()
    expect(entries).to_have_count(1)
    expect(entries.locator(".tag.kind")).to_have_text(["Best practice"])
    # A tag on a note is a link to that tag's filter.
    entries.first.get_by_role("link", name="#criteria-led").tap()
    expect(phone).to_have_url(re.compile(r"[?&]tag=criteria-led\b"))
    expect(entries).to_have_count(1)
    assert_no_sideways_scroll(phone, "the record filtered by kind")


# -- 6. the notes ticker on the screen -----------------------------------------------------------

TICKER_METRICS = """() => {
    const d = document.documentElement, ticker = document.getElementById('notes-ticker');
    const rows = [...ticker.querySelectorAll('li')].map(li => {
        const r = li.getBoundingClientRect();
        return {text: li.textContent.trim(), top: r.top, bottom: r.bottom, right: r.right,
                px: parseFloat(getComputedStyle(li).fontSize), color: getComputedStyle(li).color};
    });
    return {scrollHeight: d.scrollHeight, scrollWidth: d.scrollWidth, bodyScrollHeight: document.body.scrollHeight,
            innerWidth, innerHeight, rows};
}"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_the_facilitator_puts_the_latest_notes_on_the_screen_which_never_scrolls(
    server, room, new_context, width, height
):
    ana = join(server, room["code"], name=ANA[0], organisation=ANA[1])
    running_case(server, room, speaker=ana["participant_id"])
    scribe_note(server, room, "Discharge is planned from the day of admission", kind="insight")
    scribe_note(
        server,
        room,
        "Nurses discharge against agreed criteria at weekends, with the consultant's "
        "plan written on the board round and checked by the nurse in charge",
        kind="practice",
    )
    scribe_note(server, room, "Pharmacy is slow at weekends", kind="barrier")
    console = open_console(new_context, room)
    screen = open_screen(new_context, room, viewport={"width": width, "height": height})
    ticker = screen.locator("#notes-ticker")
    expect(ticker).not_to_have_class(re.compile(r"\bactive\b"))
    expect(ticker.locator("li")).to_have_count(0)

    show_tab(console, "Notes")
    button = console.locator("#ticker-control [data-note=ticker]")
    expect(button).to_have_text("Show the latest notes on the screen")
    button.click()
    expect(ticker).to_have_class(re.compile(r"\bactive\b"))
    expect(ticker.locator("li")).to_have_count(3)
    expect(ticker.locator("li").first).to_contain_text("Pharmacy is slow at weekends")
    expect(ticker.locator("li .kind")).to_have_text(["Barrier", "Best practice", "Insight"])
    expect(console.locator("#ticker-control [data-note=ticker]")).to_have_text("Take the notes off the screen")

    # A new note takes the top line; the oldest leaves.
    scribe_note(server, room, "Start the pharmacy runner pilot next month", kind="decision")
    expect(ticker.locator("li").first).to_contain_text("Start the pharmacy runner pilot next month")
    expect(ticker.locator("li .kind")).to_have_text(["Decision", "Barrier", "Best practice"])
    screen.wait_for_timeout(300)
    m = screen.evaluate(TICKER_METRICS)
    screen.screenshot(path="/tmp/scribe-ticker.png" if width == 1920 else f"/tmp/scribe-ticker-{width}.png")
    where = f"the screen at {width}x{height}"
    assert m["innerWidth"] == width and m["innerHeight"] == height, m
    assert m["scrollHeight"] <= height and m["bodyScrollHeight"] <= height, f"{where} scrolls: {m}"
    assert m["scrollWidth"] <= width, f"{where} scrolls sideways: {m}"
    for row in m["rows"]:
        assert row["bottom"] <= height and row["top"] >= 0 and row["right"] <= width, f"{where}: cut off: {row}"
        assert row["px"] >= (16 if width == 1920 else 12), f"{where}: a note too small to read: {row}"
    expect(screen.locator("#clock-screen .countdown")).to_be_visible()  # the clock is still there

    console.locator("#ticker-control [data-note=ticker]").click()
    expect(ticker.locator("li")).to_have_count(0)
    expect(console.locator("#ticker-control [data-note=ticker]")).to_have_text("Show the latest notes on the screen")
    assert_not_reloaded(console, screen)
