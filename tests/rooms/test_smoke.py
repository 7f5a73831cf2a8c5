import asyncio

from tests.live import cookie_for, create_room, join, open_socket


def test_a_phone_joining_is_counted_on_the_screen(server):
    room = create_room(server)
    code = room["code"]

    async def scenario():
        screen = await open_socket(server, code, "screen", cookie_for(code, "screen", room["tokens"]["screen"]))
        await screen.until(lambda m: 'data-count="joined">0<' in m)
        joined = join(server, code)
        phone = await open_socket(server, code, "phone", cookie_for(code, "participant", joined["token"]))
        await phone.until(lambda m: 'id="me"' in m)
        await screen.until(lambda m: 'data-count="online">1<' in m)
        await phone.close()
        await screen.until(lambda m: 'data-count="online">0<' in m)
        await screen.close()

    asyncio.run(scenario())
