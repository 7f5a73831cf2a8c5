import pytest

from facilitator.config import Settings
from tests.live import running_server


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/facilitator.db", secret_key="test-secret",
                    redis_url=None, render_interval_seconds=0.05)


@pytest.fixture
def server(settings):
    """Base URL of a real server on SQLite with the in-process broker."""
    with running_server(settings) as base:
        yield base
