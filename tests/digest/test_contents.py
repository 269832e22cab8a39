"""preflight/digest/contents.py: what a release digest holds; the merged changes' own answers."""

from __future__ import annotations

import pytest

from preflight.digest import Merged

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("kind", "scored"), [("merge", True), ("squash", True), ("commit", True), ("branch", False)]
)
def test_only_a_merge_of_another_long_lived_branch_is_not_scored(kind: str, scored: bool) -> None:
    reason = "merges branch 8.1.x" if kind == "branch" else None
    assert Merged(SHA, None, kind, None, "title", reason).scored is scored


def test_a_change_is_labelled_by_its_pull_request_else_its_short_sha() -> None:
    assert Merged(SHA, "p" * 40, "merge", 2591, "deprecate base classes").label == "#2591"
    assert Merged(SHA, "p" * 40, "commit", None, "Bump the limit").label == "0123456"
