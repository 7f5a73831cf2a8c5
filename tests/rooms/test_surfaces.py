"""Every surface's page holds an element for every fragment its socket is sent: a fragment with
no target on the page is an htmx error in that browser at every change."""

import re

import httpx
import pytest

from facilitator.features import RULES
from tests.live import cookie_for, room_with

SURFACES = ("console", "scribe", "screen", "phone")


@pytest.mark.parametrize("surface", SURFACES)
def test_every_fragment_a_surface_is_sent_has_its_place_on_the_page(server, surface):
    room, (ana,) = room_with(server, people=[("Ana", "St Mary's")])
    code = room["code"]
    if surface == "phone":
        cookie = cookie_for(code, "participant", ana["token"])
    else:
        role = {"console": "facilitator", "scribe": "scribe", "screen": "screen"}[surface]
        cookie = cookie_for(code, role, room["tokens"][role])
    page = httpx.get(f"{server}/r/{code}" + ("" if surface == "phone" else f"/{surface}"), headers={"Cookie": cookie})
    assert page.status_code == 200
    ids = set(re.findall(r'\bid="([^"]+)"', page.text))
    sent = {fragment.id for fragment in RULES.fragments if surface in fragment.audiences}
    assert sent - ids == set(), f"sent to the {surface} but not on its page"
