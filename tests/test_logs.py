"""No secret in any log line: secret links, participant tokens and cookies are blanked, in the
access log of a real server and in any warning or traceback, while the lines stay readable."""

import asyncio
import json
import logging
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from facilitator.logs import REDACTED, RedactSecrets, redact
from tests.clock import eventually
from tests.live import cookie_for, create_room, free_port, join, open_socket
from tests.processes import settings_free_env

STARTUP_SECONDS = 15


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /r/ABCDEF/console?key=kqP2GMbb1CPDC HTTP/1.1", f"GET /r/ABCDEF/console?key={REDACTED} HTTP/1.1"),
        (
            "/r/ABCDEF/ws?surface=phone&token=abc&code=ABCDEF",
            f"/r/ABCDEF/ws?surface=phone&token={REDACTED}&code=ABCDEF",
        ),
        ("/rooms?admin_token=t0p&x=1", f"/rooms?admin_token={REDACTED}&x=1"),
        ("Authorization: Bearer kqP2GMbb1CPDCEr6fmvk", f"Authorization: Bearer {REDACTED}"),
        (
            "Cookie: fac_ABCDEF_facilitator=kqP2; fac_ABCDEF_participant=eyJy.x-y",
            f"Cookie: fac_ABCDEF_facilitator={REDACTED}; fac_ABCDEF_participant={REDACTED}",
        ),
        ("Error connecting to redis://:hunter2@cache:6379/0", f"Error connecting to redis://:{REDACTED}@cache:6379/0"),
        ("postgresql://fac:hunter2@db/fac", f"postgresql://fac:{REDACTED}@db/fac"),
        # What is not a secret stays as it was.
        ("GET /join?code=ABCDEF HTTP/1.1", "GET /join?code=ABCDEF HTTP/1.1"),
        ("A valid bearer token for this exchange is required.", "A valid bearer token for this exchange is required."),
        ("http://127.0.0.1:8000/r/ABCDEF@home", "http://127.0.0.1:8000/r/ABCDEF@home"),
    ],
)
def test_redact_blanks_secrets_and_keeps_the_rest(line, expected):
    assert redact(line) == expected


def test_an_access_record_keeps_its_fields_and_loses_its_secret():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/r/ABCDEF/console?key=s3cret", "1.1", 303),
        None,
    )
    assert RedactSecrets().filter(record)
    shown = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert shown == f'127.0.0.1:5000 - "GET /r/ABCDEF/console?key={REDACTED} HTTP/1.1" 303 See Other'


def test_a_traceback_and_a_warnings_arguments_lose_their_secrets():
    try:
        raise RuntimeError("could not open http://host/r/ABCDEF/scribe?key=s3cret with Bearer abcdefghijklmnopqrstu")
    except RuntimeError as error:
        record = logging.LogRecord(
            "facilitator.rooms.ws",
            logging.ERROR,
            __file__,
            1,
            "failed: %s (%r)",
            (error, "fac_ABCDEF_scribe=s3cret"),
            sys.exc_info(),
        )
    RedactSecrets().filter(record)
    shown = logging.Formatter().format(record)
    assert "s3cret" not in shown and "abcdefghijklmnopqrstu" not in shown
    assert "Traceback" in shown and f"?key={REDACTED}" in shown and f"Bearer {REDACTED}" in shown


