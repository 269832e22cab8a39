"""Pending-change features equal the full pass's features of the same change made as one commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from preflight.errors import GitError
from preflight.history.features import FEATURES, extract
from preflight.history.pending import features
from tests.conftest import GIT_ENV, git
from tests.history.conftest import DAY, EPOCH, commit_at

CORE = """def parse(text, strict=False):
    if strict and not text:
        raise ValueError(text)
    return text.split()


def render(items):
    return ", ".join(items)
"""
USER = """from core import parse, render


def main(argv):
    words = parse(argv[0])
    if words:
        print(render(words))
    return parse(argv[1], strict=True)
"""


TOOL = "x = parse('a')\n" + "".join(f"v{i} = {i}\n" for i in range(10))


def squash(repo: Path, base: str, head: str, message: str) -> str:
    """One commit on base with head's tree, author and dates: the change as a single commit."""
    fields = git(repo, "log", "-1", "--format=%an%x1f%ae%x1f%ad%x1f%cd", "--date=raw", head).split("\x1f")
    env = {
        **GIT_ENV,
        "GIT_AUTHOR_NAME": fields[0],
        "GIT_AUTHOR_EMAIL": fields[1],
        "GIT_AUTHOR_DATE": fields[2],
        "GIT_COMMITTER_DATE": fields[3],
    }
    done = subprocess.run(
        ["git", "commit-tree", f"{head}^{{tree}}", "-p", base, "-m", message],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def history(repo: Path) -> str:
    """A main line with renames, several authors, fixes and call sites; returns the fork point."""
    commit_at(repo, {"core_old.py": CORE, "user.py": USER.replace("core", "core_old")}, "initial", day=0)
    commit_at(
        repo, {"README.md": "hi\n", "tests/test_core.py": "from core_old import parse\n"}, "docs", 1, "bob"
    )
    git(repo, "mv", "core_old.py", "core.py")
    commit_at(repo, {"core.py": CORE + "\n# moved\n", "user.py": USER}, "Move core", day=2, author="carol")
    commit_at(repo, {"core.py": CORE.replace("split()", "split(' ')") + "\n# moved\n"}, "Fix split", 3, "bob")
    return commit_at(repo, {"pkg/tool.py": TOOL}, "tool", day=4, author="carol")


def assert_same_as_one_commit(repo: Path, base: str, head: str, message: str) -> None:
    """Both ways of reading file histories (one log for all paths; with Bloom filters, one per path)."""
    found = features(repo, base, head)
    git(repo, "commit-graph", "write", "--reachable", "--changed-paths")
    assert features(repo, base, head).values == found.values
    (repo / ".git" / "objects" / "info" / "commit-graph").unlink()
    fork = git(repo, "merge-base", base, head)
    one = squash(repo, fork, head, message)
    expected = extract(repo, f"{fork}..{one}").commits[-1]
    assert dict(zip(FEATURES, found.values, strict=True)) == pytest.approx(
        dict(zip(FEATURES, expected.values, strict=True))
    )
    assert found.commits == int(git(repo, "rev-list", "--count", "--no-merges", fork))
    assert found.seconds > 0


def test_a_branch_of_several_commits_equals_the_squashed_commit(git_repo: Path) -> None:
    fork = history(git_repo)
    git(git_repo, "checkout", "-q", "-b", "feature")
    changed = CORE.replace("def parse(text, strict=False):", "def parse(text, strict=False, sep=None):")
    changed = changed.replace("return text.split()", "return [w for w in text.split(sep) if w or strict]")
    commit_at(git_repo, {"core.py": changed + "\n# moved\n"}, "Fix crash on empty input", 5, "carol")
    git(git_repo, "mv", "pkg/tool.py", "pkg/tools.py")
    commit_at(git_repo, {"pkg/tools.py": TOOL + "y = 2\n", "new.py": "z = 1\n"}, "more", 6, "carol")
    git(git_repo, "checkout", "-q", "main")
    commit_at(git_repo, {"core.py": CORE}, "later work on main", day=7, author="bob")
    found = features(git_repo, "main", "feature")
    values = dict(zip(FEATURES, found.values, strict=True))
    assert values["is_fix"] == 1.0  # from the first commit's subject, not the head's
    assert values["signature_changes"] == 1.0
    assert values["signature_callers"] == 3.0  # user.py twice, pkg/tool.py once (imports are no calls)
    assert values["complexity_change"] == 3.0  # a comprehension's for and if, and an or
    assert values["past_changes"] == 4.0  # core.py through its rename (3), pkg/tool.py (1)
    assert values["new_files"] == 1.0
    assert found.notes == ("2 commits scored as one change",)
    assert fork == git(git_repo, "merge-base", "main", "feature")
    assert_same_as_one_commit(git_repo, "main", "feature", "Fix crash on empty input; more")


def test_one_commit_and_an_empty_range(git_repo: Path) -> None:
    history(git_repo)
    head = commit_at(git_repo, {"user.py": USER + "\n\nmain([])\n"}, "call main", day=5, author="dave")
    assert_same_as_one_commit(git_repo, "HEAD~1", head, "call main")
    found = features(git_repo, head, "HEAD~1")
    assert found.values[: FEATURES.index("files") + 1] == (0.0, 0.0, 0.0)
    assert found.notes[-1].startswith("no changes between the merge base")


def test_mailmap_counts_an_author_under_one_address(git_repo: Path) -> None:
    history(git_repo)
    commit_at(git_repo, {".mailmap": "Carol <carol@example.com> <carol@old.example>\n"}, "mailmap", 5)
    commit_at(git_repo, {"x.py": "x = 1\n"}, "as old address", day=6, author="carol")
    git(git_repo, "config", "user.email", "carol@old.example")
    stamp = f"@{EPOCH + 7 * DAY} +0000"
    env = {
        **GIT_ENV,
        "GIT_AUTHOR_EMAIL": "carol@old.example",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    (git_repo / "x.py").write_text("x = 2\n", encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "old address"], cwd=git_repo, env=env, check=True)
    found = features(git_repo, "HEAD~1", "HEAD")
    assert found.get("author_experience") == 3.0  # two commits as carol@example.com, one mapped to it
    assert_same_as_one_commit(git_repo, "HEAD~1", "HEAD", "old address")


def test_unknown_refs_name_them(git_repo: Path) -> None:
    history(git_repo)
    with pytest.raises(GitError, match="no merge base of 'nope' and 'HEAD'"):
        features(git_repo, "nope", "HEAD")


def test_history_is_followed_back_through_three_renames(git_repo: Path) -> None:
    body = "".join(f"line_{i} = {i}\n" for i in range(20))
    commit_at(git_repo, {"a.py": body}, "start")
    for day, (old, new) in enumerate(zip("abcd", "bcde", strict=True), 1):
        git(git_repo, "mv", f"{old}.py", f"{new}.py")
        commit_at(git_repo, {f"{new}.py": body + f"# {day}\n"}, f"rename to {new}", day=day)
    head = commit_at(git_repo, {"e.py": body + "more = 1\n"}, "edit", day=6)
    found = features(git_repo, "HEAD~1", head)
    assert found.get("past_changes") == 4.0  # b, c, d and e's commits; a's start is four renames back
    assert found.notes == ("file history followed back through 3 renames only",)
    one_short = features(git_repo, "HEAD~2", "HEAD~1")
    assert one_short.get("past_changes") == 4.0 and one_short.notes == ()


def test_an_unchanged_move_is_followed_by_content_and_name(git_repo: Path) -> None:
    commit_at(git_repo, {"a/__init__.py": "VERSION = 0\n"}, "start")
    commit_at(git_repo, {"a/__init__.py": "VERSION = 1\n", "b/other.py": "VERSION = 1\n"}, "bump", day=1)
    (git_repo / "c").mkdir()
    git(git_repo, "mv", "a/__init__.py", "c/__init__.py")
    commit_at(
        git_repo, {"b/other.py": None}, "move a to c, drop b", day=2
    )  # two deleted files hold that content
    head = commit_at(git_repo, {"c/__init__.py": "VERSION = 2\n"}, "bump again", day=3, author="bob")
    found = features(git_repo, "HEAD~1", head)
    assert found.get("past_changes") == 3.0  # a/__init__.py's two commits (same name preferred) and the move
    assert_same_as_one_commit(git_repo, "HEAD~1", head, "bump again")


def test_a_change_to_many_files_reads_one_log_without_pathspecs(git_repo: Path) -> None:
    names = [f"pkg/m{i:02}.py" for i in range(45)]  # more than paths.PATHSPEC_LIMIT
    commit_at(git_repo, {name: f"x = {i}\n" for i, name in enumerate(names)}, "start")
    commit_at(git_repo, {names[0]: "x = 100\n", "other.py": "y = 1\n"}, "Fix x", day=1, author="bob")
    head = commit_at(git_repo, {name: f"x = {i}\nz = 2\n" for i, name in enumerate(names)}, "grow", day=2)
    found = features(git_repo, "HEAD~1", head)
    assert (found.get("files"), found.get("past_changes"), found.get("past_fixes")) == (45.0, 46.0, 1.0)
    assert_same_as_one_commit(git_repo, "HEAD~1", head, "grow")


def test_uncommitted_edits_and_untracked_files_are_the_commit_they_would_be(git_repo: Path) -> None:
    fork = history(git_repo)
    changed = CORE.replace("return text.split()", "return [w for w in text.split() if w]")
    (git_repo / "core.py").write_text(changed + "\n# moved\n", encoding="utf-8")  # unstaged
    (git_repo / "new.py").write_text("def g():\n    return 1\n", encoding="utf-8")  # untracked
    (git_repo / "blob.bin").write_bytes(b"\0\1")  # untracked, binary: no lines, as git counts it
    index = (git_repo / ".git" / "index").read_bytes()
    found = features(
        git_repo, fork, fork, worktree={"new.py": b"def g():\n    return 1\n", "blob.bin": b"\0\1"}
    )
    assert (git_repo / ".git" / "index").read_bytes() == index  # read, never refreshed
    git(git_repo, "add", "core.py", "new.py", "blob.bin")
    git(git_repo, "commit", "-q", "-m", "the same edits")
    committed = features(git_repo, fork, "HEAD")
    values, expected = (dict(zip(FEATURES, f.values, strict=True)) for f in (found, committed))
    personal = ("author_experience", "author_file_experience", "age_days")
    assert {k: v for k, v in values.items() if k not in personal} == {
        k: v for k, v in expected.items() if k not in personal
    }
    assert (
        values["lines_added"] == expected["lines_added"] >= 3 and values["new_files"] == 2.0
    )  # new.py and blob.bin
    assert any("uncommitted edits scored as one change" in note for note in found.notes)


def test_the_files_histories_are_read_only_when_the_model_weighs_them(git_repo: Path) -> None:
    from preflight.history.coefficients import DEFAULT_COEFFICIENTS
    from preflight.history.pending import FILE_HISTORY

    fork = history(git_repo)
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit_at(
        git_repo, {"core.py": CORE.replace("split()", "split(',')") + "\n# moved\n"}, "Fix it", 5, "carol"
    )
    full = dict(zip(FEATURES, features(git_repo, fork, "feature").values, strict=True))
    weighed = {n for n, w in zip(FEATURES, DEFAULT_COEFFICIENTS.weights, strict=True) if w}
    light = features(git_repo, fork, "feature", needed=weighed)
    values = dict(zip(FEATURES, light.values, strict=True))
    assert full["past_changes"] > 0 and values["past_changes"] == 0  # not read
    assert {k: v for k, v in values.items() if k not in FILE_HISTORY} == {
        k: v for k, v in full.items() if k not in FILE_HISTORY
    }
    if not weighed & FILE_HISTORY:  # the defaults weigh none of them: the same probability
        assert DEFAULT_COEFFICIENTS.probability_of(light.values) == DEFAULT_COEFFICIENTS.probability_of(
            tuple(full.values())
        )
