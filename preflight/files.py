"""Writing files so that a failure never leaves half of one, with the permissions users expect.

Every file preflight writes at a path the user names goes through `write_atomic`, which
decides what an existing target may be (see its docstring and docs/reference/cli.md#output-files):
a regular file is replaced by a rename, a character device or a FIFO (`/dev/null`, a named
pipe) is written through, and anything else is refused, never replaced.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from preflight.errors import InputError
from preflight.escaping import terminal


def read_regular(path: Path | str, follow_links: bool = True) -> bytes | None:
    """The bytes of path when it is a regular file; None when it is absent, unreadable or anything
    else: a FIFO is never waited on (O_NONBLOCK, then fstat refuses it), a directory or a device
    is not read (a link to /dev/zero would never end). follow_links=False refuses a symbolic link
    itself (O_NOFOLLOW), so one swapped in after a check is not followed either."""
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)


class OutputError(InputError, OSError):
    """A path preflight was asked to write cannot be written; the message names it and says why.

    It is an OSError too, so that callers writing a cache (where a failure only costs time)
    keep ignoring it with `contextlib.suppress(OSError)`.
    """


def umask_mode(executable: bool = False) -> int:
    """What `open()` (or `mkdir` when executable) would give a new file under the current umask.

    tempfile creates its files 0600 and directories 0700; a report, a coefficients file or a
    snapshot renamed into place must instead be what the user's umask allows (a CI artifact or
    a shared checkout is read by others).
    """
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if executable else 0o666) & ~umask


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Write text at path without ever leaving half a file or replacing what is not a file.

    A new path or a regular file: via a temporary sibling and a rename (mode defaults to the
    umask's, see umask_mode). A symlink: its target, by the same rules, the link itself kept;
    a dangling link is refused. A character device or a FIFO (`/dev/null`, a named pipe):
    written through, as a shell redirection would. A directory, socket or block device:
    refused. Every refusal or failure is an OutputError naming the path.
    """
    shown = terminal(str(path))
    try:
        found = os.stat(path)  # follows symlinks: the kind of what would be written
    except FileNotFoundError:
        if os.path.islink(path):
            raise OutputError(
                f"{shown}: a symlink to {terminal(os.readlink(path))}, which does not exist; "
                "pass the target's path or remove the link"
            ) from None
        found = None
    except OSError as e:
        raise OutputError(f"{shown}: cannot be written ({e.strerror}); pass another path") from e
    if found is not None and (stat.S_ISCHR(found.st_mode) or stat.S_ISFIFO(found.st_mode)):
        _write_through(path, text, shown)
        return
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise OutputError(
            f"{shown}: is {_kind(found.st_mode)}, not a file; pass a file path (or - for stdout)"
        )
    # A link to a regular file: replace the file it points to, never the link with a file.
    target = Path(os.path.realpath(path)) if found is not None else path
    try:
        _replace(target, text, mode)
    except OSError as e:
        if isinstance(e, OutputError):
            raise
        raise OutputError(f"{shown}: cannot be written ({e.strerror or e}); the old file is unchanged") from e


def _replace(path: Path, text: str, mode: int | None) -> None:
    """Write a temporary sibling, then rename it over path: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, umask_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(path: Path, text: str, shown: str) -> None:
    """Write into a device or FIFO in place: renaming over it would replace it (as root, /dev/null)."""
    try:
        # No O_CREAT: if the node vanished meanwhile, fail rather than create a file in its place.
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as e:
        raise OutputError(f"{shown}: cannot be written ({e.strerror or e}); pass another path") from e


def _kind(mode: int) -> str:
    """What a non-regular file is, in words for an error message."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"
