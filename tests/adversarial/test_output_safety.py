"""Issue 17 items 6, 7 and 9: host and output safety.

Each test reproduced its defect on the code before the fix, with real git repositories,
real FIFOs, symlinks and directories made under tmp_path (never the machine's /dev/null:
the tests run as root, and before the fix they would have replaced it).
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import commit


@pytest.fixture
def change(git_repo: Path) -> tuple[Path, str]:
    """A repository whose HEAD edits one function; returns (repo, base sha)."""
    base = commit(git_repo, {"app/core.py": "def f():\n    return 1\n"})
    commit(git_repo, {"app/core.py": "def f():\n    return 10\n"})
    return git_repo, base


# Item 6: --output never replaces what is not a regular file.


def test_check_output_to_a_fifo_writes_through_it(
    change: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = change
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[str] = []

    def read() -> None:
        with fifo.open(encoding="utf-8") as handle:
            got.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    args = ["check", "--repo", str(repo), "--base", base, "--no-callgraph", "--format", "text"]
    assert main([*args, "--output", str(fifo)]) == 0
    reader.join(timeout=30)
    assert got and "app.core.f" in got[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_check_output_dash_is_stdout_not_a_file_named_dash(
    change: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, base = change
    monkeypatch.chdir(tmp_path)
    args = ["check", "--repo", str(repo), "--base", base, "--no-callgraph", "--format", "text"]
    assert main([*args, "--output", "-"]) == 0
    assert "app.core.f" in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_report_output_dash_is_stdout(
    change: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, base = change
    monkeypatch.chdir(tmp_path)
    args = ["report", f"{base}..HEAD", "--repo", str(repo), "--no-callgraph", "--format", "json"]
    assert main([*args, "--output", "-"]) == 0
    assert '"schema_version"' in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_check_output_to_a_dangling_symlink_is_exit_2_and_keeps_the_link(
    change: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base = change
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "missing" / "report.md")
    assert main(["check", "--repo", str(repo), "--base", base, "--no-callgraph", "--output", str(link)]) == 2
    err = capsys.readouterr().err
    assert f"{link}: a symlink to" in err and "does not exist" in err
    assert link.is_symlink()


def test_backtest_plot_dash_is_refused(
    change: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _ = change
    monkeypatch.chdir(tmp_path)
    assert main(["backtest", "--repo", str(repo), "--plot", "-"]) == 2
    assert "--plot" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()
