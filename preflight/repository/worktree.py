"""Files of the work tree as git would see them, read without following any link.

A check of uncommitted changes reads the work tree's files, never imports them. The rules are
those the changes stage applies to blobs: a symbolic link is listed, never followed (its target
may be outside the repository, or a device); anything that is not a regular file (a FIFO, a
socket, a device) is never opened for reading, so nothing can block or run forever.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path, PurePosixPath

from preflight import files
from preflight.repository.raw_diff import MODE_SYMLINK

MODE_FILE = "100644"
MODE_EXECUTABLE = "100755"


def inside(root: Path, path: str) -> Path | None:
    """root/path when path is relative, stays inside root and passes through no symbolic link
    (of the file or of a directory above it); None otherwise."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts:
        return None
    top = os.path.realpath(root)
    full = os.path.join(top, *pure.parts)
    # realpath resolves every link on the way: the same string means no link was crossed.
    return Path(full) if os.path.realpath(full) == full else None


def read_regular(root: Path, path: str) -> bytes | None:
    """The bytes of the regular file root/path; None when it is absent, outside root, reached
    through a link, or not a regular file."""
    full = inside(root, path)
    # no link followed: one swapped in since inside() looked is refused too
    return None if full is None else files.read_regular(full, follow_links=False)


def mode_of(root: Path, path: str) -> str | None:
    """git's mode for a work-tree path (a file, an executable, a symbolic link); None for anything
    else (a directory, a FIFO, a device), a path that is gone or one that leaves root."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts:
        return None
    try:
        found = os.lstat(root / path)
    except OSError:
        return None
    if stat.S_ISLNK(found.st_mode):
        return MODE_SYMLINK
    if stat.S_ISREG(found.st_mode):
        return MODE_EXECUTABLE if found.st_mode & stat.S_IXUSR else MODE_FILE
    return None


def blob_id(data: bytes, digits: int = 40) -> str:
    """The object id git gives a blob of these bytes: SHA-1, or SHA-256 for a 64-digit repository."""
    algorithm = hashlib.sha256 if digits == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
