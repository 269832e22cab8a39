"""preflight.crash: a bug saves its traceback, asks for a report and exits 3, whatever happens."""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight import __version__
from preflight.crash import report


@pytest.fixture
def crash_dir(tmp_path: Path) -> Iterator[Path]:
    """tempfile writes here while the test runs, not into the shared /tmp."""
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        yield tmp_path
    finally:
        tempfile.tempdir = previous


def _crash(verbose: bool) -> int:
    try:
        raise KeyError("the bug")
    except KeyError:
        return report(verbose)


def test_the_traceback_is_saved_and_named(crash_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _crash(verbose=False) == 3
    (saved,) = crash_dir.glob("preflight-crash-*.txt")
    text = saved.read_text(encoding="utf-8")
    assert text.startswith(f"preflight {__version__}, Python ")
    assert "KeyError: 'the bug'" in text
    err = capsys.readouterr().err
    assert "internal error (a bug)" in err and str(saved) in err
    assert "Traceback" not in err  # only with -v


def test_verbose_shows_the_traceback_too(crash_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _crash(verbose=True) == 3
    err = capsys.readouterr().err
    assert err.index("Traceback") < err.index("KeyError: 'the bug'") < err.index("internal error")


def test_no_temp_dir_still_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path / "missing")
    try:
        assert _crash(verbose=False) == 3
    finally:
        tempfile.tempdir = previous
    err = capsys.readouterr().err
    assert "could not be saved (FileNotFoundError); re-run with -v" in err


def test_a_text_only_or_closed_stderr_still_exits_3(crash_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text_only = io.StringIO()  # no .buffer: the message is written as ASCII with escapes
    monkeypatch.setattr(sys, "stderr", text_only)
    assert _crash(verbose=False) == 3
    assert "internal error" in text_only.getvalue()
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)
    assert _crash(verbose=False) == 3
