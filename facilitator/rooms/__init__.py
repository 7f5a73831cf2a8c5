"""Rooms: the event log, the rules that fold it, and the live pipeline around it."""
