"""The features installed in every room, in the order their fragments appear."""

from facilitator.followup import feature as followup
from facilitator.polls import feature as polls
from facilitator.polls.questions import feature as questions
from facilitator.review import feature as review
from facilitator.rooms import rules as room_rules
from facilitator.rooms.breakouts import feature as breakouts
from facilitator.rooms.feature import Rules
from facilitator.screen import feature as screen
from facilitator.scribe import feature as scribe
from facilitator.timers import feature as timers
from facilitator.timers.floor import feature as floor

RULES = Rules(
    [
        room_rules.feature,
        timers.feature,
        floor.feature,
        polls.feature,
        questions.feature,
        scribe.feature,
        breakouts.feature,
        screen.feature,
        followup.feature,
        review.feature,
    ]
)
