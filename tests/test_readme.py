"""The README is checked like code. Its first screen shows `make demo` and the three pictures;
the pictures are PNGs of the sizes they claim, made from today's templates and static files;
its links lead somewhere; and every command in its `sh` blocks (and the guide's) is in COMMANDS,
which says how it is checked: run here, started here as a server, or run by the test or CI
step named, whose file is read to see that it does."""

import importlib.util
import json
import os
import re
import shlex
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tests import services
from tests.live import free_port
from tests.processes import SECRET, settings_free_env, until_answering

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "guide.md"
PICTURES = {  # the viewports a picture may be taken at, CSS pixels
    "console": {(1366, 768), (1440, 900)},
    "screen": {(1280, 720), (1920, 1080)},
    "phone": {(390, 844), (360, 740)},
}
MAX_PICTURE_BYTES = 400 * 1024


class Runs(NamedTuple):
    """Run here through sh, from the repository's root, on an empty SQLite database in a
    temporary folder: `line`, in which {command} is the README's command and `facilitator` and
    `.venv/bin/…` are this Python's. It must exit with `status` and print something matching
    `shows`; a `--help` line must also list every option the README's command uses."""

    line: str
    shows: str
    status: int = 0


class Serves(NamedTuple):
    """A server: started here with `replace` applied ({port}: a free port; {postgres}, {redis}:
    the test services; {secret}: the multi-process tests' key), on an empty SQLite database
    unless the command names another, until GET /readyz answers 200; then stopped."""

    replace: tuple[tuple[str, str], ...] = ()


class By(NamedTuple):
    """Run (or, for a variable, read) by `path`: a test, the CI script, or a file they run.
    `path` must hold `text`."""

    path: str
    text: str


class NotRun(NamedTuple):
    """Left out of the test run on purpose, and why."""

    why: str


