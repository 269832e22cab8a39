"""pull requests that the branch-merge detection hides from the release digest."""

from __future__ import annotations

from pathlib import Path

from preflight.digest import history
from tests.conftest import commit, git

APP = "def handle(x):\n    return x\n"


def test_a_pull_request_whose_commits_cite_one_issue_is_still_a_change(git_repo: Path) -> None:
    """Two commits of one topic branch both say `(#12)` (the issue they fix): one pull request."""
    base = commit(git_repo, {"app.py": APP}, "Release 1.0.0")
    git(git_repo, "checkout", "-q", "-b", "fix-12")
    commit(git_repo, {"app.py": APP.replace("return x", "return x or 0")}, "Fix handle on empty input (#12)")
    commit(git_repo, {"test_app.py": "def test_handle():\n    pass\n"}, "Add a regression test (#12)")
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "fix-12", "-m", "Merge pull request #13 from someone/fix-12")
    found = history.merged(git_repo, base, "main")
    assert [(m.kind, m.number, m.reason) for m in found] == [("merge", 13, None)]


def test_a_backport_pull_request_of_cherry_picked_fixes_is_a_change(git_repo: Path) -> None:
    """On a maintenance branch, a backport PR carries cherry-picks whose subjects keep `(#N)`."""
    base = commit(git_repo, {"app.py": APP}, "Release 1.0.0")
    git(git_repo, "checkout", "-q", "-b", "1.0.x")
    commit(git_repo, {"NOTES": "1.0.1\n"}, "Start 1.0.1")  # the maintenance line has moved on
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"app.py": APP.replace("return x", "return x or 0")}, "Fix handle (#20)")
    commit(git_repo, {"b.py": "def b():\n    return 1\n"}, "Fix b (#21)")
    picks = git(git_repo, "rev-list", "--reverse", f"{base}..main").split()
    git(git_repo, "checkout", "-q", "-b", "backport-22", "1.0.x")
    for sha in picks:
        git(git_repo, "cherry-pick", sha)
    git(git_repo, "checkout", "-q", "1.0.x")
    git(
        git_repo, "merge", "-q", "--no-ff", "backport-22", "-m", "Merge pull request #22 from org/backport-22"
    )
    found = history.merged(git_repo, base, "1.0.x")
    assert [(m.kind, m.number, m.reason) for m in found] == [("commit", None, None), ("merge", 22, None)]


def test_pulling_a_contributors_fork_main_is_a_change(git_repo: Path, tmp_path: Path) -> None:
    """`git pull https://github.com/someone/fork main`: git writes "Merge branch 'main' of URL";
    the contributor's main is not this repository's trunk."""
    base = commit(git_repo, {"app.py": APP}, "Release 1.0.0")
    git(git_repo, "checkout", "-q", "-b", "contrib")
    commit(git_repo, {"app.py": APP.replace("return x", "return -x")}, "Negate handle")
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"c.py": "def c():\n    return 1\n"}, "Direct push")
    git(
        git_repo,
        "merge",
        "-q",
        "--no-ff",
        "contrib",
        "-m",
        "Merge branch 'main' of https://github.com/someone/fork",
    )
    found = history.merged(git_repo, base, "main")
    assert [(m.kind, m.reason) for m in found][-1] == ("merge", None)
