"""Rendering per viewer: what people see alike is rendered once per scene."""

import jinja2

from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Role, RoomState
from facilitator.rooms.render import Renderer
from facilitator.rooms.views import Scene


def test_people_who_see_the_same_share_one_rendering_and_the_others_get_their_own():
    renders = []

    class CountingEnvironment(jinja2.Environment):
        def get_template(self, name, *args, **kwargs):
            renders.append(name)
            return super().get_template(name, *args, **kwargs)

    env = CountingEnvironment(
        loader=jinja2.DictLoader({"fragments/hand.html": '<p id="hand">{{ up }}</p>'}), autoescape=True
    )
    raised = {"p3"}
    hand = Fragment(
        "hand", frozenset({"phone"}), lambda scene, viewer: {"up": viewer.participant_id in raised}, per_viewer=True
    )
    renderer = Renderer(env, [hand])
    scene = Scene(RoomState(code="ABCDEF"), frozenset())
    seen = {pid: renderer.personal("phone", scene, Actor(Role.PARTICIPANT, pid)) for pid in ("p1", "p2", "p3")}
    assert seen["p1"] == seen["p2"] == {"hand": '<p id="hand">False</p>'}
    assert seen["p3"] == {"hand": '<p id="hand">True</p>'}
    assert len(renders) == 2  # one for the two alike, one for the one apart
    later = Scene(RoomState(code="ABCDEF"), frozenset())
    renderer.personal("phone", later, Actor(Role.PARTICIPANT, "p1"))
    assert len(renders) == 2  # a later push (or a connect) showing the same reuses that rendering
    raised.add("p1")
    assert renderer.personal("phone", later, Actor(Role.PARTICIPANT, "p1")) == {"hand": '<p id="hand">True</p>'}
    assert len(renders) == 2  # p1's new context is p3's, rendered already
