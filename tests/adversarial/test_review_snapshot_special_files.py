"""Review of issue 17 items 5 and 9: a snapshot file that is a symlink to a device hangs check.

exposure/prepared.identity (the prepared-cache key, computed before snapshot.read validates
anything) opens meta.json and every table with a plain open() and reads to EOF, following
symlinks. `slos.parquet -> /dev/zero` (a symlink git can store, so a snapshot committed under
runtime.snapshot is enough) makes `preflight check` and the pre-push hook read forever; a FIFO
blocks open(). integrity.table_file would refuse both ("not a file"), but is never reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, commit, git

SHOP_SNAPSHOT = Path(__file__).resolve().parents[2] / "examples" / "shop" / "snapshot"


@pytest.mark.parametrize(("name", "device"), [("slos.parquet", "/dev/zero"), ("meta.json", "fifo")])
def test_a_snapshot_file_linked_to_a_device_is_exit_2_not_a_hang(
    git_repo: Path, tmp_path: Path, name: str, device: str
) -> None:
    commit(git_repo, {"app.py": "def f():\n    return 1\n"})
    git(git_repo, "checkout", "-q", "-b", "f")
    commit(git_repo, {"app.py": "def f():\n    return 2\n"})
    snap = tmp_path / "snapshot"
    shutil.copytree(SHOP_SNAPSHOT, snap)
    (snap / name).unlink()
    if device == "fifo":
        os.mkfifo(snap / name)
    else:
        os.symlink(device, snap / name)
    environ = {**os.environ, **GIT_ENV}
    for variable in ("GITHUB_ACTIONS", "GITHUB_EVENT_PATH", "GITHUB_BASE_REF"):
        environ.pop(variable, None)
    args = ["check", "--base", "main", "--head", "f", "--no-callgraph", "--snapshot", str(snap)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "preflight", *args],
            cwd=git_repo,
            capture_output=True,
            env=environ,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"check read {name} -> {device} for 20 s without ending")
    assert done.returncode == 2, done.stderr[-2000:]
    assert name.encode() in done.stderr
