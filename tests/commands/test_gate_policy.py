"""`check` with a gate policy from the base revision's `.preflight.yml`: a change cannot loosen it,
an override label or trailer passes a failing gate and is recorded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import commit

STRICT = "gate:\n  mode: blocking\n  warn_above: 1\n  fail_above: 2\n"  # any behavioural change fails
CODE = "def f():\n    return 1\n"
CHANGED = "def f():\n    return 10\n"


def check(repo: Path, base: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["check", "--repo", str(repo), "--base", base, "--format", "json", "--no-callgraph"])
    return code, json.loads(capsys.readouterr().out)["decision"]


def test_the_base_policy_blocks_and_the_change_cannot_loosen_it(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(git_repo, {".preflight.yml": STRICT, "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED, ".preflight.yml": "gate:\n  mode: advisory\n"}, "loosen the gate")
    code, decision = check(git_repo, base, capsys)
    assert code == 1
    assert decision["verdict"] == "fail" and decision["mode"] == "blocking" and decision["threshold"] == 2
    assert re.fullmatch(r"score \d+ is above the fail threshold 2", str(decision["reason"]))
    assert "no runtime data for the changed functions: judged by the score alone" in decision["notes"]  # type: ignore[operator]


def test_a_commit_trailer_overrides_and_is_recorded(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    # trailers are off unless the base's policy names who may commit one
    policy = STRICT + "  override_trailer: Preflight-Override\n  override_approvers: [author@example.com]\n"
    base = commit(git_repo, {".preflight.yml": policy, "app.py": CODE})
    head = commit(
        git_repo, {"app.py": CHANGED}, "hotfix\n\nPreflight-Override: incident 42, rollback ready\n"
    )
    code, decision = check(git_repo, base, capsys)
    assert code == 0 and decision["verdict"] == "warn" and decision["passed"] is True
    assert decision["override"] == (
        f"the commit trailer Preflight-Override: 'incident 42, rollback ready' in {head[:12]}, "
        "committed by author@example.com"
    )


def test_a_pull_request_label_overrides(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = commit(git_repo, {".preflight.yml": STRICT + "  override_label: risk-accepted\n", "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"labels": [{"name": "bug"}, {"name": "risk-accepted"}]}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    code, decision = check(git_repo, base, capsys)
    assert code == 0 and decision["override"] == "the pull request label 'risk-accepted'"
    event.write_text(json.dumps({"pull_request": {"labels": [{"name": "preflight-override"}]}}))
    assert check(git_repo, base, capsys)[0] == 1  # only the base policy's label counts


def test_missing_runtime_data_fails_closed_when_the_policy_says_so(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    policy = "gate:\n  mode: blocking\n  missing_runtime: closed\n"
    base = commit(git_repo, {".preflight.yml": policy, "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED})
    code, decision = check(git_repo, base, capsys)
    assert code == 1 and "the gate fails without it" in str(decision["reason"])
