"""What start-up makes is kept out of the garbage collector's sight, so a burst is not paused by it."""

import gc

from facilitator.config import Settings
from tests.live import running_server


def test_what_start_up_made_is_frozen_before_the_server_answers(tmp_path):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    settings = Settings(database_url=f"sqlite:///{tmp_path}/startup.db", secret_key="startup", redis_url=None)
    with running_server(settings):
        assert gc.get_freeze_count() > 0
