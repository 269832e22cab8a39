from __future__ import annotations

import json
from pathlib import Path

from preflight.history.authors import CACHE, AuthorCounts
from tests.conftest import git
from tests.history.conftest import commit_at


def counts(repo: Path, tip: str) -> dict[str, int]:
    return {k: v for k, v in AuthorCounts(repo, repo / ".git", tip).result().items() if v}


def test_counts_follow_the_cached_commit_both_ways(git_repo: Path) -> None:
    first = commit_at(git_repo, {"a.py": "a\n"}, "one", author="Ann")
    second = commit_at(git_repo, {"a.py": "b\n"}, "two", day=1, author="bob")
    git(git_repo, "checkout", "-q", "-b", "side", first)
    side = commit_at(git_repo, {"b.py": "b\n"}, "three", day=2, author="bob")
    cache = git_repo / ".git" / CACHE
    assert counts(git_repo, second) == {"ann@example.com": 1, "bob@example.com": 1}
    assert json.loads(cache.read_text())["commit"] == second
    assert counts(git_repo, second) == {"ann@example.com": 1, "bob@example.com": 1}  # from the cache
    assert counts(git_repo, side) == {"ann@example.com": 1, "bob@example.com": 1}  # second out, side in
    assert counts(git_repo, first) == {"ann@example.com": 1}
    git(git_repo, "merge", "-q", "--no-ff", "-m", "merge", second)
    assert counts(git_repo, "HEAD") == {"ann@example.com": 1, "bob@example.com": 2}  # merges not counted


def test_a_damaged_or_stale_cache_only_costs_a_recount(git_repo: Path) -> None:
    tip = commit_at(git_repo, {"a.py": "a\n"}, "one")
    cache = git_repo / ".git" / CACHE
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json", encoding="utf-8")
    assert counts(git_repo, tip) == {"alice@example.com": 1}
    cache.write_text(json.dumps({"version": 1, "commit": "f" * 40, "authors": {"x@y": 5}}), encoding="utf-8")
    assert counts(git_repo, tip) == {"alice@example.com": 1}
    cache.write_text(json.dumps({"version": 1, "commit": tip, "authors": "oops"}), encoding="utf-8")
    assert counts(git_repo, tip) == {"alice@example.com": 1}


def test_an_unwritable_cache_is_skipped(git_repo: Path) -> None:
    tip = commit_at(git_repo, {"a.py": "a\n"}, "one")
    (git_repo / ".git" / "preflight").write_text(
        "a file where the cache directory would go", encoding="utf-8"
    )
    assert counts(git_repo, tip) == {"alice@example.com": 1}
