"""Review of issue 17 item 3: an approver's override trailer approves the commit it is in, not
whatever the pull request's author merges or stacks around it.

The range merge_base..head counts a trailer in *any* commit an approver committed. So the author
can merge an approver's commit from another branch (an old pull request's head, a hotfix branch,
a squash-merged branch whose original commits never reached main) or keep pushing after an
approver's trailer commit, and the gate is overridden for code no approver saw.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import GIT_ENV, commit, git

POLICY = (
    "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 1\n"
    "  override_trailer: Preflight-Override\n  override_approvers: [boss@example.com]\n"
)


def approver_commit(repo: Path, name: str, text: str) -> str:
    """A commit by the approver (committer boss@example.com) carrying the override trailer."""
    (repo / name).write_text(text, encoding="utf-8")
    env = {**GIT_ENV, "GIT_COMMITTER_EMAIL": "boss@example.com", "GIT_COMMITTER_NAME": "Boss"}
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(
        ["git", "commit", "-q", "-m", "hotfix\n\nPreflight-Override: emergency"],
        cwd=repo,
        env=env,
        check=True,
    )
    return git(repo, "rev-parse", "HEAD")


def check(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(
        ["check", "--repo", str(repo), "--base", "main", "--head", "f", "--format", "json", "--no-callgraph"]
    )
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_EVENT_PATH", "GITHUB_BASE_REF", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    commit(git_repo, {"app.py": "def f():\n    return 1\n", ".preflight.yml": POLICY}, "base")
    return git_repo


def test_merging_an_approvers_commit_from_another_branch_does_not_override(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "checkout", "-q", "-b", "hotfix")
    approver_commit(repo, "other.py", "X = 1\n")  # approved some other change, never merged to main
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "f")
    commit(repo, {"app.py": "def f():\n    return 10\n"}, "edit f")
    assert check(repo, capsys)[0] == 1
    git(repo, "merge", "-q", "--no-edit", "hotfix")  # the author's merge commit brings the trailer in
    code, doc = check(repo, capsys)
    assert doc["decision"]["override"] is None, doc["decision"]  # type: ignore[index]
    assert code == 1


def test_commits_pushed_after_the_approvers_trailer_are_not_overridden(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "checkout", "-q", "-b", "f")
    approver_commit(repo, "other.py", "X = 1\n")  # the approver okays what the branch held then
    commit(repo, {"app.py": "def f():\n    return 10\n"}, "the real change, after the approval")
    code, doc = check(repo, capsys)
    assert doc["decision"]["override"] is None, doc["decision"]  # type: ignore[index]
    assert code == 1


def test_an_approvers_trailer_at_the_head_still_overrides(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repo, "checkout", "-q", "-b", "f")
    commit(repo, {"app.py": "def f():\n    return 10\n"}, "edit f")
    approver_commit(repo, "other.py", "X = 1\n")
    code, doc = check(repo, capsys)
    assert code == 0 and "boss@example.com" in doc["decision"]["override"]  # type: ignore[index]
