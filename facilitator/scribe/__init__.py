"""The scribe: tagged notes, case summaries and action plans."""
