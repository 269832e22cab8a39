"""The revision ranges a command reads: --base/--head, or git's pre-push input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.commands import Target
from preflight.errors import GitError
from preflight.repository import Repository
from tests.cli.helpers import run_cli


def test_pre_push_reads_stdin(two_commits: tuple[Path, str, str]) -> None:
    repo, base, head = two_commits
    stdin = f"refs/heads/main {head} refs/heads/main {base}\n"
    done = run_cli(
        "changes", "--repo", str(repo), "--pre-push", "--remote", "origin", "--format", "json", stdin=stdin
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["merge_base"], doc["head"], doc["base_source"]) == (base, head, "pre-push")
    assert [f["qualname"] for f in doc["functions"]] == ["app.core.f"]


def test_explicit_base_and_head_are_one_range(two_commits: tuple[Path, str, str]) -> None:
    repo, base, head = two_commits
    with Repository(repo) as opened:
        (found,) = Target(repo, base=base, head=head).ranges(opened, {})
    assert (found.merge_base, found.head_sha) == (base, head)


def test_pre_push_lines_are_one_range_per_pushed_ref(two_commits: tuple[Path, str, str]) -> None:
    repo, base, head = two_commits
    lines = (f"refs/heads/main {head} refs/heads/main {base}",)
    with Repository(repo) as opened:
        (found,) = Target(repo, pre_push=lines, remote="origin").ranges(opened, {})
    assert (found.merge_base, found.head_sha, found.source) == (base, head, "pre-push")


def test_an_unknown_base_is_a_git_error(two_commits: tuple[Path, str, str]) -> None:
    repo, _, _ = two_commits
    with Repository(repo) as opened, pytest.raises(GitError, match="unknown --base ref 'nope'"):
        Target(repo, base="nope").ranges(opened, {})
