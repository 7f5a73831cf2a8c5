"""Exports in a real browser: the facilitator ends the exchange and downloads the HTML report and
the Word file from the console's Exchange tab; once allowed, a participant downloads the report
from a 360 px phone."""

import io
from html.parser import HTMLParser

import docx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import ORGS, open_console, open_phone, show_tab
from tests.live import ok

pytestmark = pytest.mark.browser


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = ""
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3"):
            self.inside = tag
            self.found.append((tag, ""))

    def handle_endtag(self, tag):
        if tag == self.inside:
            self.inside = ""

    def handle_data(self, text):
        if self.inside:
            tag, before = self.found[-1]
            self.found[-1] = (tag, before + text)


def headings(html: str) -> list[tuple[str, str]]:
    parsed = Headings()
    parsed.feed(html)
    return parsed.found


def downloaded(page: Page, link) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and its bytes."""
    with page.expect_download() as started:
        link.click()
    download = started.value
    path = download.path()
    assert path is not None, download.failure()
    with open(path, "rb") as file:
        return download.suggested_filename, file.read()


def test_the_facilitator_ends_the_exchange_and_downloads_the_report_and_the_word_file(server, room, new_context):
    code = room["code"]
    open_phone(new_context, server, code, "Ana Lopez", ORGS[0])
    ok(server, room, type="note.post", text="Pharmacist joins the ward round", kind="practice")
    console = open_console(new_context, room)
    show_tab(console, "Exchange")
    console.on("dialog", lambda dialog: dialog.accept())
    console.locator("#room-controls").get_by_role("button", name="End exchange").click()
    expect(console.locator("#room-controls")).to_contain_text("This exchange has ended")

    downloads = console.locator("#room-downloads")
    name, html = downloaded(console, downloads.locator("a[data-export=html]"))
    assert name == f"record-{code}.html"
    found = headings(html.decode())
    assert ("h1", "Reducing discharge delays") in found and ("h2", "Charter") in found
    assert "Pharmacist joins the ward round" in html.decode()
    assert "after the exchange ended" in html.decode()

    name, word = downloaded(console, downloads.locator("a[data-export=docx]"))
    assert name == f"record-{code}.docx"
    document = docx.Document(io.BytesIO(word))
    titles = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Title", "Heading"))]
    assert ("Title", "Reducing discharge delays") in titles and ("Heading 1", "Participants") in titles
    assert any("Pharmacist joins the ward round" in p.text for p in document.paragraphs)


def test_once_allowed_a_participant_downloads_the_report_from_a_phone(server, room, new_context):
    code = room["code"]
    phone = open_phone(new_context, server, code, "Ana Lopez", ORGS[0])
    expect(phone.get_by_role("link", name="Download the report")).to_have_count(0)

    console = open_console(new_context, room)
    show_tab(console, "Exchange")
    console.get_by_role("button", name="Let them download it de-identified").click()
    expect(console.locator("#room-downloads")).to_contain_text("Participants may download the record, de-identified")

    link = phone.get_by_role("link", name="Download the report")
    expect(link).to_be_visible()  # pushed to the phone: no reload
    expect(phone.locator("#record-phone")).to_contain_text("de-identified")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "the page fits a 360 px phone"
    name, html = downloaded(phone, link)
    assert name == f"record-{code}.html"
    text = html.decode()
    assert ("h1", "Reducing discharge delays") in headings(text)
    assert "Ana Lopez" not in text and "Participant 1" in text

    console.get_by_role("button", name="Stop participants downloading").click()
    expect(phone.get_by_role("link", name="Download the report")).to_have_count(0)
