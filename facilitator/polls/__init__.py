"""The audience's input: live polls (and, beside them, questions from the floor)."""
