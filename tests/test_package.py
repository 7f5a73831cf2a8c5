"""The wheel is the product an IT team installs: built from this tree, installed into a new virtual
environment outside it, it carries its templates, static files and migrations and runs from any
directory. No network: the wheel is built without build isolation (hatchling is a test
dependency), installed with --no-deps --no-index, and the new environment reaches the
dependencies already installed here through a .pth line (which does not run this environment's
own .pth files, so the source tree never gets onto its path)."""

import re
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

import facilitator
from facilitator.app import create_app
from facilitator.config import Settings
from tests.live import free_port
from tests.processes import settings_free_env, until_answering

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", out, ROOT],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("facilitator-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new virtual environment holding the wheel; its bin/ directory."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def test_one_version_number_from_pyproject_is_read_at_run_time():
    assert facilitator.__version__ == VERSION
    assert create_app(Settings(secret_key="s")).version == VERSION  # the API documentation's
    quoted = subprocess.run(  # no second copy of it in the code, as a string
        ["git", "grep", "-l", "-F", f'"{VERSION}"', "--", "*.py", "*.html", "*.js"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert quoted.stdout == "", "the version is pyproject.toml's alone"


def test_the_wheel_carries_templates_static_files_vendored_scripts_and_migrations(wheel):
    assert wheel.name.startswith(f"facilitator-{VERSION}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "facilitator/templates/console.html",
        "facilitator/templates/fragments/screen-stage.html",
        "facilitator/static/app.css",
        "facilitator/static/vendor/VERSIONS.json",
        "facilitator/static/vendor/htmx.org-2.0.11/htmx.min.js",
        "facilitator/static/vendor/htmx.org-2.0.11/LICENSE",
        "facilitator/migrations/env.py",
    ):
        assert shipped in names
    assert not {name for name in names if name.startswith(("tests/", "bench/")) or "__pycache__" in name}


def test_the_installed_wheel_runs_the_demo_from_any_directory_and_serves_its_pages(installed, tmp_path):
    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    env = settings_free_env(PATH=f"{installed}:/usr/bin:/bin")
    env.pop("PYTHONPATH", None)  # a source tree on it would be imported instead of the wheel
    found = subprocess.run(
        [installed / "python", "-c", "import facilitator; print(facilitator.__file__, facilitator.__version__)"],
        cwd=anywhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert Path(found[0]).is_relative_to(installed.parent), "the wheel's package, not the source tree's"
    assert found[1] == VERSION
    version = subprocess.run([installed / "facilitator", "--version"], env=env, capture_output=True, text=True)
    assert version.stdout.strip() == f"facilitator {VERSION}"

    port = free_port()
    log = anywhere / "demo.log"
    with log.open("wb") as sink:
        demo = subprocess.Popen(
            [installed / "facilitator", "demo", "--host", "127.0.0.1", "--port", str(port)],
            cwd=anywhere,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        until_answering(demo, f"{base}/healthz", log, seconds=30)
        printed = log.read_text()
        console = re.search(rf"{base}/r/\w+/console\S*", printed)
        join = re.search(rf"{base}/join\?code=\w+", printed)
        assert console and join, printed
        with httpx.Client(follow_redirects=True) as browser:
            assert browser.get(join.group()).status_code == 200
            page = browser.get(console.group())
            assert "Reducing discharge delays" in page.text
            scripts = re.findall(r'src="([^"]+/static/[^"]+\.js)"', page.text)
            assert any("/static/vendor/htmx.org-" in script for script in scripts), scripts
            for asset in [*scripts, f"{base}/static/app.css"]:
                assert browser.get(asset).status_code == 200, asset
        assert httpx.get(f"{base}/healthz").json()["version"] == VERSION
        assert (anywhere / "facilitator.db").exists()
    finally:
        demo.terminate()
        demo.wait(timeout=15)
