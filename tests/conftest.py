import pytest

from facilitator.config import Settings
from tests.clock import TestClock
from tests.live import running_server


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/facilitator.db",
        secret_key="test-secret",
        redis_url=None,
        render_interval_seconds=0.05,
    )


@pytest.fixture
def clock() -> TestClock:
    """The live server's clock: it runs like the machine's, and a test moves it on at will."""
    return TestClock()


@pytest.fixture
def server(settings, clock):
    """Base URL of a real server on SQLite with the in-process broker, on `clock`."""
    with running_server(settings, clock) as base:
        yield base
