"""The floor as the room sees it: its rules, its state slice, its fragments."""

from facilitator.rooms.feature import Feature
from facilitator.timers.floor.model import Floor
from facilitator.timers.floor.rules import APPLIERS, DECIDERS
from facilitator.timers.floor.views import FRAGMENTS, api_view

feature = Feature(name="floor", deciders=DECIDERS, appliers=APPLIERS, init=Floor, fragments=FRAGMENTS, view=api_view)
