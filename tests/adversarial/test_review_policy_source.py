"""Review of issue 17 item 1: two ways a change is still judged by a policy other than the
target branch's tip.

- A GitHub `push` event to a feature branch: policy_revision (preflight/commands/check.py)
  falls back to revisions.base_sha, which is the event's `before`, the branch's own previous
  tip. The author pushes a commit that loosens .preflight.yml, then the code: the code is judged
  by the author's policy. (A push run's check on the head commit satisfies a required status
  check of the same name.)
- A pull request run whose workflow passes the action's `base` input (for example
  `${{ github.event.pull_request.base.sha }}`): the range's source is "explicit", so the
  GITHUB_BASE_REF tip is never consulted and a stale base commit's policy judges the change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import commit, git

STRICT = "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 1\n"
LOOSE = "gate:\n  mode: advisory\n"


def check(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["check", "--repo", str(repo), "--format", "json", "--no-callgraph", *args])
    return code, json.loads(capsys.readouterr().out)


def test_a_push_event_does_not_read_the_branchs_own_policy(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(git_repo, {"app.py": "def f():\n    return 1\n", ".preflight.yml": STRICT}, "base")
    git(git_repo, "checkout", "-q", "-b", "f")
    before = commit(git_repo, {".preflight.yml": LOOSE}, "first push: loosen the gate")
    commit(git_repo, {"app.py": "def f():\n    return 10\n"}, "second push: the code")
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/f", "before": before}))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    code, doc = check(git_repo, capsys)
    assert doc["decision"]["mode"] == "blocking", doc["decision"]  # type: ignore[index]
    assert code == 1


def test_an_explicit_stale_base_in_a_pull_request_run_reads_the_target_tip(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = commit(git_repo, {"app.py": "def f():\n    return 1\n"}, "old")
    commit(git_repo, {".preflight.yml": STRICT}, "tighten the gate")
    git(git_repo, "checkout", "-q", "-b", "f", old)
    commit(git_repo, {"app.py": "def f():\n    return 10\n"}, "edit")
    event = tmp_path / "pr.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": old, "ref": "main"}, "labels": []}}))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    # the action's `base:` input set to the event's (stale) base commit
    code, doc = check(git_repo, capsys, "--base", old, "--head", "f")
    assert doc["decision"]["threshold"] == 1, doc["decision"]  # type: ignore[index]
    assert code == 1
