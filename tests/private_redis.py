"""A Redis server of the test's own, on a free port of 127.0.0.1, that the test may hang
(SIGSTOP), resume, kill and start again on the same port: what a broker outage looks like
from the nodes. The shared Redis of tests/services.py is never touched.
"""

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.live import free_port
from tests.services import missing

REDIS_SERVER = os.environ.get("REDIS_SERVER", "redis-server")
START_SECONDS = 5


class PrivateRedis:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server (again, on the same port) and wait until it answers."""
        with (self.directory / f"redis-{self.port}.log").open("ab") as sink:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.02)

    def answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def hang(self) -> None:
        """Freeze the server: connections stay open, nothing is answered."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Die at once, as a crash would: every connection breaks, nothing is kept."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


@contextmanager
def private_redis(directory: Path):
    if not shutil.which(REDIS_SERVER):
        missing(f"{REDIS_SERVER} (to run a private Redis)")
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.resume()  # a stopped process dies only once it runs again
        server.kill()
