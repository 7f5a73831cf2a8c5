"""The screen as the room sees it: its override, the rule, its fragments."""

from facilitator.rooms.feature import Feature
from facilitator.screen.model import Screen
from facilitator.screen.rules import APPLIERS, DECIDERS, FOLLOWS
from facilitator.screen.views import FRAGMENTS

feature = Feature(
    name="screen", deciders=DECIDERS, appliers=APPLIERS, init=Screen, fragments=FRAGMENTS, follows=FOLLOWS
)
