"""The sticky pull-request comment: one per pull request, found by marker and author, updated.

A comment is preflight's when its body has MARKER on a line of its own AND its author
is the token's own user; a similar marker in someone else's comment is ignored. Two
runs racing on one pull request can both find nothing and both create a comment, so
after creating, the comments are listed again and the author's newer duplicates are
deleted: both runs keep the oldest, and the loser writes its body into it. A
duplicate that the list did not show yet is removed by the next run's update.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from preflight.report.limit import CUT_NOTE, LIMIT, fit, size
from preflight.report.markdown import MARKER
from preflight.sinks.api import GitHub, GitHubError, answer_id

__all__ = ["CUT_NOTE", "LIMIT", "Posted", "fit", "size", "upsert", "viewer"]

GITHUB_ACTIONS = "github-actions[bot]"
"""The author of comments made with the workflow's GITHUB_TOKEN, when the token cannot say."""


@dataclass(frozen=True, slots=True)
class Posted:
    """What happened to the sticky comment."""

    action: str
    """created, updated or unchanged."""
    comment_id: int
    url: str
    removed: int = 0
    """Duplicates of the author's deleted (a race, or a retried create)."""


def is_ours(comment: dict[str, Any], author: str) -> bool:
    """The marker on a line of its own, written by `author` (a bot's `[bot]` suffix optional)."""
    body = comment.get("body")
    user = comment.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(body, str) or not isinstance(login, str):
        return False
    return _login(login) == _login(author) and any(line.strip() == MARKER for line in body.splitlines())


def viewer(api: GitHub) -> str:
    """The token's own login: /user for user tokens, GraphQL's viewer for app and Actions tokens."""
    try:
        user = api.json("GET", "/user")
        if isinstance(user, dict) and isinstance(user.get("login"), str):
            return str(user["login"])
    except GitHubError as e:
        if e.status not in (401, 403, 404):  # installation tokens may not read /user
            raise
    try:
        answer = api.json("POST", api.graphql, {"query": "query { viewer { login } }"})
        login = answer["data"]["viewer"]["login"]
        if isinstance(login, str):
            return login
    except (GitHubError, KeyError, TypeError):
        pass
    return GITHUB_ACTIONS


def upsert(api: GitHub, repository: str, number: int, body: str, author: str) -> Posted:
    """Create or update the single sticky comment on pull request `number`."""
    body = fit(body)
    listing = f"/repos/{repository}/issues/{number}/comments"
    mine = _own(api, listing, author)
    if mine:
        keep = mine[0]
        removed = _delete(api, repository, mine[1:])
        if keep.get("body") == body:
            return Posted("unchanged", int(keep["id"]), str(keep.get("html_url", "")), removed)
        return _update(api, repository, keep, body, removed)
    created = api.json("POST", listing, {"body": body})
    created_id = answer_id(created, "POST", api.url(listing), "comment")
    mine = _own(api, listing, author) or [created]
    keep = mine[0]
    removed = _delete(api, repository, [c for c in mine if c["id"] != keep["id"]])
    if keep["id"] == created_id:
        return Posted("created", created_id, str(created.get("html_url", "")), removed)
    # Another run created the oldest comment at the same time: ours was removed, write into theirs.
    return _update(api, repository, keep, body, removed)


def _update(api: GitHub, repository: str, keep: dict[str, Any], body: str, removed: int) -> Posted:
    path = f"/repos/{repository}/issues/comments/{keep['id']}"
    updated = api.json("PATCH", path, {"body": body})
    comment_id = answer_id(updated, "PATCH", api.url(path), "comment")
    return Posted("updated", comment_id, str(updated.get("html_url", "")), removed)


def _own(api: GitHub, listing: str, author: str) -> list[dict[str, Any]]:
    """The author's marked comments across every page, oldest first."""
    found = [c for c in api.pages(listing) if is_ours(c, author)]
    for comment in found:
        answer_id(comment, "GET", api.url(listing), "comment")  # the listing names what it lists
    return sorted(found, key=lambda c: int(c["id"]))


def _delete(api: GitHub, repository: str, comments: list[dict[str, Any]]) -> int:
    """Delete duplicates; one already deleted by a racing run (404) counts as gone."""
    for comment in comments:
        try:
            api.call("DELETE", f"/repos/{repository}/issues/comments/{comment['id']}")
        except GitHubError as e:
            if e.status != 404:
                raise
    return len(comments)


def _login(login: str) -> str:
    login = login.lower()
    return login[: -len("[bot]")] if login.endswith("[bot]") else login
