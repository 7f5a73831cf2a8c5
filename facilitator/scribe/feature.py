"""The scribe as the room sees it: its rules, its state slice (the record), its fragments and pages."""

from facilitator.rooms.feature import Feature
from facilitator.scribe import pages
from facilitator.scribe.model import NOTE_KINDS, Record
from facilitator.scribe.rules import APPLIERS, DECIDERS
from facilitator.scribe.views import FRAGMENTS, api_view

feature = Feature(name="record", deciders=DECIDERS, appliers=APPLIERS, init=Record, fragments=FRAGMENTS,
                  view=api_view, routers=(pages.router,), template_globals={"note_kinds": NOTE_KINDS})
