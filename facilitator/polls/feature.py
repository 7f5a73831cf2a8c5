"""Polls as the room sees them: their rules, their state slice, their fragments."""

from facilitator.polls.model import Polls
from facilitator.polls.rules import APPLIERS, DECIDERS
from facilitator.polls.views import FRAGMENTS, api_view
from facilitator.rooms.feature import Feature

feature = Feature(name="polls", deciders=DECIDERS, appliers=APPLIERS, init=Polls, fragments=FRAGMENTS, view=api_view)