BENCHMARK = "a benchmark: it takes minutes and its figures mean something only on a quiet machine"
COMMANDS: dict[str, tuple[Runs | Serves | By | NotRun, ...]] = {
    "make demo": (
        Runs("make -n demo", r"^\.venv/bin/facilitator demo$"),
        # The wheel, installed into a new environment, runs `facilitator demo`, serves and is browsed.
        By("tests/test_package.py", '"facilitator", "demo", "--host"'),
    ),
    ".venv/bin/facilitator serve --host 0.0.0.0 --port 8000": (
        Serves((("--host 0.0.0.0", "--host 127.0.0.1"), ("--port 8000", "--port {port}"))),
    ),
    "make test": (
        Runs("make -n test", r"^scripts/services$\n^\.venv/bin/pytest$"),
        By(".ci/run", "exec make test"),
    ),
    "make serve": (
        Runs("make -n serve", r"^\.venv/bin/facilitator serve$"),
        By("tests/processes.py", '"-m", "facilitator", "serve"'),
    ),
    ".venv/bin/facilitator demo --no-serve": (
        Runs("{command}", r"^Reducing discharge delays  \(room code [A-Z2-9]{6}\)$"),
    ),
    "make check": (
        Runs("make -n check", r"^\.venv/bin/ruff check \.\n\.venv/bin/ruff format --check \.\n\.venv/bin/mypy$"),
        By("Makefile", "test: check"),
        By(".ci/run", "exec make test"),
    ),
    "scripts/services": (
        By("Makefile", "\tscripts/services\n"),
        By(".ci/run", "exec make test"),
    ),
    ".venv/bin/python scripts/screenshots.py": (
        Runs("{command} --help", r"docs/screenshots\.json"),
        NotRun("it drives Chromium for about ten seconds and rewrites docs/; the pictures test says when to"),
    ),
    "export SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')\"": (
        Runs('{command}; printf "%s" "$SECRET_KEY"', r"\A[\w-]{43}\Z"),
    ),
    "export PUBLIC_HOST=fac.example.org": (
        Runs('{command}; printf "%s" "$PUBLIC_HOST"', r"\Afac\.example\.org\Z"),
        By("compose.yaml", "PUBLIC_URL: https://${PUBLIC_HOST"),
        By("deploy/Caddyfile", "{$PUBLIC_HOST"),
    ),
    "docker compose up -d": (
        By("tests/test_deploy_files.py", '(ROOT / "compose.yaml").read_text()'),
        NotRun(
            "Docker is not on the test machines: tests/test_deploy_files.py reads compose.yaml, the "
            "Dockerfile and the Caddyfile and checks that they agree with each other and the settings"
        ),
    ),
    "DATABASE_URL=postgresql://facilitator@db/facilitator REDIS_URL=redis://cache:6379/0 SECRET_KEY=… "
    ".venv/bin/facilitator serve --host 0.0.0.0 --workers 4": (
        Serves(
            (
                ("postgresql://facilitator@db/facilitator", "{postgres}"),
                ("redis://cache:6379/0", "{redis}"),
                ("SECRET_KEY=…", "SECRET_KEY={secret}"),
                ("--host 0.0.0.0", "--host 127.0.0.1 --port {port}"),
            )
        ),
    ),
    "facilitator --version": (Runs("{command}", r"^facilitator \d+\.\d+\.\d+$"),),
    # The wheel, built here offline (without build isolation), installed into a new environment.
    "python3 -m pip wheel --no-deps --wheel-dir dist .": (
        By("tests/test_package.py", '"-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"'),
    ),
    "python3 -m venv /opt/facilitator": (By("tests/test_package.py", '"-m", "venv", "--without-pip", venv'),),
    "/opt/facilitator/bin/pip install dist/facilitator-*.whl": (
        By("tests/test_package.py", '"install", "--quiet", "--no-deps", "--no-index", wheel'),
    ),
    "/opt/facilitator/bin/facilitator serve --host 0.0.0.0": (
        By("tests/test_package.py", '[installed / "facilitator", "demo", "--host", "127.0.0.1"'),
    ),
    ".venv/bin/facilitator export CODE --format docx --output record.docx": (
        Runs("{command} --help", "--deidentify"),
        By("tests/test_cli.py", '"export", CODE, "--format", "docx", "--output", "record.docx"'),
    ),
    ".venv/bin/facilitator export CODE --format json --output record.json": (
        Runs("{command} --help", "--omit-flagged"),
        By("tests/test_cli.py", '"export", CODE, "--format", "json", "--output", "record.json"'),
    ),
    ".venv/bin/facilitator import record.json": (
        Runs("{command} --help", "--base"),
        By("tests/test_cli.py", '"import", "record.json"'),
    ),
    "facilitator rooms list": (Runs("{command}", r"^code +created \(UTC\).*\n0 exchanges\.$"),),
    "facilitator rooms delete CODE": (
        Runs("{command}", r"^There is no exchange with the code CODE\.$", status=1),
        By("tests/rooms/test_erasure.py", 'cli.main(["rooms", "delete", room["code"]])'),
    ),
    "facilitator db revision": (Runs("{command}", r"^database: none; this release: \d{4}$"),),
    "facilitator db upgrade": (Runs("{command}", r"^The database schema is at revision \d{4}, this release's\.$"),),
    "make bench": (
        Runs("make -n bench", r"^\.venv/bin/python bench/fanout\.py$"),
        Runs(".venv/bin/python bench/fanout.py --help", "--phones"),
        NotRun(BENCHMARK),
    ),
    ".venv/bin/python bench/votes.py --phones 200": (Runs("{command} --help", "--rounds"), NotRun(BENCHMARK)),
    ".venv/bin/python bench/render.py": (Runs("{command} --help", "--people"), NotRun(BENCHMARK)),
    ".venv/bin/python bench/load.py --quick": (Runs("{command} --help", "--budget"), NotRun(BENCHMARK)),
    ".venv/bin/python bench/load.py --phones 1000 --runs 3 --setup both": (
        Runs("{command} --help", "--budget"),
        NotRun(BENCHMARK),
    ),
    ".venv/bin/python bench/load.py --phones 2000 --setup sqlite --scenario memory": (
        Runs("{command} --help", "--budget"),
        NotRun(BENCHMARK),
    ),
}


