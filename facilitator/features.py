"""The features installed in every room, in the order their fragments appear."""

from facilitator.rooms import rules as room_rules
from facilitator.rooms.feature import Rules
from facilitator.timers import feature as timers

RULES = Rules([room_rules.feature, timers.feature])
