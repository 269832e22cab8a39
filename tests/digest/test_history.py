"""The changes of a release range: merges, squash merges and commits on the first-parent line."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.digest import history
from preflight.errors import GitError
from preflight.repository import Repository
from tests.conftest import commit, git
from tests.digest import release


def test_first_parent_changes_oldest_first(git_repo: Path) -> None:
    built = release.build(git_repo)
    found = history.merged(git_repo, built.base, built.head)
    assert [(m.kind, m.number, m.title) for m in found] == [
        ("merge", 11, release.HOSTILE),  # a GitHub merge commit: the title is the body's first line
        ("squash", 12, "Faster charge"),
        ("commit", None, "Docs only"),
        ("merge", 13, "Sort the cart"),
        ("commit", None, "Tweak <i>run</i>"),
    ]
    assert [m.sha for m in found] == [built.merge11, built.squash12, built.docs, built.merge13, built.direct]
    assert found[0].parent == built.base  # the merge's change is merge^1..merge
    assert found[1].parent == built.merge11
    assert [m.label for m in found] == ["#11", "#12", built.docs[:7], "#13", built.direct[:7]]


def test_a_plain_merge_keeps_its_subject(git_repo: Path) -> None:
    base = commit(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "checkout", "-q", "-b", "topic")
    commit(git_repo, {"b.py": "y = 2\n"})
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "topic", "-m", "Merge branch 'topic'")
    (found,) = history.merged(git_repo, base, "HEAD")
    assert (found.kind, found.number, found.title) == ("merge", None, "Merge branch 'topic'")


def test_an_empty_range_has_no_changes(git_repo: Path) -> None:
    sha = commit(git_repo, {"a.py": "x = 1\n"})
    assert history.merged(git_repo, sha, sha) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("v1..v2", ("v1", "v2")), ("main~3..", ("main~3", "HEAD")), (" a .. b ", ("a", "b"))],
)
def test_parse_range(text: str, expected: tuple[str, str]) -> None:
    assert history.parse_range(text) == expected


@pytest.mark.parametrize("text", ["main", "..main", "a...b", ""])
def test_a_bad_range_says_what_a_range_looks_like(text: str) -> None:
    with pytest.raises(GitError, match=r"pass a release range as A\.\.B"):
        history.parse_range(text)


def test_an_unknown_revision_is_named(git_repo: Path) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    with Repository(git_repo) as repo, pytest.raises(GitError) as found:
        history.resolve(repo, "v9.9..HEAD")
    assert "range 'v9.9..HEAD': 'v9.9' names no commit" in str(found.value)
    assert "git fetch --tags" in str(found.value)


def test_separators_in_a_message_cannot_fake_a_commit(git_repo: Path) -> None:
    base = commit(git_repo, {"a.py": "x = 1\n"})
    fake = "x\x1e" + "0" * 40 + "\x1f\x1fFake (#9)\n\x1f"
    sha = commit(git_repo, {"a.py": "x = 2\n"}, f"Real {fake}\n\nbody {fake}")
    (found,) = history.merged(git_repo, base, "HEAD")
    assert (found.sha, found.parent) == (sha, base)
