"""The scribe as the room sees it: its rules, its state slice (the notebook), its fragments and pages."""

from facilitator.rooms.feature import Feature
from facilitator.scribe import pages
from facilitator.scribe.model import NOTE_KINDS, Notebook
from facilitator.scribe.rules import APPLIERS, DECIDERS
from facilitator.scribe.views import FRAGMENTS, api_view

feature = Feature(
    name="scribe",
    deciders=DECIDERS,
    appliers=APPLIERS,
    init=Notebook,
    fragments=FRAGMENTS,
    view=api_view,
    routers=(pages.router,),
    template_globals={"note_kinds": NOTE_KINDS},
)
