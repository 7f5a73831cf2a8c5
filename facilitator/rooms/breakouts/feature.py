"""Breakouts as the room sees them: their rules, their slice (the rounds), their fragments."""

from facilitator.rooms.breakouts.model import Breakouts
from facilitator.rooms.breakouts.rules import APPLIERS, DECIDERS, FOLLOWS
from facilitator.rooms.breakouts.views import FRAGMENTS, api_view
from facilitator.rooms.feature import Feature

feature = Feature(
    name="breakouts",
    deciders=DECIDERS,
    appliers=APPLIERS,
    init=Breakouts,
    fragments=FRAGMENTS,
    view=api_view,
    follows=FOLLOWS,
)
