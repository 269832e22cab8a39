"""Where a work tree's resident process listens, what it must be running, and how messages go.

Standard library only: the hook's client imports this on every push.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Any

IDLE_SECONDS = 30 * 60
"""A resident process with no request for this long exits."""
MAX_MESSAGE = 64 * 2**20
"""Larger messages are refused (a request carries the environment and git's pre-push lines)."""


MAX_SOCKET_PATH = 100
"""Bytes: Linux allows 107 in a socket's path, macOS 103."""


class Unavailable(Exception):
    """No resident process can be used here (the reason is the message); run plainly."""


def runtime_dir() -> Path:
    """A directory only this user can use: $XDG_RUNTIME_DIR/preflight, else /tmp/preflight-<uid>.

    Created 0700 when missing; one that is not a real directory owned by this user, or that
    others may write or read, is refused (a socket there could be someone else's), and so is one
    in a directory others may write without the sticky bit (they could rename it away and put
    their own in its place). Systems without Unix sockets or user ids (Windows) have none."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        raise Unavailable("this system has no Unix sockets")
    base = os.environ.get("XDG_RUNTIME_DIR")
    uid = os.getuid()
    parent = Path(base) if base and os.path.isabs(base) else Path("/tmp")
    directory = parent / ("preflight" if parent != Path("/tmp") else f"preflight-{uid}")
    try:
        above = parent.stat()
        if above.st_uid not in (uid, 0) or (above.st_mode & 0o022 and not above.st_mode & stat.S_ISVTX):
            raise Unavailable(f"{parent} is not this user's, or others can write in it")
        directory.mkdir(mode=0o700, exist_ok=True)
        info = directory.lstat()
    except OSError as e:
        raise Unavailable(f"cannot use {directory}: {e.strerror}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise Unavailable(f"{directory} is not a private directory of this user")
    return directory


def work_tree(directory: Path) -> Path:
    """The work tree directory is in (the first of it and its parents holding `.git`), else itself:
    its pushes share one resident process, from whichever of its directories they are run."""
    return next((d for d in (directory, *directory.parents) if os.path.lexists(d / ".git")), directory)


def socket_path(work_tree: Path) -> Path:
    """The socket of the resident process for a work tree (its real path names it)."""
    digest = hashlib.blake2b(os.fsencode(os.path.realpath(work_tree)), digest_size=10).hexdigest()
    path = runtime_dir() / f"{digest}.sock"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise Unavailable(f"{path} is longer than a socket's path may be")
    return path


def code_key() -> str:
    """What the resident process must be running: this interpreter, preflight's files (their
    names, sizes and modification times) and the installed packages (the modification times of
    the site-packages directories, which installing, upgrading or removing one changes), so an
    upgrade or an edit is never answered by old code."""
    import site

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(sys.executable.encode() + sys.version.encode(), digest_size=12)
    for directory in getattr(site, "getsitepackages", list)():  # an old virtualenv's site has none
        with contextlib.suppress(OSError):
            digest.update(f"{directory}\0{os.stat(directory).st_mtime_ns}\n".encode())
    for directory, subdirectories, files in sorted(os.walk(package)):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".j2", ".json", ".yml")):
                info = os.stat(os.path.join(directory, name))
                digest.update(f"{directory}/{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def send(connection: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    connection.sendall(len(data).to_bytes(8, "big") + data)


def receive(connection: socket.socket) -> dict[str, Any]:
    """One message; ConnectionError when the other side went away or sent something else."""
    size = int.from_bytes(_exactly(connection, 8), "big")
    if size > MAX_MESSAGE:
        raise ConnectionError(f"a message of {size} bytes")
    try:
        message = json.loads(_exactly(connection, size))
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json can parse
        raise ConnectionError("not a message") from None
    if not isinstance(message, dict):
        raise ConnectionError("not a message")
    return message


def _exactly(connection: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 2**20))
        if not chunk:
            raise ConnectionError("closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
