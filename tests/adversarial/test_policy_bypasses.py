"""Issue 17 items 1 and 3: a pull request cannot be judged by an older policy than its target
branch's, and cannot approve itself with a commit trailer."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from preflight.cli import main
from tests.conftest import GIT_ENV, commit, git

STRICT = "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 1\n"
CODE = "def f():\n    return 1\n"
CHANGED = "def f():\n    return 10\n"


def check(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--repo", str(repo), "--format", "json", "--no-callgraph", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def late_policy(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    """main: OLD, then the blocking policy; branch f started at OLD with an edit of f."""
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    old = commit(git_repo, {"app.py": CODE, "README.md": "app\n"})
    tip = commit(git_repo, {".preflight.yml": STRICT}, "gate: blocking")
    git(git_repo, "checkout", "-q", "-b", "f", old)
    commit(git_repo, {"app.py": CHANGED}, "edit f")
    return git_repo, old, tip


def test_a_branch_started_before_the_policy_is_judged_by_the_target_branch(
    late_policy: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _, tip = late_policy
    code, doc = check(repo, capsys, "--base", "main", "--head", "f")
    assert code == 1 and doc["decision"]["verdict"] == "fail"  # was exit 0: read at the merge base OLD
    assert doc["merge_base"] != tip  # the diff still runs from the merge base


def test_through_a_pull_request_event_too(
    late_policy: tuple[Path, str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, old, tip = late_policy
    event = tmp_path / "event.json"
    # an event whose base commit is stale (the policy landed on main since): GITHUB_BASE_REF's tip wins
    event.write_text(json.dumps({"pull_request": {"base": {"sha": old}, "labels": []}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    code, doc = check(repo, capsys, "--head", "f")
    assert code == 1 and doc["decision"]["threshold"] == 1
    event.write_text(json.dumps({"pull_request": {"base": {"sha": tip}, "labels": []}}))
    monkeypatch.delenv("GITHUB_BASE_REF")
    assert check(repo, capsys, "--head", "f")[0] == 1


def test_the_coefficients_come_from_the_target_branch_too(
    late_policy: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _, _ = late_policy
    git(repo, "checkout", "-q", "main")
    fitted = {
        "version": 2,
        "intercept": -1.0,
        "base_rate": 0.2,
        "coefficients": {},
        "source": "fitted at main",
    }
    tip = commit(repo, {".preflight/coefficients.json": json.dumps(fitted)}, "fit")
    git(repo, "checkout", "-q", "f")
    _, doc = check(repo, capsys, "--base", "main", "--head", "f")
    likelihood = doc["risk"]["likelihood"]
    assert likelihood["source"] == "fitted at main" and likelihood["base_rate"] == 0.2, tip


@pytest.mark.parametrize(
    "message",
    [
        "hotfix\n\nPreflight-Override: trust me\n",
        "hotfix\n\npreflight-override: trust me\n",  # any case
        "hotfix\n\nPREFLIGHT-OVERRIDE: trust me\n",
    ],
)
def test_a_trailer_does_not_approve_by_default(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, message: str
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(git_repo, {".preflight.yml": STRICT, "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED}, message)
    code, doc = check(git_repo, capsys, "--base", base)
    assert code == 1 and doc["decision"]["override"] is None


def test_a_trailer_approves_only_when_an_approver_committed_it(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    policy = STRICT + "  override_trailer: Preflight-Override\n  override_approvers: [lead@example.com]\n"
    base = commit(git_repo, {".preflight.yml": policy, "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED}, "hotfix\n\nPreflight-Override: approved by me\n")  # author@
    code, doc = check(git_repo, capsys, "--base", base)
    assert code == 1 and doc["decision"]["override"] is None
    # the same trailer in a commit the approver made (the email compared without case)
    (git_repo / "app.py").write_text(CHANGED + "\n", encoding="utf-8")
    env = {**GIT_ENV, "GIT_COMMITTER_EMAIL": "LEAD@example.com"}
    subprocess.run(
        ["git", "commit", "-qam", "ok\n\nPreflight-Override: incident 7\n"], cwd=git_repo, env=env, check=True
    )
    approved = git(git_repo, "rev-parse", "HEAD")
    code, doc = check(git_repo, capsys, "--base", base)
    assert code == 0 and doc["decision"]["verdict"] == "warn"
    assert doc["decision"]["override"] == (
        f"the commit trailer Preflight-Override: 'incident 7' in {approved[:12]}, committed by LEAD@example.com"
    )


def test_a_trailer_without_approvers_is_a_config_error(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(
        git_repo, {".preflight.yml": STRICT + "  override_trailer: Preflight-Override\n", "app.py": CODE}
    )
    commit(git_repo, {"app.py": CHANGED})
    assert main(["check", "--repo", str(git_repo), "--base", base, "--no-callgraph"]) == 2
    assert "`gate.override_trailer` needs `gate.override_approvers`" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kind", "said"), [("link", "a symbolic link to 'policy.yml'"), ("directory", "a directory")]
)
def test_a_config_that_is_not_a_file_says_what_it_is(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kind: str, said: str
) -> None:
    """Issue 17 item 10: a symlinked .preflight.yml said "top level must be a mapping"."""
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    (git_repo / "policy.yml").write_text(STRICT, encoding="utf-8")
    if kind == "link":
        (git_repo / ".preflight.yml").symlink_to("policy.yml")
    else:
        (git_repo / ".preflight.yml").mkdir()
        (git_repo / ".preflight.yml" / "x").write_text("x\n", encoding="utf-8")
    base = commit(git_repo, {"app.py": CODE})
    commit(git_repo, {"app.py": CHANGED})
    assert main(["check", "--repo", str(git_repo), "--base", base, "--no-callgraph"]) == 2
    assert f".preflight.yml is {said}, not a file: commit the file itself" in capsys.readouterr().err
