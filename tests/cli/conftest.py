"""Fixtures shared by the command-line tests."""

from tests.cli.helpers import two_commits  # noqa: F401 - the fixture, for every test here
