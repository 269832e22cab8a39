"""Writing files so that a failure never leaves half of one, with the permissions users expect."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
    """Write text via a temporary sibling and a rename; mode defaults to the umask's (see umask_mode)."""
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