@contextmanager
def served(tmp_path: Path, *command: str, **settings: str):
    """A real server process as production starts it, its access log on; yields (base URL, log file)."""
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    env = settings_free_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/facilitator.db", SECRET_KEY="log-test-secret", **settings
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", *command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"not healthy within {STARTUP_SECONDS}s:\n{log.read_text()}"
            time.sleep(0.1)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.mark.parametrize(
    "command",
    [
        ("facilitator", "serve"),  # how the exchange is served
        ("uvicorn", "facilitator.app:create_app", "--factory"),  # the app under uvicorn's own logging
    ],
    ids=["facilitator-serve", "uvicorn-factory"],
)
def test_the_access_log_of_a_real_server_shows_every_request_and_no_secret(tmp_path, command):
    with served(tmp_path, *command) as (base, log):
        room = create_room(base)
        code = room["code"]
        for surface in ("console", "scribe", "screen"):
            assert httpx.get(room["links"][surface], follow_redirects=False).status_code == 303
        with httpx.Client(base_url=base, headers={"Origin": base}) as phone:
            assert (
                phone.post(
                    "/join", data={"code": code, "name": "Ana", "organisation": "St Mary's", "accept": "yes"}
                ).status_code
                == 303
            )
            participant = phone.cookies[f"fac_{code}_participant"]
            assert phone.get(f"/r/{code}").status_code == 200
        ben = join(base, code, name="Ben")["token"]
        # A participant token pasted into a link by mistake is refused, and not written down either.
        assert httpx.get(f"{base}/r/{code}/console", params={"key": ben}).status_code == 403

        async def phone_socket():
            sock = await open_socket(base, code, "phone", cookie_for(code, "participant", participant))
            await sock.until(lambda message: 'id="me"' in message)
            await sock.close()

        asyncio.run(asyncio.wait_for(phone_socket(), 15))
        secrets = {**room["tokens"], "participant": participant, "ben": ben}
        expected = [
            *(f'"GET /r/{code}/{surface}?key={REDACTED} HTTP/1.1" 303' for surface in ("console", "scribe", "screen")),
            '"POST /join HTTP/1.1" 303',
            f'"GET /r/{code} HTTP/1.1" 200',
            f'"GET /r/{code}/console?key={REDACTED} HTTP/1.1" 403',
            f"/r/{code}/ws?surface=phone",
        ]
        try:
            eventually(lambda: all(line in log.read_text() for line in expected))  # written as requests finish
        except AssertionError:
            pass  # told line by line below
    written = log.read_text()
    for line in expected:
        assert line in written, written
    for name, secret in secrets.items():
        assert secret not in written, f"the {name} secret is in the log:\n{written}"


NAME = "Zebedee Quartermain"
QUESTION = "Why does the xylophone ward wait so long?"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_commands_are_logged_by_room_type_outcome_and_duration_never_by_what_they_say(tmp_path, log_format):
    with served(tmp_path, "facilitator", "serve", LOG_FORMAT=log_format) as (base, log):
        room = create_room(base)
        code = room["code"]
        token = join(base, code, name=NAME, organisation="St Mary's")["token"]
        asked = httpx.post(
            f"{base}/api/rooms/{code}/commands",
            json={"type": "question.ask", "text": QUESTION},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert asked.status_code == 200, asked.text
        refused = httpx.post(
            f"{base}/api/rooms/{code}/commands",
            json={"type": "room.lock"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 403
        eventually(lambda: "room.lock" in log.read_text())
    written = log.read_text()
    assert NAME not in written and "Zebedee" not in written, written
    assert QUESTION not in written and "xylophone" not in written, written
    assert "127.0.0.1:" not in written.replace(base, ""), "a client's address ties its requests together"
    if log_format == "text":
        assert f"command room={code} type=question.ask outcome=accepted ms=" in written
        assert f"command room={code} type=room.lock outcome=refused ms=" in written
        assert f'"POST /api/rooms/{code}/commands HTTP/1.1" 200' in written
        return
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]  # every line is JSON
    commands = [line for line in lines if line["logger"] == "facilitator.commands"]
    assert [(c["room"], c["command"], c["outcome"]) for c in commands] == [
        (code, "participant.join", "accepted"),
        (code, "question.ask", "accepted"),
        (code, "room.lock", "refused"),
    ]
    assert all(isinstance(c["ms"], float) for c in commands)
    requests = [line for line in lines if line["logger"] == "facilitator.requests"]
    assert {"method": "POST", "path": f"/api/rooms/{code}/commands", "status": 200, "room": code}.items() <= (
        requests[-2].items()
    )
