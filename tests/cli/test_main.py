"""The entry point: exit codes, errors that say how to fix them, saved tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from preflight import pipeline
from preflight.cli import main
from tests.cli.helpers import run_cli
from tests.conftest import GIT_ENV, commit, git


def test_not_a_repository_is_exit_2(tmp_path: Path) -> None:
    done = run_cli("changes", "--repo", str(tmp_path))
    assert done.returncode == 2
    assert (
        done.stderr
        == f"preflight: error: {tmp_path}: not a git repository; run preflight inside a checkout or pass --repo\n"
    )


def test_unknown_ref_is_exit_2(two_commits: tuple[Path, str, str]) -> None:
    repo, _, _ = two_commits
    done = run_cli("check", "--repo", str(repo), "--base", "no-such-branch")
    assert done.returncode == 2
    assert "unknown --base ref 'no-such-branch'" in done.stderr
    assert done.stdout == ""


def test_shallow_clone_is_exit_2_with_the_fix(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    for i in range(3):
        commit(upstream, {"a.py": f"X = {i}\n"})
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, {"b.py": "def f():\n    return 1\n"})
    commit(upstream, {"b.py": "def f():\n    return 2\n"})
    git(upstream, "checkout", "-q", "main")
    commit(upstream, {"a.py": "X = 9\n"})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{upstream}", str(clone))
    done = run_cli("changes", "--base", "origin/main", "--head", "origin/feature", cwd=clone)
    assert done.returncode == 2
    assert "fetch-depth: 0" in done.stderr and "--deepen" in done.stderr


def test_internal_error_is_exit_3_with_saved_traceback(
    two_commits: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline, "check", broken)  # stands in for any bug below the CLI
    assert main(["check", "--repo", str(repo), "--base", base]) == 3
    err = capsys.readouterr().err
    saved = re.search(r"saved in (\S+);", err)
    assert saved is not None, err
    path = Path(saved.group(1))
    assert "ZeroDivisionError: a bug" in path.read_text(encoding="utf-8")
    path.unlink()


def test_interrupt_is_exit_130(
    two_commits: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, base, _ = two_commits

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "check", interrupted)
    assert main(["check", "--repo", str(repo), "--base", base]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "preflight"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=GIT_ENV)
    assert done.returncode == 0 and "changes" in done.stdout
