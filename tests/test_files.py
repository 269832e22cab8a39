"""Atomic writes: nothing half-written, and the permissions the user's umask gives (not tempfile's 0600)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.files import write_atomic
from preflight.runtime import snapshot


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_written_file_is_readable_by_others_under_umask_022(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "reports" / "report.md"
    write_atomic(target, "# report\n")
    assert target.read_text(encoding="utf-8") == "# report\n"
    assert mode(target) == 0o644
    write_atomic(target, "executable\n", 0o755)
    assert mode(target) == 0o755


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    write_atomic(target, "good\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "bad \ud800\n")  # a lone surrogate cannot be encoded
    assert target.read_text(encoding="utf-8") == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_snapshot_directory_gets_the_umask_mode(tmp_path: Path, umask_022: None) -> None:
    out = tmp_path / "snapshot"
    snapshot.write(snapshot.Snapshot({}, {}), out)
    assert mode(out) == 0o755
    assert all(mode(p) == 0o644 for p in out.iterdir())
