"""The pure rules of the agenda and its clock, too long for one rules.py: `decide` per command
in decide.py, `apply` per event in apply.py."""

from facilitator.timers.rules.apply import APPLIERS
from facilitator.timers.rules.decide import DECIDERS

__all__ = ["APPLIERS", "DECIDERS"]
