"""Questions as the room sees them: their rules, their state slice, their fragments, their pages (the CSV export)."""

from facilitator.polls.questions import pages
from facilitator.polls.questions.model import Questions
from facilitator.polls.questions.rules import APPLIERS, DECIDERS
from facilitator.polls.questions.views import FRAGMENTS, api_view
from facilitator.rooms.feature import Feature

feature = Feature(
    name="questions",
    deciders=DECIDERS,
    appliers=APPLIERS,
    init=Questions,
    fragments=FRAGMENTS,
    view=api_view,
    routers=(pages.router,),
)
