"""Facilitator: live peer-to-peer learning exchanges for healthcare organisations."""
