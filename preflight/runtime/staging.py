"""Staging directories of snapshot writes: named so that a killed run's leftovers are recognised.

`collect` writes a snapshot into a sibling directory and renames it into place (snapshot.write);
a run killed in between leaves that sibling behind, next to the user's files. Its name says whose
it is: `.<snapshot>.preflight-staging-<pid>-<random>` (or `-retired-` for the old snapshot being
swapped out). The next write removes such a directory once the process that made it is gone, or
when it is a day old (a pid from another machine, or reused); nothing else is ever touched.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

KINDS = ("staging", "retired")
ABANDONED_AFTER = 24 * 3600.0
"""Seconds after which a staging directory is abandoned even if its pid seems alive."""


def create_staging(directory: Path, kind: str) -> Path:
    """A new, empty staging directory next to directory (mode 0700, as mkdtemp makes it)."""
    prefix = f".{directory.name}.preflight-{kind}-{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=directory.parent))


def clean_abandoned(directory: Path, now: float | None = None) -> tuple[Path, ...]:
    """Remove the staging directories that killed writes of directory left; return them."""
    pattern = re.compile(rf"\.{re.escape(directory.name)}\.preflight-(?:{'|'.join(KINDS)})-(\d+)-\w{{8}}")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(directory.parent))
    except OSError:
        return ()
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _alive(int(found.group(1))) and age < ABANDONED_AFTER:
            continue  # a concurrent write of the same snapshot, still at work
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return tuple(removed)


def _alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (unknown counts as alive)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # no cheap check: the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True
