"""`check` scores the change with the history model: coefficients from the base revision's
`.preflight/coefficients.json` (a change cannot refit its own model), else the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.cli import main
from preflight.history.features import FEATURES
from tests.conftest import commit

CODE = "def f():\n    return 1\n"


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
