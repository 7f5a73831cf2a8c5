"""The projected screen: what it shows (rule.py), the command that overrides it, its fragments.

A layer above the features, like the record: it reads every feature, no feature imports it.
"""
