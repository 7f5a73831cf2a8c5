"""Who may download the record, over HTTP on a real server: the facilitator and the scribe
always (cookie or bearer token); a participant once the facilitator allows it, as chosen;
the screen and strangers never, told so in a sentence."""

import io
import zipfile

import docx
import httpx

from tests.followup.test_pages import ended, post
from tests.live import auth, cookie_for, ok, room_with
from tests.scribe.test_wiring import cookie


def get(base: str, path: str, headers: dict | None = None) -> httpx.Response:
    return httpx.get(base + path, headers=headers or {}, timeout=10)


def test_the_facilitator_and_the_scribe_download_every_format_with_a_cookie_or_a_token(server):
    room, (ana,) = room_with(server, people=[("Ana Lopez", "St Mary's")])
    code, tokens = room["code"], room["tokens"]
    facilitator = {"Cookie": cookie_for(code, "facilitator", tokens["facilitator"])}
    for fmt, kind in (("md", "text/markdown"), ("html", "text/html"), ("json", "application/json")):
        response = get(server, f"/r/{code}/export.{fmt}", facilitator)
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
        assert f'filename="record-{code}.{fmt}"' in response.headers["content-disposition"]
        assert "Ana Lopez" in response.text
    word = get(server, f"/r/{code}/export.docx", auth(tokens["scribe"]))
    assert word.status_code == 200 and docx.Document(io.BytesIO(word.content)).paragraphs
    everything = get(server, f"/r/{code}/export.zip", auth(tokens["facilitator"]))
    assert "record.docx" in zipfile.ZipFile(io.BytesIO(everything.content)).namelist()
    hidden = get(server, f"/r/{code}/export.md?deidentify=true", auth(tokens["scribe"])).text
    assert "Ana Lopez" not in hidden and "Participant 1" in hidden
    assert get(server, f"/r/{code}/compendium.docx", auth(tokens["scribe"])).status_code == 200


def test_a_participant_downloads_only_once_allowed_and_as_the_facilitator_chose(server):
    room, (ana,) = room_with(server, people=[("Ana Lopez", "St Mary's")])
    code = room["code"]
    phone = {"Cookie": cookie_for(code, "participant", ana["token"])}
    refused = get(server, f"/r/{code}/export.html", phone)
    assert refused.status_code == 403 and "has not made the record downloadable" in refused.text
    assert get(server, f"/r/{code}/export.html", auth(ana["token"])).status_code == 403
    record = get(server, f"/r/{code}/record", phone).text
    assert f"/r/{code}/export.html" not in record
    ok(server, room, type="room.downloads", allowed=True, deidentified=True)
    report = get(server, f"/r/{code}/export.html", phone)
    assert report.status_code == 200 and "Participant 1" in report.text and "Ana Lopez" not in report.text
    named = get(server, f"/r/{code}/export.html?deidentify=false", phone)
    assert "Ana Lopez" not in named.text  # the facilitator's choice, not the participant's
    assert f"/r/{code}/export.docx" in get(server, f"/r/{code}/record", phone).text
    ok(server, room, type="room.downloads", allowed=True, deidentified=False)
    assert "Ana Lopez" in get(server, f"/r/{code}/export.html", phone).text


def test_the_screen_and_strangers_are_told_no_and_unknown_things_are_not_found(server):
    room, _ = room_with(server, people=[("Ana Lopez", "St Mary's")])
    code, tokens = room["code"], room["tokens"]
    ok(server, room, type="room.downloads", allowed=True)
    screen = get(server, f"/r/{code}/export.md", {"Cookie": cookie_for(code, "screen", tokens["screen"])})
    assert screen.status_code == 403 and "Join the exchange first" in screen.text
    assert get(server, f"/r/{code}/export.md", auth(tokens["screen"])).status_code == 403
    stranger = get(server, f"/r/{code}/export.md")
    assert stranger.status_code == 403 and "Only the facilitator, the scribe" in stranger.text
    assert get(server, f"/r/{code}/export.md", auth("nonsense")).status_code == 401
    assert get(server, "/r/ZZZZZZ/export.md", auth(tokens["facilitator"])).status_code == 404
    unknown = get(server, f"/r/{code}/export.pdf", auth(tokens["facilitator"]))
    assert unknown.status_code == 404 and "choose one of" in unknown.text


def test_an_address_given_on_the_follow_up_page_is_in_no_file_of_the_zip(server):
    room, ana, _, _ = ended(server)
    given = post(server, room, cookie(room, "participant", ana["token"]), form="contact", email="ana.lopez@example.org")
    assert given.status_code == 200 and "ana.lopez@example.org" in given.text
    everything = get(server, f"/r/{room['code']}/export.zip", auth(room["tokens"]["facilitator"]))
    assert everything.status_code == 200
    with zipfile.ZipFile(io.BytesIO(everything.content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name in [name for name in files if name.endswith(".docx")]:
        with zipfile.ZipFile(io.BytesIO(files[name])) as inner:
            files |= {f"{name}/{part}": inner.read(part) for part in inner.namelist()}
    assert "record.json" in files and "record.docx/word/document.xml" in files
    for name, content in files.items():
        assert b"ana.lopez" not in content, f"the address is in {name}"
    assert b"[redacted]" in files["record.json"]
