import pytest

from tests.fuzz.harness import ServerErrors, fuzz_settings
from tests.live import running_server


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One server per fuzzing module, with limits out of the fuzzers' way."""
    with running_server(fuzz_settings(tmp_path_factory.mktemp("fuzz"))) as base:
        yield base


@pytest.fixture(scope="module")
def server_errors(live):
    with ServerErrors.watching() as errors:  # once the server started: it configures its loggers
        yield errors
