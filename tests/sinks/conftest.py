"""Fixtures for the GitHub sink: a fake GitHub API on 127.0.0.1 and hand-built check results."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sinks.server import State, Token, serve

APP_TOKEN = "ghs_APPTOKENfor_tests_0123456789abcdef"
"""Like the workflow's GITHUB_TOKEN: may write, cannot read /user."""
FORK_TOKEN = "ghs_FORKTOKENread_only_0123456789abcdef"
"""Like GITHUB_TOKEN on a pull request from a fork: read-only."""
USER_TOKEN = "ghp_USERTOKENpersonal_0123456789abcdef"
"""A personal access token: /user answers with its login."""


def new_state() -> State:
    """Three tokens: the Actions bot, a fork's read-only one, a user's."""
    return State(
        tokens={
            APP_TOKEN: Token("github-actions[bot]"),
            FORK_TOKEN: Token("github-actions[bot]", write=False),
            USER_TOKEN: Token("octocat", app=False),
        }
    )


@pytest.fixture
def fake_github() -> Iterator[tuple[State, str]]:
    """(state, API root URL) of a fake GitHub REST API running in a thread."""
    state = new_state()
    with serve(state) as url:
        yield state, url
