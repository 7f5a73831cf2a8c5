"""Timers: the agenda, rapid-fire case timers, and the scheduler that fires their deadlines."""
