"""The pure rules of breakouts, as `DECIDERS` and `APPLIERS` (and `FOLLOWS` to the room's
own events: a newcomer joins a group, a removed participant leaves one)."""

from facilitator.rooms.breakouts.rules.apply import APPLIERS, FOLLOWS
from facilitator.rooms.breakouts.rules.decide import DECIDERS

__all__ = ["APPLIERS", "DECIDERS", "FOLLOWS"]
