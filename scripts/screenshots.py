"""Pictures of the console, the projector screen and a phone for the README.

Starts the app on 127.0.0.1 with a temporary SQLite database, builds the demo exchange
("Reducing discharge delays", as `facilitator demo` does), plays the first half hour of it on
a clock it moves on (twelve people from five organisations join, the welcome overruns, St
Mary's case is in its questions: someone has the floor, three hands are up, the room asks and
upvotes, a poll is open and most of the room has voted; one phone is away), then photographs the three surfaces in
Debian's Chromium and writes docs/console.png, docs/screen.png and docs/phone.png.

It also writes docs/screenshots.json: the sizes and a digest of the surfaces' sources (every
file under facilitator/templates and facilitator/static), which tests/test_readme.py compares
with today's to say when the pictures are stale. Run it whenever a template or a static file
changes:

    .venv/bin/python scripts/screenshots.py

The room code, the names and the public address are fixed, so a picture changes only when a
surface does (the countdown's last digit may differ by a second).
"""

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from tests.clock import TestClock

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SURFACES = ("facilitator/templates", "facilitator/static")
PUBLIC_URL = "https://fac.example.org"  # what the links and the QR code say, instead of a random port
CODE = "KEW7PX"
TIMEZONE = "Europe/London"
STARTS = (2025, 3, 12, 9, 30)  # the exchange's day and the welcome's start, in TIMEZONE
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
SHOTS = {
    "console": {"viewport": {"width": 1366, "height": 768}},
    "screen": {"viewport": {"width": 1280, "height": 720}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
PEOPLE = [  # name, organisation, job title
    ("Dr Ana Silva", "St Mary's Hospital", "Consultant geriatrician"),
    ("Grace Mensah", "St Mary's Hospital", "Discharge coordinator"),
    ("Tom Okafor", "Northfield Community Hospital", "Discharge coordinator"),
    ("Helen Park", "Northfield Community Hospital", "Ward manager"),
    ("Priya Nair", "Riverside Medical Centre", "Ward pharmacist"),
    ("David Chen", "Riverside Medical Centre", "Bed manager"),
    ("Maria Costa", "Eastgate Health Partners", "Nurse manager"),
    ("Samuel Reid", "Eastgate Health Partners", "GP liaison"),
    ("Jon Berg", "Hillcrest Rehabilitation Clinic", "Therapy lead"),
    ("Fatima Aziz", "Hillcrest Rehabilitation Clinic", "Occupational therapist"),
    ("Liam Walsh", "Northfield Community Hospital", "Patient flow lead"),
    ("Chloe Martin", "St Mary's Hospital", "Ward pharmacist"),
]
PHONE_OF = "Jon Berg"  # hand raised, not voted yet: the phone shows the queue and the poll
AWAY = "Chloe Martin"  # joined, phone not connected: the roster shows someone away


def surfaces_digest(root: Path = ROOT) -> str:
    """A SHA-256 of every file under the surfaces' folders, path and contents, in path order."""
    digest = hashlib.sha256()
    for folder in SURFACES:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    sys.path.insert(0, str(ROOT))  # the tests' live server and clock, and this tree's package
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as directory:
        written = photograph(Path(directory))
    DOCS.mkdir(exist_ok=True)
    record = {"surfaces_sha256": surfaces_digest(), "shots": {}}
    for name, png in written.items():
        (DOCS / f"{name}.png").write_bytes(png)
        record["shots"][name] = SHOTS[name]
        print(f"wrote docs/{name}.png ({len(png) // 1024} KiB)")
    (DOCS / "screenshots.json").write_text(json.dumps(record, indent=2) + "\n")
    seconds = time.monotonic() - started
    print(f"wrote docs/screenshots.json (surfaces {record['surfaces_sha256'][:12]}) in {seconds:.0f} s")


def photograph(directory: Path) -> dict[str, bytes]:
    from playwright.sync_api import sync_playwright

    from facilitator.cli import create_demo
    from facilitator.config import Settings
    from facilitator.db import make_engine
    from facilitator.rooms.log import EventLog
    from tests.browser.pages import wait_live
    from tests.clock import TestClock
    from tests.live import running_server

    settings = Settings(
        database_url=f"sqlite:///{directory}/facilitator.db",
        secret_key="screenshots",
        redis_url=None,
        public_url=PUBLIC_URL,
        timezone=TIMEZONE,
        _env_file=None,
    )
    clock = TestClock(wall_ms=int(datetime(*STARTS, tzinfo=ZoneInfo(TIMEZONE)).timestamp() * 1000))
    with mock.patch("facilitator.rooms.hub.new_room_code", return_value=CODE):
        code, created = asyncio.run(create_demo(EventLog(make_engine(settings.database_url)), clock))
    secrets = created.reply["links"]
    with running_server(settings, clock) as base:
        tokens = play(base, code, secrets, clock)
        others = [token for name, token in tokens.items() if name not in (PHONE_OF, AWAY)]
        with connected(base, code, others), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                pages = {
                    "console": f"{base}/r/{code}/console?key={secrets['facilitator']}",
                    "screen": f"{base}/r/{code}/screen?key={secrets['screen']}",
                    "phone": f"{base}/r/{code}",
                }
                shots = {}
                for name, url in pages.items():
                    context = browser.new_context(**SHOTS[name])
                    if name == "phone":
                        cookie = {"name": f"fac_{code}_participant", "value": tokens[PHONE_OF], "url": base}
                        context.add_cookies([cookie])
                    page = context.new_page()
                    page.goto(url)
                    wait_live(page)
                    page.wait_for_timeout(600)  # the first pushes settle and the countdown ticks once
                    shots[name] = page.screenshot(animations="disabled", caret="hide")
                    context.close()
                return shots
            finally:
                browser.close()


@contextmanager
def connected(base: str, code: str, tokens: list[str]) -> Iterator[None]:
    """The phones of these participants, connected (reading what is pushed) until the block ends."""
    from tests.live import cookie_for, open_socket

    ready, stop = threading.Event(), asyncio.Event()
    loop = asyncio.new_event_loop()

    async def hold() -> None:
        sockets = [await open_socket(base, code, "phone", cookie_for(code, "participant", token)) for token in tokens]
        readers = [asyncio.ensure_future(drain(socket.connection)) for socket in sockets]
        ready.set()
        await stop.wait()
        for reader in readers:
            reader.cancel()
        for socket in sockets:
            await socket.close()

    async def drain(connection) -> None:
        async for _ in connection:
            pass

    thread = threading.Thread(target=loop.run_until_complete, args=(hold(),), daemon=True)
    thread.start()
    if not ready.wait(15):
        raise SystemExit("the phones did not connect")
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)


def play(base: str, code: str, secrets: dict[str, str], clock: "TestClock") -> dict[str, str]:
    """The exchange's first half hour, through the API: each participant's token, by name."""
    import httpx

    from tests.live import command, join

    def facilitator(type_: str, **body) -> dict:
        return sent(secrets["facilitator"], type_, **body)

    def sent(token: str, type_: str, **body) -> dict:
        response = command(base, code, token, type=type_, **body)
        if response.status_code != 200:
            raise SystemExit(f"{type_} was refused: {response.text}")
        return response.json()["reply"]

    tokens, ids = {}, {}
    for name, organisation, role in PEOPLE:
        joined = join(base, code, name=name, organisation=organisation, job_title=role)
        tokens[name], ids[name] = joined["token"], joined["participant_id"]
    state = httpx.get(f"{base}/api/rooms/{code}/state", headers={"Authorization": f"Bearer {secrets['facilitator']}"})
    welcome = state.json()["timers"]["items"][0]["id"]

    def speaks(name: str | None, seconds: float) -> None:
        facilitator("floor.give", speaker=ids[name] if name else "facilitator")
        clock.advance(seconds)

    facilitator("timer.start", item_id=welcome)
    speaks(None, 240)
    for name, seconds in (("Maria Costa", 95), ("Tom Okafor", 70), ("Jon Berg", 80), ("Priya Nair", 55)):
        speaks(name, seconds)
    facilitator("floor.stop")
    clock.advance(100)  # ten minutes and forty seconds: the welcome ran over
    facilitator("timer.next")

    scribe = secrets["scribe"]
    clock.advance(240)
    sent(scribe, "note.post", kind="practice", text="Discharge checklist opened on the day of admission #checklist")
    clock.advance(300)
    sent(scribe, "note.post", kind="barrier", text="Medicines to take home are ordered after the ward round #pharmacy")
    clock.advance(360)  # the presentation's fifteen minutes are up: its questions begin
    sent(scribe, "note.post", kind="insight", text="Expected date of discharge set within 24 h of admission")

    asked = []
    for name, text, named in (
        ("Helen Park", "Who owns the checklist when the patient moves ward?", False),
        ("Priya Nair", "How did pharmacy find the time to prepare medicines the day before?", True),
        ("Samuel Reid", "Did the 11:00 board round change weekend discharges too?", False),
    ):
        asked.append(sent(tokens[name], "question.ask", text=text, named=named)["question_id"])
    for name in ("Tom Okafor", "Grace Mensah", "David Chen", "Fatima Aziz", "Liam Walsh", "Maria Costa"):
        sent(tokens[name], "question.upvote", question_id=asked[1])
    for name in ("Jon Berg", "Chloe Martin", "David Chen"):
        sent(tokens[name], "question.upvote", question_id=asked[0])
    sent(tokens["Tom Okafor"], "question.upvote", question_id=asked[2])

    poll = facilitator(
        "poll.create",
        kind="single",
        question="Could your ward open the checklist on admission?",
        options=["Yes, next month", "Yes, with pharmacy's help", "Not yet: we need an electronic form", "Not for us"],
        open=True,
    )["poll_id"]
    for name, choice in (
        ("Grace Mensah", 0),
        ("Tom Okafor", 1),
        ("Helen Park", 1),
        ("Priya Nair", 1),
        ("David Chen", 2),
        ("Maria Costa", 0),
        ("Samuel Reid", 2),
        ("Liam Walsh", 1),
    ):
        sent(tokens[name], "poll.answer", poll_id=poll, choice=choice)

    speaks("Maria Costa", 45)
    sent(tokens["Tom Okafor"], "hand.raise")
    sent(tokens["Priya Nair"], "hand.raise", kind="clarify")
    sent(tokens["Jon Berg"], "hand.raise")
    clock.advance(20)
    return tokens


if __name__ == "__main__":
    main()
