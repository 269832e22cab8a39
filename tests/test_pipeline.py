"""preflight.pipeline: the policy revision, the settings read there, the gate override and the
change likelihood, directly and through `check`.

`check` with a gate policy from the base revision's `.preflight.yml`: a change cannot loosen it,
an override label or trailer passes a failing gate and is recorded. `check` scores the change with
the history model: coefficients from the base revision's `.preflight/coefficients.json` (a change
cannot refit its own model), else the defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.errors import InputError
from preflight.event import Event
from preflight.history.features import FEATURES
from preflight.models import RevisionRange
from preflight.pipeline import gate_override, load_settings, policy_revision
from preflight.repository import Repository
from tests.conftest import commit, git

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


def coefficients(lines_added: float, intercept: float, source: str) -> str:
    weights = dict.fromkeys(FEATURES, 0.0)
    weights["lines_added"] = lines_added
    return json.dumps(
        {"version": 2, "source": source, "base_rate": 0.2, "intercept": intercept, "coefficients": weights}
    )


def likelihood(repo: Path, base: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["check", "--repo", str(repo), "--base", base, "--format", "json", "--no-callgraph"]) == 0
    risk = json.loads(capsys.readouterr().out)["risk"]
    assert risk["factors"][0]["name"] == "defect likelihood"
    found: dict[str, object] = risk["likelihood"]
    return found


def test_the_base_revisions_fitted_coefficients_are_used_not_the_changes(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(
        git_repo, {"app.py": CODE, ".preflight/coefficients.json": coefficients(1.0, -2.0, "fitted")}
    )
    body = "".join(f"    x{i} = {i}\n" for i in range(19))
    commit(
        git_repo,
        {
            "app.py": "def f():\n" + body + "    return 1\n",
            ".preflight/coefficients.json": coefficients(-5.0, -9.0, "mine"),
        },
    )
    found = likelihood(git_repo, base, capsys)
    # 20 lines added (19 in app.py, 1 in the one-line JSON): p = 21 / (21 + e^2) = 0.7397
    assert found["probability"] == pytest.approx(0.7397, abs=1e-4)
    assert found["base_rate"] == 0.2
    assert found["source"] == "fitted"
    assert found["history_commits"] == 1
    assert found["drivers"] == [
        {"feature": "lines_added", "value": 20.0, "log_odds": pytest.approx(3.0445, abs=1e-4)}
    ]


def test_without_a_coefficients_file_the_defaults_are_used(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(git_repo, {"app.py": CODE})
    commit(git_repo, {"app.py": CODE.replace("1", "2")})
    found = likelihood(git_repo, base, capsys)
    assert found["source"] == "default" and 0 < found["probability"] < 1  # type: ignore[operator]


def test_a_broken_coefficients_file_at_the_base_is_an_input_error(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(git_repo, {"app.py": CODE, ".preflight/coefficients.json": "{not json"})
    commit(git_repo, {"app.py": CODE.replace("1", "2")})
    assert main(["check", "--repo", str(git_repo), "--base", base, "--no-callgraph"]) == 2
    err = capsys.readouterr().err
    assert f"{base[:12]}:.preflight/coefficients.json" in err and "backtest --fit" in err


def revisions(base_sha: str | None, head_sha: str, source: str = "explicit") -> RevisionRange:
    return RevisionRange(base_sha or "", head_sha, base_sha, head_sha, base_sha, source)


def test_the_policy_is_read_at_the_target_branch_tip_never_the_change(git_repo: Path) -> None:
    old = commit(git_repo, {".preflight.yml": "gate:\n  mode: advisory\n"})
    git(git_repo, "checkout", "-q", "-b", "feat")
    head = commit(git_repo, {"app.py": CODE})
    git(git_repo, "checkout", "-q", "main")
    tightened = commit(git_repo, {".preflight.yml": STRICT})
    repo = Repository(git_repo)
    # a pull request whose base is behind the target branch: the branch's tip judges it
    assert policy_revision(repo, revisions(old, head), {"GITHUB_BASE_REF": "main"}) == tightened
    # a push: the default branch's tip, unless it holds the change (then the base named)
    assert policy_revision(repo, revisions(old, head, "pre-push"), {}) == tightened
    assert policy_revision(repo, revisions(old, tightened, "pre-push"), {}) == old
    assert policy_revision(repo, revisions(old, head), {}) == old  # --base: the base named
    settings = load_settings(repo, tightened, None, None)
    assert settings.gate.mode == "blocking" and load_settings(repo, old, None, None).gate.mode == "advisory"
    assert load_settings(repo, tightened, ".preflight.yml", "advisory").gate.mode == "advisory"  # --mode
    with pytest.raises(InputError, match=r"--config other.yml: not in the base revision"):
        load_settings(repo, tightened, "other.yml", None)


def test_an_override_trailer_counts_only_from_an_approver_in_the_head_commit(git_repo: Path) -> None:
    policy = STRICT + "  override_trailer: Preflight-Override\n  override_approvers: [author@example.com]\n"
    base = commit(git_repo, {".preflight.yml": policy, "app.py": CODE})
    approved = commit(git_repo, {"app.py": CHANGED}, "fix\n\nPreflight-Override: rollback ready\n")
    stacked = commit(git_repo, {"app.py": CODE}, "more")
    repo = Repository(git_repo)
    gate = load_settings(repo, base, None, None).gate
    find = gate_override(repo, gate, Event())
    assert find(revisions(base, approved)) == (
        f"the commit trailer Preflight-Override: 'rollback ready' in {approved[:12]}, "
        "committed by author@example.com"
    )
    assert find(revisions(base, stacked)) is None  # a later commit is not approved
    labelled = gate_override(repo, gate, Event(labels=(gate.override_label,)))
    assert labelled(revisions(base, stacked)) == "the pull request label 'preflight-override'"


def test_a_configured_snapshot_not_built_yet_is_missing_runtime_data_not_an_error(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`preflight init` configures runtime.snapshot before any snapshot exists (a job builds it):
    until then the check runs without runtime data and says why; only --snapshot must exist."""
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(git_repo, {".preflight.yml": "runtime:\n  snapshot: .preflight/snapshot\n", "app.py": CODE})
    commit(git_repo, {"app.py": CHANGED})
    assert main(["check", "--repo", str(git_repo), "--base", base, "--format", "json", "--no-callgraph"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runtime_source"] is None
    said = " ".join(report["risk"]["unknowns"])
    assert "the snapshot .preflight/snapshot (runtime.snapshot in .preflight.yml) does not exist here" in said
    assert "preflight collect" in said

    missing = str(git_repo / "nowhere")
    assert (
        main(["check", "--repo", str(git_repo), "--base", base, "--snapshot", missing, "--no-callgraph"]) == 2
    )
    assert "not a preflight snapshot" in capsys.readouterr().err
