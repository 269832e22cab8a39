from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from preflight.errors import InputError
from preflight.history.backtest import backtest
from preflight.history.coefficients import load
from tests.history.conftest import commit_at


def buggy_history(repo: Path, rounds: int = 12) -> dict[str, list[str]]:
    """Big commits whose lines a later fix changes, small commits nobody fixes, and the fixes."""
    shas: dict[str, list[str]] = {"big": [], "small": [], "fix": []}
    for i in range(rounds):
        body = "".join(f"value_{i}_{n} = {n}\n" for n in range(30))
        shas["big"].append(commit_at(repo, {f"mod{i}.py": body}, f"add module {i}", day=3 * i))
        shas["small"].append(commit_at(repo, {f"note{i}.py": "x = 1\n"}, f"add note {i}", day=3 * i + 1))
        fixed = body.replace(f"value_{i}_5 = 5", f"value_{i}_5 = 6")
        shas["fix"].append(commit_at(repo, {f"mod{i}.py": fixed}, f"Fix value in module {i}", day=3 * i + 2))
    return shas


def test_fit_on_the_past_and_evaluate_on_the_future(git_repo: Path, tmp_path: Path) -> None:
    shas = buggy_history(git_repo, rounds=40)
    seen: list[tuple[str, int, int]] = []
    out = tmp_path / "coefficients.json"
    result = backtest(
        git_repo,
        fit=True,
        progress=lambda stage, done, total: seen.append((stage, done, total)),
        save_coefficients=out,
        resamples=50,
        min_evidence=(50, 10),
    )
    assert (result.labels, result.commits, result.eligible, result.trained, result.evaluated) == (
        "szz",
        120,
        120,  # every commit adds production lines
        72,
        48,
    )
    assert (result.positives, result.fixes, result.fitted) == (39, 40, True)  # the root is never blamed
    names = [name for name, _ in result.metrics]
    assert names == [
        "model",
        "fitted, not recalibrated",
        "default coefficients",
        "Kamei logistic regression",
        "production lines added",
        "lines added",
    ]
    by_name = dict(result.metrics)
    assert by_name["lines added"].auc == 1.0
    assert by_name["model"].auc > 0.9
    assert by_name["model"].auc == by_name["fitted, not recalibrated"].auc  # Platt keeps the ranking
    assert by_name["model"].positives == 16
    assert by_name["lines added"].calibration is None
    assert by_name["production lines added"].effort_recall is not None
    calibration = by_name["model"].calibration
    assert calibration is not None and calibration.observed == 16 / 48
    assert sum(n for n, _, _ in calibration.deciles) == 48
    assert [(a, b) for a, b, _ in result.differences] == [
        ("model", "production lines added"),
        ("model", "Kamei logistic regression"),
        ("default coefficients", "production lines added"),
        ("default coefficients", "Kamei logistic regression"),
    ]
    assert result.coefficients.source.startswith(
        "fitted on 57 commits of repo toward the defaults (strength "
    )
    assert result.coefficients.source.endswith(", chosen on the next 15), recalibrated on those")
    assert 0 < result.coefficients.base_rate < 1
    assert load(out) == result.coefficients
    assert {"szz", "metrics"} <= {stage for stage, _, _ in seen}
    assert ("features", 120, 120) in seen  # every commit streamed, with the total known
    assert result.commits_per_second > 0
    ET.fromstring(result.svg())
    assert shas["big"][0] != shas["fix"][0]


def test_too_little_evidence_keeps_the_defaults(git_repo: Path, tmp_path: Path) -> None:
    buggy_history(git_repo)
    commit_at(git_repo, {"README.md": "docs\n"}, "docs only: not scored", day=50)
    out = tmp_path / "coefficients.json"
    result = backtest(git_repo, fit=True, save_coefficients=out, resamples=20)
    assert (result.commits, result.eligible, result.fitted) == (37, 36, False)
    assert result.coefficients.source == (
        "default: too little evidence to fit (22 commits touching production code, 6 bug-inducing in the"
        " training period; --fit needs 100 and 20)"
    )
    assert [name for name, _ in result.metrics][:3] == [
        "model",
        "default coefficients",
        "Kamei logistic regression",
    ]
    assert not out.exists()


def test_incident_labels_without_fit(git_repo: Path, tmp_path: Path) -> None:
    shas = buggy_history(git_repo, rounds=4)
    incidents = tmp_path / "incidents.csv"
    incidents.write_text(f"incident,commit\nINC-1,{shas['big'][1]}\nINC-2,{'f' * 40}\n", encoding="utf-8")
    result = backtest(git_repo, incidents_file=incidents, resamples=20)
    assert (result.labels, result.positives, result.evaluated, result.unmatched_incidents) == (
        "incidents",
        1,
        12,
        1,
    )
    assert result.coefficients.source == "default"


def test_too_little_history(git_repo: Path) -> None:
    commit_at(git_repo, {"a.py": "a\n"}, "one")
    with pytest.raises(InputError, match="only 1 non-merge commits"):
        backtest(git_repo)
