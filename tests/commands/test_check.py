"""`preflight check`: the gate's exit code, the calls file, the output file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from preflight.cli import main
from tests.cli.helpers import run_cli


def test_check_passes_under_threshold_and_fails_above(
    two_commits: tuple[Path, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits
    assert main(["check", "--repo", str(repo), "--base", base, "--fail-above", "90"]) == 0
    assert "preflight:report" in capsys.readouterr().out
    assert main(["check", "--repo", str(repo), "--base", base, "--fail-above", "0", "--format", "text"]) == 1
    assert re.match(r"FAIL  risk \d+/100 \(low, confidence low\)", capsys.readouterr().out)


def test_check_joins_calls_file(
    two_commits: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits
    calls = tmp_path / "calls.csv"
    calls.write_text("qualname,calls_per_min\napp.core.f,60000\n", encoding="utf-8")
    assert (
        main(["check", "--repo", str(repo), "--base", base, "--calls", str(calls), "--format", "json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["functions"][0]["calls_per_min"] == 60000
    assert doc["risk"]["confidence"] == "medium"  # two commits of history are too few to trust
    assert "only 1 commit of history before the change (confidence at most medium)" in doc["risk"]["unknowns"]
    assert [f["name"] for f in doc["risk"]["factors"]] == ["defect likelihood", "traffic"]
    assert doc["risk"]["score"] == round(sum(f["points"] for f in doc["risk"]["factors"]))


def test_bad_calls_file_is_exit_2_and_keeps_the_old_report(
    two_commits: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, base, _ = two_commits
    report = tmp_path / "report.md"
    report.write_text("previous good report\n", encoding="utf-8")
    calls = tmp_path / "calls.csv"
    calls.write_text("qualname,calls_per_min\napp.core.f,lots\n", encoding="utf-8")
    done = run_cli(
        "check", "--repo", str(repo), "--base", base, "--calls", str(calls), "--output", str(report)
    )
    assert done.returncode == 2
    assert f"{calls}:2: calls_per_min 'lots' is not a number" in done.stderr
    assert report.read_text(encoding="utf-8") == "previous good report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_output_file_is_written(two_commits: tuple[Path, str, str], tmp_path: Path) -> None:
    repo, base, _ = two_commits
    report = tmp_path / "out" / "report.json"
    done = run_cli("check", "--repo", str(repo), "--base", base, "--format", "json", "--output", str(report))
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(report.read_text(encoding="utf-8"))["functions"][0]["qualname"] == "app.core.f"
