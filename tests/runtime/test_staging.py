"""runtime/staging: the staging directories of snapshot writes and the cleanup of abandoned ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from preflight.runtime.staging import ABANDONED_AFTER, clean_abandoned, create_staging


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_staging_is_a_private_sibling_named_after_the_snapshot(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap"
    staging = create_staging(snapshot, "staging")
    assert staging.parent == tmp_path and staging.is_dir() and not any(staging.iterdir())
    assert staging.name.startswith(f".snap.preflight-staging-{os.getpid()}-")
    assert staging.stat().st_mode & 0o777 == 0o700
    assert create_staging(snapshot, "retired").name.startswith(f".snap.preflight-retired-{os.getpid()}-")


def test_a_live_writers_directory_is_kept_until_a_day_old(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap"
    mine = create_staging(snapshot, "staging")
    assert clean_abandoned(snapshot) == ()
    assert mine.is_dir()
    assert clean_abandoned(snapshot, now=mine.stat().st_mtime + ABANDONED_AFTER + 1) == (mine,)
    assert not mine.exists()


def test_a_dead_writers_directory_is_removed(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap"
    left = tmp_path / f".snap.preflight-staging-{dead_pid()}-abcd1234"
    (left / "functions.parquet").parent.mkdir()
    (left / "functions.parquet").write_bytes(b"x")
    assert clean_abandoned(snapshot) == (left,)
    assert not left.exists()


def test_nothing_else_is_touched(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap"
    pid = dead_pid()
    others = [
        tmp_path / f".other.preflight-staging-{pid}-abcd1234",  # another snapshot's
        tmp_path / f".snap.preflight-unknown-{pid}-abcd1234",  # not a known kind
        tmp_path / f".snap.preflight-staging-{pid}-short",  # not the random suffix
        tmp_path / "snap",
    ]
    for path in others:
        path.mkdir()
    a_file = tmp_path / f".snap.preflight-staging-{pid}-abcd1234"
    a_file.write_text("not a directory")
    assert clean_abandoned(snapshot) == ()
    assert all(path.exists() for path in [*others, a_file])


def test_a_missing_parent_removes_nothing(tmp_path: Path) -> None:
    assert clean_abandoned(tmp_path / "absent" / "snap") == ()
