"""`preflight check --github` end to end: a real repository, the fake GitHub, the exit code unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import commit
from tests.sinks.conftest import APP_TOKEN, FORK_TOKEN
from tests.sinks.server import State

CODE = "def f():\n    return 1\n\n\ndef g():\n    return 2\n"
CHANGED = "def f():\n    return 10\n\n\ndef g():\n    return 2\n"


@pytest.fixture
def pull_request(
    git_repo: Path, tmp_path: Path, fake_github: tuple[State, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, State]:
    """A repository with a one-function change, and the environment of a pull_request run."""
    state, url = fake_github
    base = commit(git_repo, {"app/core.py": CODE})
    head = commit(git_repo, {"app/core.py": CHANGED})
    event = tmp_path / "event.json"
    pull = {"number": 7, "base": {"sha": base}, "head": {"sha": head}, "labels": []}
    event.write_text(json.dumps({"pull_request": pull}), encoding="utf-8")
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_API_URL": url,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": head,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_TOKEN": APP_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    return git_repo, state


def outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "output").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_check_github_comments_and_keeps_the_gates_exit_code(
    pull_request: tuple[Path, State], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, state = pull_request
    report = tmp_path / "out" / "report.md"
    args = ["check", "--github", "--repo", str(repo), "--output", str(report), "--no-callgraph"]
    assert main([*args, "--fail-above", "0"]) == 1  # the gate fails as it would without --github
    captured = capsys.readouterr()
    assert captured.out.startswith("::error file=app/core.py,line=1,endLine=2,title=preflight%3A modified")
    assert "created the pull request comment" in captured.err
    body = report.read_text(encoding="utf-8")
    assert [c["body"] for c in state.comments[7]] == [body]
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == body
    values = outputs(tmp_path)
    assert values["report"] == str(report) and values["decision"] == "fail" and values["passed"] == "false"
    assert int(values["score"]) > 0 and values["level"] in ("low", "medium", "high", "critical")

    assert main([*args, "--check-run", "--mode", "advisory"]) == 0  # advisory: never fails
    assert "updated the pull request comment" in capsys.readouterr().err or len(state.comments[7]) == 1
    assert len(state.comments[7]) == 1
    (run,) = state.check_runs.values()
    assert run["conclusion"] in ("success", "neutral") and len(run["annotations"]) == 1
    for _, _, auth in state.requests:
        assert auth == f"Bearer {APP_TOKEN}"


def test_a_read_only_token_never_fails_the_job(
    pull_request: tuple[Path, State],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, state = pull_request
    monkeypatch.setenv("GITHUB_TOKEN", FORK_TOKEN)
    code = main(
        ["check", "--github", "--repo", str(repo), "--output", str(tmp_path / "r.md"), "--no-callgraph"]
    )
    captured = capsys.readouterr()
    assert code == 0 and 7 not in state.comments
    assert "read-only token, as GitHub gives to pull requests from forks" in captured.err
    assert FORK_TOKEN not in captured.out + captured.err
    assert outputs(tmp_path)["passed"] == "true"


def test_config_is_read_at_the_base_revision(
    pull_request: tuple[Path, State], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = pull_request
    args = ["check", "--repo", str(repo), "--format", "json", "--no-callgraph", "--config", "ci/gate.yml"]
    assert main(args) == 2
    assert "--config ci/gate.yml: not in the base revision" in capsys.readouterr().err
    policy = tmp_path / "policy.yml"
    policy.write_text("gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 0\n", encoding="utf-8")
    assert main([*args[:-1], str(policy)]) == 1  # an absolute path outside the change is read as is
    assert json.loads(capsys.readouterr().out)["decision"]["mode"] == "blocking"
    assert main([*args[:-1], str(policy), "--mode", "advisory"]) == 0
