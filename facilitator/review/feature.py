"""The review of commitments as the room sees it: its rules, its slice, its fragments and pages."""

from facilitator.review import pages
from facilitator.review.model import Review
from facilitator.review.rules import APPLIERS, DECIDERS
from facilitator.review.views import FRAGMENTS
from facilitator.rooms.feature import Feature

feature = Feature(
    name="review",
    deciders=DECIDERS,
    appliers=APPLIERS,
    init=Review,
    fragments=FRAGMENTS,
    routers=(pages.router,),
)
