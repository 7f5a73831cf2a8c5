"""The real services some tests need: Redis, PostgreSQL, Chromium.

Locally a missing service skips its tests; under CI (CI=true) it fails them,
so a green CI run always means those tests really ran.
"""

import os
import shutil

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def missing(what: str) -> None:
    message = f"{what} is not available"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}, and CI must run every test", pytrace=False)
    pytest.skip(message)


def redis_or_missing() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001 - whatever the failure, the service is not there
        missing(f"Redis at {REDIS_URL}")
    return REDIS_URL


def postgres_or_missing() -> str:
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except Exception:  # noqa: BLE001 - whatever the failure, the service is not there
        missing(f"PostgreSQL at {POSTGRES_URL}")
    return POSTGRES_URL


def chromium_or_missing() -> str:
    if not shutil.which(CHROMIUM):
        missing(f"Chromium at {CHROMIUM}")
    return CHROMIUM
