"""Fixtures of the harvest tests: the API replay server."""

from tests.harvest.replay import replay  # noqa: F401
