"""Real `facilitator serve` processes sharing one database and Redis, for multi-process tests."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from facilitator.config import Settings
from facilitator.db import make_engine
from tests.live import free_port
from tests.services import REDIS_URL, postgres_or_missing

SECRET = "multi-process-shared-secret"
STARTUP_SECONDS = 15


def database_for(store: str, tmp_path: Path) -> str:
    if store == "postgres":
        return postgres_or_missing()
    return f"sqlite:///{tmp_path}/shared.db"


def settings_free_env(**values: str) -> dict[str, str]:
    """This environment without any of our settings (names are case-insensitive), plus `values`."""
    fields = {name.lower() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.lower() not in fields}
    env.update(PYTHONUNBUFFERED="1", **values)
    return env


def until_answering(process: subprocess.Popen, url: str, log: Path, seconds: float = STARTUP_SECONDS) -> None:
    """Wait until GET `url` answers 200; a process that exits first, or does not answer within
    `seconds`, fails the test with the end of its output."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            pytest.fail(f"{url}: the process exited with {process.returncode}:\n{tail(log)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer within {seconds} s:\n{tail(log)}")
        time.sleep(0.1)


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


@dataclass
class Node:
    base: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return tail(self.log)


@contextmanager
def serving(
    tmp_path: Path,
    database_url: str,
    count: int = 2,
    redis_url: str | None = REDIS_URL,
    secret_key: str | None = SECRET,
    **env: str,
):
    """`count` real `facilitator serve` processes sharing one database, Redis (none when
    `redis_url` is None) and SECRET_KEY (none when `secret_key` is None)."""
    make_engine(database_url).dispose()  # tables exist before the nodes race to create them
    broker = {"REDIS_URL": redis_url} if redis_url else {}
    secret = {"SECRET_KEY": secret_key} if secret_key else {}
    environment = settings_free_env(DATABASE_URL=database_url, **secret, **broker, **env)
    nodes: list[Node] = []
    try:
        for index in range(count):
            port = free_port()
            log = tmp_path / f"node{index}-{port}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    [sys.executable, "-m", "facilitator", "serve", "--host", "127.0.0.1", "--port", str(port)],
                    cwd=tmp_path,
                    env=environment,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            nodes.append(Node(f"http://127.0.0.1:{port}", process, log))
        for node in nodes:
            until_answering(node.process, f"{node.base}/healthz", node.log)
        yield nodes
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.process.terminate()
        for node in nodes:
            try:
                node.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(timeout=5)
