"""A phone that joined through one process and opens its socket on another is let in."""

import asyncio

from facilitator.config import Settings
from tests.live import cookie_for, create_room, has, join, open_socket, running_server, state_of


def test_a_socket_opened_on_a_process_that_has_not_seen_the_join_yet_reads_the_log_and_lets_it_in(tmp_path):
    # Two processes on one database with no broker between them: the second never hears of the
    # join, as happens for a moment between two workers when a phone is quicker than pub/sub.
    settings = Settings(database_url=f"sqlite:///{tmp_path}/two.db", secret_key="two", redis_url=None)
    with running_server(settings) as first, running_server(settings) as second:
        room = create_room(first)
        code = room["code"]
        state_of(second, room)  # the second process has the room loaded, as it was
        joined = join(first, code, name="Ana")

        async def scenario():
            phone = await open_socket(second, code, "phone", cookie_for(code, "participant", joined["token"]))
            await phone.until(has("me", "Ana"))
            await phone.close()

        asyncio.run(scenario())
