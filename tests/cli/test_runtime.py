"""preflight/cli/runtime.py: the collect, context and simulate commands' options and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.cli import main


@pytest.mark.parametrize("command", ["collect", "context", "simulate"])
def test_each_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"Usage: preflight {command} ")


def test_collect_without_sources_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collect", "--output", str(tmp_path / "snap")]) == 2
    assert not (tmp_path / "snap").exists()  # nothing half-written


def test_simulate_needs_a_snapshot_or_a_graph(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--inject", "cart:error=0.1"]) == 2
    assert capsys.readouterr().err.startswith(("Usage:", "preflight: error:"))
