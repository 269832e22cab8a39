"""`preflight backtest` on a real history: text and JSON, the coefficients file, the plot, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from preflight.cli import main
from tests.history.test_backtest import buggy_history


def test_backtest_json_fit_and_plot(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buggy_history(git_repo, rounds=56)  # enough evidence to fit: 100 training commits, 20+ bug-inducing
    plot = tmp_path / "caught.svg"
    saved_at = tmp_path / "coefficients.json"
    args = ["--fit", "--output", str(saved_at), "--plot", str(plot), "--format", "json"]
    assert main(["backtest", "--repo", str(git_repo), *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["schema_version"], doc["labels"], doc["commits"], doc["trained"], doc["evaluated"]) == (
        3,
        "szz",
        168,
        100,
        68,
    )
    assert (doc["eligible"], doc["fitted"]) == (168, True)
    names = [s["name"] for s in doc["scores"]]
    assert names == [
        "model",
        "fitted, not recalibrated",
        "default coefficients",
        "Kamei logistic regression",
        "production lines added",
        "lines added",
    ]
    assert [k["k"] for k in doc["scores"][0]["recall_at"]] == [10, 25, 50]
    assert doc["scores"][0]["lift_at_10"] > 1 and 0 <= doc["scores"][0]["effort_recall_at_20"] <= 1
    assert {(d["score"], d["baseline"]) for d in doc["differences"]} >= {("model", "production lines added")}
    assert [c["gated"] for c in doc["scores"][0]["caught"]] == [0.05, 0.1, 0.2]
    calibration = doc["scores"][0]["calibration"]
    assert set(calibration) == {"mean_predicted", "observed", "slope", "ece", "deciles"}
    assert sum(d["changes"] for d in calibration["deciles"]) == 68
    assert doc["scores"][-1]["calibration"] is None
    assert Path(doc["coefficients_file"]) == saved_at
    saved = json.loads(saved_at.read_text())
    assert saved["base_rate"] == doc["base_rate"] and 0 < doc["base_rate"] < 1
    assert ET.parse(plot).getroot().tag.endswith("svg")


def test_backtest_text(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buggy_history(git_repo)
    assert main(["backtest", "--repo", str(git_repo), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("36 commits (11 bug-inducing by szz)")
    assert "36 add production lines (non-test .py): only those are scored" in out
    assert "    lift at 10% " in out
    assert "  lines added: ROC-AUC 0.980" in out  # the big root commit is never blamed
    assert "    calibration: mean predicted " in out


def test_backtest_bad_input(git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--repo", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err
    buggy_history(git_repo)
    assert main(["backtest", "--repo", str(git_repo), "--incidents", str(tmp_path / "none.csv")]) == 2
    assert "--incidents" in capsys.readouterr().err


def test_fit_writes_only_where_output_says(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buggy_history(git_repo, rounds=56)
    before = _listing(git_repo)
    assert main(["backtest", "--repo", str(git_repo), "--fit", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["coefficients_file"] is None
    assert _listing(git_repo) == before  # nothing written into the repository, .git included
    out = tmp_path / "fitted.json"
    assert main(["backtest", "--repo", str(git_repo), "--fit", "--output", str(out), "--format", "text"]) == 0
    assert f"coefficients written to {out}" in capsys.readouterr().out
    assert json.loads(out.read_text())["version"] >= 2
    assert _listing(git_repo) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fitted.json", "repo"]


def _listing(repo: Path) -> list[tuple[str, int]]:
    """Every file under repo (.git included, where SZZ's commit graph must not go) with its size."""
    return sorted((str(p.relative_to(repo)), p.stat().st_size) for p in repo.rglob("*") if p.is_file())


def test_output_needs_fit(git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buggy_history(git_repo, rounds=4)
    assert main(["backtest", "--repo", str(git_repo), "--output", str(tmp_path / "c.json")]) == 2
    assert "--fit" in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()


def test_an_unreadable_blob_is_reported_not_fatal(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import git
    from tests.history.conftest import commit_at

    buggy_history(git_repo, rounds=4)
    commit_at(git_repo, {"media/intro.mp4": "not really a video\n"}, "add the video", day=40)
    blob = git(git_repo, "rev-parse", "HEAD:media/intro.mp4")
    (git_repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    assert main(["backtest", "--repo", str(git_repo), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("13 commits (")
    assert "1 path(s) left out: git cannot read some of their blobs (media/intro.mp4)" in out
    assert main(["backtest", "--repo", str(git_repo), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["commits"], doc["unreadable_paths"], doc["failed_blames"]) == (13, ["media/intro.mp4"], 0)


def test_too_little_evidence_writes_nothing(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buggy_history(git_repo)
    out = tmp_path / "fitted.json"
    assert main(["backtest", "--repo", str(git_repo), "--fit", "--output", str(out), "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert "not fitted, the defaults kept: default: too little evidence to fit (21 commits" in text
    assert not out.exists()
