"""The session record: one timeline of everything the features hold, and the page that shows it.

A layer above the features: it may read every feature (through their accessors and views),
and no feature imports it, so the exports can be built on it without a feature knowing.
"""
