"""compose.yaml's topology without containers: two `facilitator serve` workers with the
environment compose gives them (production, JSON logs, secure cookies, the optional settings
left empty), on PostgreSQL and Redis here; both are ready, and what one worker is told reaches a
page on the other."""

import asyncio
import re

import httpx
import pytest

from tests.live import auth, cookie_for, create_room, open_socket
from tests.processes import SECRET, serving
from tests.services import REDIS_URL, postgres_or_missing, redis_or_missing
from tests.test_deploy_files import compose

VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def expanded(value: str, given: dict[str, str]) -> str:
    """`value` with compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}` filled from `given`."""

    def fill(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if given.get(name):
            return given[name]
        assert kind != "?", f"compose refuses to start without {name}"
        return rest if kind == "-" else ""

    return VARIABLE.sub(fill, value)


def worker_environment() -> dict[str, str]:
    given = {"SECRET_KEY": SECRET, "PUBLIC_HOST": "fac.example.org"}
    return {name: expanded(str(value), given) for name, value in compose()["services"]["web1"]["environment"].items()}


def test_compose_refuses_to_start_without_a_secret_key():
    with pytest.raises(AssertionError, match="SECRET_KEY"):
        expanded(compose()["services"]["web1"]["environment"]["SECRET_KEY"], {})


@pytest.mark.postgres
@pytest.mark.redis
def test_two_workers_with_composes_environment_serve_one_room(tmp_path):
    redis_or_missing()
    environment = worker_environment()
    assert environment["FACILITATOR_ENV"] == "production"
    assert environment["PUBLIC_URL"] == "https://fac.example.org"
    # Here, the services compose names are this machine's.
    environment.update(DATABASE_URL=postgres_or_missing(), REDIS_URL=REDIS_URL)
    database, secret = environment.pop("DATABASE_URL"), environment.pop("SECRET_KEY")
    with serving(tmp_path, database, redis_url=environment.pop("REDIS_URL"), secret_key=secret, **environment) as (
        one,
        two,
    ):
        for worker in (one, two):
            assert httpx.get(f"{worker.base}/readyz").status_code == 200  # Caddy's health_uri
        room = create_room(one.base)
        code, tokens = room["code"], room["tokens"]
        assert room["links"]["console"].startswith("https://fac.example.org/r/")

        async def scenario() -> None:
            cookie = cookie_for(code, "facilitator", tokens["facilitator"])
            console = await open_socket(two.base, code, "console", cookie, origin="https://fac.example.org")
            await console.until(lambda m: 'value="room.lock"' in m)
            locked = await asyncio.to_thread(
                httpx.post,
                f"{one.base}/api/rooms/{code}/commands",
                json={"type": "room.lock"},
                headers=auth(tokens["facilitator"]),
            )
            assert locked.status_code == 200, locked.text
            await console.until(lambda m: 'value="room.unlock"' in m, timeout=3)  # through Redis
            await console.close()

        asyncio.run(scenario())
        for worker in (one, two):
            lines = worker.output().splitlines()
            assert lines and all(line.startswith("{") for line in lines if line.strip()), worker.output()
