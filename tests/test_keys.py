"""The signing key in production: a missing or example key refuses to start with a sentence, and
a worker whose key differs from a running worker's is refused too (through the database, which
keeps a hash of each key's fingerprint, never the key)."""

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from facilitator.app import create_app
from facilitator.config import ConfigurationError, Settings
from facilitator.db import make_engine
from facilitator.keycheck import CLAIM_TTL_MS, REFRESH_SECONDS, KeyClaim
from tests.clock import eventually
from tests.live import running_server
from tests.processes import settings_free_env


def refused_to_serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """`facilitator serve` that must refuse to start (and so stops by itself): its output."""
    done = subprocess.run(
        [sys.executable, "-m", "facilitator", "serve", "--port", "0"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0, done.stdout
    return done


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"facilitator_env": "production"}, "FACILITATOR_ENV is production"),
        ({"public_url": "https://fac.example.org"}, "the public URL https://fac.example.org is not this machine"),
        ({"database_url": "postgresql://fac@db/fac"}, "the database is not SQLite"),
    ],
)
def test_production_without_a_secret_key_is_refused_with_how_to_set_one(tmp_path, settings, why):
    values = {"database_url": f"sqlite:///{tmp_path}/f.db", "secret_key": "", **settings}
    with pytest.raises(ConfigurationError) as refused:
        Settings(**values).signing_key  # noqa: B018
    assert why in str(refused.value)
    assert "Set SECRET_KEY" in str(refused.value) and "secrets.token_urlsafe(32)" in str(refused.value)
    assert not (tmp_path / "secret.key").exists()


def test_an_example_key_is_refused_in_production_and_a_local_url_is_development(tmp_path):
    production = Settings(
        database_url=f"sqlite:///{tmp_path}/f.db", secret_key="change-me", facilitator_env="production"
    )
    with pytest.raises(ConfigurationError, match="an example value, not a key"):
        production.signing_key  # noqa: B018
    local = Settings(database_url=f"sqlite:///{tmp_path}/f.db", secret_key="", public_url="http://localhost:8000")
    assert not local.production and len(local.signing_key) >= 40


def test_facilitator_serve_in_production_without_a_key_says_how_to_set_one(tmp_path):
    env = settings_free_env(DATABASE_URL=f"sqlite:///{tmp_path}/f.db", FACILITATOR_ENV="production")
    done = refused_to_serve(env, tmp_path)
    assert "Set SECRET_KEY before serving this exchange to others" in done.stderr


def test_a_worker_with_another_key_is_refused_while_one_runs(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/f.db")
    first = KeyClaim(engine, "the-key", "first")
    first.claim(1_000_000)
    KeyClaim(engine, "the-key", "second").claim(1_000_100)  # the same key: welcome
    with pytest.raises(ConfigurationError, match="different SECRET_KEY"):
        KeyClaim(engine, "another-key", "third").claim(1_000_200)
    with engine.connect() as connection:
        stored = " ".join(value for (value,) in connection.execute(text("SELECT value FROM deployment")))
    assert "the-key" not in stored  # a hash of a fingerprint only
    # Once every worker with the old key stopped (or went silent), a changed key is taken.
    first.release()
    with pytest.raises(ConfigurationError):
        KeyClaim(engine, "another-key", "third").claim(1_000_300)  # "second" still runs
    KeyClaim(engine, "another-key", "third").claim(1_000_100 + CLAIM_TTL_MS)


def test_a_second_server_with_another_key_does_not_start(tmp_path):
    url = f"sqlite:///{tmp_path}/shared.db"
    with running_server(Settings(database_url=url, secret_key="first-key")):
        env = settings_free_env(DATABASE_URL=url, SECRET_KEY="second-key")
        done = refused_to_serve(env, tmp_path)
        assert "Another worker of this deployment is running with a different SECRET_KEY" in done.stderr
    # The first stopped: its claim went with it, and a new key may start.
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM deployment")).scalar() == 0


def test_a_running_server_refreshes_its_claim_as_a_housekeeping_job(tmp_path):
    url = f"sqlite:///{tmp_path}/f.db"
    app = create_app(Settings(database_url=url, secret_key="the-key"))

    def claimed_at() -> int:
        with make_engine(url).connect() as connection:
            (value,) = connection.execute(text("SELECT value FROM deployment")).one()
        return int(value.split(" ")[1])

    with running_server(app.state.settings, app=app):
        jobs = app.state.housekeeping
        assert jobs.get_job("key-claim").trigger.interval == timedelta(seconds=REFRESH_SECONDS)
        first = claimed_at()
        time.sleep(0.01)
        jobs.modify_job("key-claim", next_run_time=datetime.now(UTC))
        eventually(lambda: claimed_at() > first)
