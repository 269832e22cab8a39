"""Review of issue 17 item 7: `preflight collect`'s summary prints telemetry names raw.

commands/collect.py (`  unresolved: {name}`, and the per-source lines) writes the names of
unresolved runtime functions exactly as the telemetry has them: a qualname `x\\n::warning::...`
prints a line starting with `::warning::` (an Actions runner executes it; collect runs in the
scheduled snapshot job) and ESC/BEL reach the terminal. Telemetry names are untrusted (threat
model: "Names from telemetry are never trusted: they are escaped like names from the diff").
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

from preflight.cli import main
from tests.adversarial.inert import raw_controls, workflow_commands
from tests.conftest import commit


def test_collect_summary_escapes_telemetry_names(
    git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(git_repo, {"app.py": "def f():\n    return 1\n"})
    monkeypatch.chdir(git_repo)  # a checkout: collect resolves names and lists the unresolved ones
    table = tmp_path / "calls.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [
                ["service", "qualname", "calls_per_min"],
                ["shop", "app.g\n::warning title=INJECTED::from telemetry\x07", "10"],
                ["shop", "::error::bare\x1b]0;title\x07\u202e", "5"],
            ]
        )
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["collect", str(table), "--output", str(tmp_path / "snapshot")])
    text = stdout.getvalue() + stderr.getvalue()
    assert code == 0, text
    assert "unresolved" in text
    assert workflow_commands(text) == []
    assert raw_controls(text) == []
