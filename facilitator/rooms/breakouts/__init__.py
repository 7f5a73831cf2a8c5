"""Breakout groups: a round of small rooms inside the exchange, each with its worksheet."""