def sh_commands(document: Path) -> list[str]:
    """The command lines of a document's ```sh blocks: continuation lines joined, comments and
    blank lines left out, runs of spaces made one."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", document.read_text(), re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*", "", line)
            if line.strip():
                commands.append(" ".join(line.split()))
    return commands


def documented_commands() -> list[str]:
    return list(dict.fromkeys(sh_commands(README) + sh_commands(GUIDE)))


def checks(kind: type) -> list:
    """(command, check) for every check of that kind, as pytest parameters, marked with the
    services they need."""
    return [
        pytest.param(command, check, id=f"{command[:60]} | {label(check)}", marks=needs(check))
        for command, made in COMMANDS.items()
        for check in made
        if isinstance(check, kind)
    ]


def needs(check: Runs | Serves | By | NotRun) -> list:
    replaced = " ".join(new for _, new in check.replace) if isinstance(check, Serves) else ""
    return [getattr(pytest.mark, service) for service in ("postgres", "redis") if f"{{{service}}}" in replaced]


def label(check: Runs | Serves | By | NotRun) -> str:
    if isinstance(check, Runs):
        return check.line
    return check.path if isinstance(check, By) else type(check).__name__


def with_this_python(line: str) -> str:
    """`facilitator` and `.venv/bin/facilitator` as `python -m facilitator`, `.venv/bin/python`
    as this Python: the tests run in whichever environment has the project installed."""
    python = shlex.quote(sys.executable)
    line = re.sub(r"(?<![^\s;&|(])(?:\.venv/bin/)?facilitator(?=\s)", f"{python} -m facilitator", line)
    return re.sub(r"(?<![^\s;&|(])\.venv/bin/python(?=\s)", python, line)


def environment(tmp_path: Path) -> dict[str, str]:
    return settings_free_env(DATABASE_URL=f"sqlite:///{tmp_path}/facilitator.db", PYTHONPATH=str(ROOT))


def screenshots_script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def first_screen() -> str:
    text = README.read_text()
    assert "\n## Running an exchange\n" in text
    return text.split("\n## Running an exchange\n", 1)[0]


def test_the_first_screen_shows_make_demo_and_the_three_pictures():
    screen = first_screen()
    blocks = re.findall(r"^```sh\n(.*?)^```", screen, re.S | re.M)
    assert any(re.search(r"^make demo\b", block, re.M) for block in blocks), "`make demo` in a sh block"
    for name in PICTURES:
        assert f'src="docs/{name}.png"' in screen or f"](docs/{name}.png)" in screen, f"docs/{name}.png"


def test_the_pictures_are_pngs_of_the_sizes_they_were_taken_at():
    shots = json.loads((ROOT / "docs" / "screenshots.json").read_text())["shots"]
    assert set(shots) == set(PICTURES)
    for name, allowed in PICTURES.items():
        viewport = shots[name]["viewport"]
        scale = shots[name].get("device_scale_factor", 1)
        assert (viewport["width"], viewport["height"]) in allowed, name
        data = (ROOT / "docs" / f"{name}.png").read_bytes()
        assert png_size(data) == (viewport["width"] * scale, viewport["height"] * scale), name
        assert len(data) < MAX_PICTURE_BYTES, f"docs/{name}.png is {len(data) // 1024} KiB"


def test_the_pictures_show_todays_templates_and_static_files():
    recorded = json.loads((ROOT / "docs" / "screenshots.json").read_text())["surfaces_sha256"]
    assert recorded == screenshots_script().surfaces_digest(ROOT), (
        "facilitator/templates or facilitator/static changed since the README's pictures were taken: "
        "run `.venv/bin/python scripts/screenshots.py` and commit docs/"
    )


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("document", [README, GUIDE], ids=["README", "guide"])
def test_every_link_leads_to_a_file_and_heading_that_exist(document):
    text = document.read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'src="([^"]+)"', text)
    for target in targets:
        if re.match(r"\w+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{document.name} links to {target}, which is missing"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.M)
            assert anchor in {slug(heading) for heading in headings}, f"{document.name}: no heading for {target}"


def test_every_command_in_the_readme_is_checked_and_every_check_is_of_a_command_in_it():
    documented = documented_commands()
    unchecked = [command for command in documented if command not in COMMANDS]
    assert not unchecked, (
        f"Commands in the README's sh blocks that tests/test_readme.py does not know: {unchecked}. Add each to "
        "COMMANDS with how it is checked: run here (Runs), started here (Serves), or run by a test or CI step (By)."
    )
    assert set(COMMANDS) <= set(documented), (
        f"COMMANDS holds commands no longer in the README: {set(COMMANDS) - set(documented)}"
    )
    for command, made in COMMANDS.items():
        assert any(isinstance(check, Runs | Serves | By) for check in made), f"nothing checks {command}"


@pytest.mark.parametrize(("command", "check"), checks(Runs))
def test_a_command_run_here_does_what_the_readme_says(command, check, tmp_path):
    line = with_this_python(check.line.format(command=command))
    done = subprocess.run(
        ["sh", "-c", line], cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True, timeout=90
    )
    output = done.stdout + done.stderr
    assert done.returncode == check.status, output
    assert re.search(check.shows, output.strip(), re.M), output
    if check.line.endswith("--help"):
        for option in re.findall(r"(?<!\S)--[\w-]+", command):
            assert option in output, f"{command}: {option} is not an option of the script"


@pytest.mark.parametrize(("command", "check"), checks(By))
def test_a_file_said_to_run_a_command_does(command, check):
    assert check.text in (ROOT / check.path).read_text(), (
        f"{check.path} does not hold {check.text!r}, so runs no {command!r}"
    )


@pytest.mark.parametrize(("command", "check"), checks(Serves))
def test_a_server_command_serves(command, check, tmp_path):
    line = command
    for old, new in check.replace:
        assert old in line, f"{old!r} is not in {command!r}"
        line = line.replace(old, new)
    port = free_port()
    values = {"port": port, "secret": SECRET}
    if "{postgres}" in line:
        values["postgres"] = services.postgres_or_missing()
    if "{redis}" in line:
        values["redis"] = services.redis_or_missing()
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            ["sh", "-c", with_this_python(line.format(**values))],
            cwd=ROOT,
            env=environment(tmp_path),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers are stopped with it
        )
    try:
        until_answering(server, f"http://127.0.0.1:{port}/readyz", log, seconds=60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
