"""The scribe: tagged notes, case summaries and action plans, and the session record they make."""
