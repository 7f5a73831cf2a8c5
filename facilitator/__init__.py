"""Facilitator: live peer-to-peer learning exchanges for healthcare organisations."""

from importlib.metadata import version

# The one version number is pyproject.toml's, read from the installed package's metadata.
__version__ = version("facilitator")
