"""`facilitator export` and `facilitator import`, run as the commands they are: subprocesses
against a temporary SQLite database holding the fixed export session (tests/export/session.py)."""

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.log import EventLog
from tests.export.session import ADDRESS, exchange
from tests.pure import CODE, T0

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A SQLite database holding the exchange ABCDEF, its log written as it happened."""
    url = f"sqlite:///{tmp_path}/facilitator.db"
    log = EventLog(make_engine(url))
    assert asyncio.run(log.reserve(CODE, T0))
    asyncio.run(log.restore(CODE, exchange().log))
    return url


def facilitator(database: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "facilitator", *args], cwd=cwd, env=env, capture_output=True, timeout=60, check=False
    )


def test_export_writes_markdown_to_standard_output_and_any_format_to_a_file(database, tmp_path):
    done = facilitator(database, tmp_path, "export", "abcdef")  # codes are read in any case
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert text.startswith("# Reducing discharge delays: the session record")
    assert "Ben Okafor says weekend discharges stall at Northfield Trust" in text

    done = facilitator(database, tmp_path, "export", CODE, "--format", "docx", "--output", "record.docx")
    assert done.returncode == 0, done.stderr
    assert "Wrote record.docx" in done.stderr.decode()
    document = docx.Document(io.BytesIO((tmp_path / "record.docx").read_bytes()))
    assert document.paragraphs[0].text == "Reducing discharge delays"

    done = facilitator(database, tmp_path, "export", CODE, "--format", "html", "--deidentify", "--omit-flagged")
    page = done.stdout.decode()
    assert "Participant 1" in page and "Ana Lopez" not in page and "07700 900123" not in page


def test_export_of_an_unknown_code_says_so_and_fails(database, tmp_path):
    done = facilitator(database, tmp_path, "export", "ZZZZZZ")
    assert done.returncode == 1
    assert "There is no exchange with the code 'ZZZZZZ' in this database." in done.stderr.decode()
    assert done.stdout == b""


def test_an_exported_json_imports_read_only_under_a_new_code(database, tmp_path):
    done = facilitator(database, tmp_path, "export", CODE, "--format", "json", "--output", "record.json")
    assert done.returncode == 0, done.stderr
    exported = json.loads((tmp_path / "record.json").read_text())
    assert ADDRESS not in (tmp_path / "record.json").read_text()

    done = facilitator(database, tmp_path, "import", "record.json", "--base", "http://fac.example.org/")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert out.startswith("Imported 'Reducing discharge delays' as ")
    code = out.split(" as ", 1)[1].split(":", 1)[0]
    assert code != CODE and f"http://fac.example.org/r/{code}/record" in out
    assert "Console        http://fac.example.org/" in out

    log = EventLog(make_engine(database))
    state = RULES.fold(code, asyncio.run(log.read(code)))
    assert state.imported_from == CODE and state.title == exported["room"]["title"]
    assert len(asyncio.run(log.read(code))) == len(exported["events"]) + 1  # and room.imported


def test_import_refuses_what_it_cannot_read_with_a_sentence(database, tmp_path):
    (tmp_path / "page.html").write_text("<html></html>")
    done = facilitator(database, tmp_path, "import", "page.html")
    assert done.returncode == 1 and "This file is not JSON" in done.stderr.decode()
    done = facilitator(database, tmp_path, "import", "missing.json")
    assert done.returncode == 1 and "Cannot read missing.json" in done.stderr.decode()
    exported = json.loads(facilitator(database, tmp_path, "export", CODE, "--format", "json").stdout)
    update = next(e for e in exported["events"] if e["type"] == "milestone.updated")
    update["data"]["note"] = "Ward 5 started"  # the log changed, its derived record not
    (tmp_path / "changed.json").write_text(json.dumps(exported))
    done = facilitator(database, tmp_path, "import", "changed.json")
    assert done.returncode == 1 and "does not give the record it holds" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
