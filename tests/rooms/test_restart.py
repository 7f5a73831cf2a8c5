"""A restarted `facilitator serve` without SECRET_KEY keeps everyone joined: real processes."""

import asyncio

import httpx
import websockets

from tests.live import create_room, join
from tests.processes import serving


def test_a_phone_stays_joined_across_a_restart_without_a_secret_key(tmp_path):
    database = f"sqlite:///{tmp_path}/facilitator.db"
    with serving(tmp_path, database, count=1, redis_url=None, secret_key=None) as (node,):
        code = create_room(node.base)["code"]
        token = join(node.base, code, name="Ana")["token"]
    assert (tmp_path / "secret.key").exists()

    with serving(tmp_path, database, count=1, redis_url=None, secret_key=None) as (node,):
        cookie = f"fac_{code}_participant={token}"
        page = httpx.get(f"{node.base}/r/{code}", headers={"Cookie": cookie}, follow_redirects=False)
        assert page.status_code == 200, page.headers.get("location")
        assert "You are <strong>Ana</strong>" in page.text

        async def connects() -> str:
            url = node.base.replace("http://", "ws://") + f"/r/{code}/ws?surface=phone"
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": node.base}) as sock:
                return str(await asyncio.wait_for(sock.recv(), 5))

        assert 'id="me"' in asyncio.run(connects())
