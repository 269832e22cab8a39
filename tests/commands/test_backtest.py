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
    buggy_history(git_repo)
    plot = tmp_path / "caught.svg"
    assert main(["backtest", "--repo", str(git_repo), "--fit", "--plot", str(plot), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["schema_version"], doc["labels"], doc["commits"], doc["trained"], doc["evaluated"]) == (
        2,
        "szz",
        36,
        21,
        15,
    )
    names = [s["name"] for s in doc["scores"]]
    assert names == ["model", "fitted, not recalibrated", "default coefficients", "lines added"]
    assert [c["gated"] for c in doc["scores"][0]["caught"]] == [0.05, 0.1, 0.2]
    calibration = doc["scores"][0]["calibration"]
    assert set(calibration) == {"mean_predicted", "observed", "slope", "ece", "deciles"}
    assert sum(d["changes"] for d in calibration["deciles"]) == 15
    assert doc["scores"][-1]["calibration"] is None
    assert Path(doc["coefficients_file"]) == git_repo / ".preflight" / "coefficients.json"
    saved = json.loads((git_repo / ".preflight" / "coefficients.json").read_text())
    assert saved["base_rate"] == doc["base_rate"] and 0 < doc["base_rate"] < 1
    assert ET.parse(plot).getroot().tag.endswith("svg")


def test_backtest_text(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buggy_history(git_repo)
    assert main(["backtest", "--repo", str(git_repo), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("36 commits (12 bug-inducing by szz)")
    assert "  lines added: ROC-AUC 1.000" in out
    assert "    calibration: mean predicted " in out


def test_backtest_bad_input(git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--repo", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err
    buggy_history(git_repo)
    assert main(["backtest", "--repo", str(git_repo), "--incidents", str(tmp_path / "none.csv")]) == 2
    assert "--incidents" in capsys.readouterr().err
