"""Equal voice: the speaker queue, speaking clocks, share of voice and budgets."""
