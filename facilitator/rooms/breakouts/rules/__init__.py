"""The pure rules of breakouts, as `DECIDERS` and `APPLIERS` (and `REACTIONS` to the room's
own events: a newcomer joins a group, a removed participant leaves one)."""

from facilitator.rooms.breakouts.rules.apply import APPLIERS, REACTIONS
from facilitator.rooms.breakouts.rules.decide import DECIDERS

__all__ = ["APPLIERS", "DECIDERS", "REACTIONS"]
