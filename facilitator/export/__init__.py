"""Exports of the session record: Markdown, HTML, Word, JSON, CSV and the compendium.

A layer above the features, like `record/`: every export is a projection of a room's event
log (`report.report` of the folded state, and the log itself for the JSON), and no feature
imports it.
"""
