"""The hook's side: hand `preflight hook run --resident` to the work tree's resident process.

Imports only the standard library, so asking costs a few milliseconds. When no process answers
(none yet, one running other code, a private directory that is not private) the caller runs
the check itself, and a process is started in the background for the next push.
"""

from __future__ import annotations

import io
import os
import socket
import sys
from pathlib import Path
from typing import Any

from preflight.resident import protocol

FLAG = "--resident"
SERVER_MODULE = "preflight.cli.serve"
WAIT_SECONDS = 900.0
"""The longest a push waits for the resident process's answer (a first index of a large repository)."""


def options(argv: list[str]) -> list[str]:
    """The arguments before `--` (after it come git's remote name and URL, which may be anything)."""
    return argv[: argv.index("--")] if "--" in argv else argv


def wanted(argv: list[str]) -> bool:
    """`hook run --resident`, in the work tree it runs in (a --repo elsewhere is run plainly)."""
    flags = options(argv[2:])
    return argv[:2] == ["hook", "run"] and FLAG in flags and not any(a.startswith("--repo") for a in flags)


def run(argv: list[str]) -> int | None:
    """The exit code the resident process answered with, its output written here; None when
    there is no answer (standard input is then left readable for a plain run)."""
    if sys.stdin is None or sys.stdin.isatty():
        return None  # not git's input: the plain run says so, as it would without --resident
    text = sys.stdin.read()
    sys.stdin = io.StringIO(text)
    try:
        root = protocol.work_tree(Path.cwd())
        path = protocol.socket_path(root)
        key = protocol.code_key()
    except (protocol.Unavailable, OSError):
        return None
    request = {
        "op": "run",
        "key": key,
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "stdin": text,
        "tty": sys.stdout.isatty(),
    }
    reply = ask(path, request)
    if reply is None or reply.get("stale") or not isinstance(reply.get("code"), int):
        start(path, key, root)
        return None
    sys.stdout.write(str(reply.get("stdout", "")))
    sys.stderr.write(str(reply.get("stderr", "")))
    sys.stdout.flush()
    return int(reply["code"])


def ask(path: Path, request: dict[str, Any], timeout: float = WAIT_SECONDS) -> dict[str, Any] | None:
    """The resident process's reply, or None when none is listening or it went away."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(1.0)
            connection.connect(str(path))
            connection.settimeout(timeout)
            protocol.send(connection, request)
            return protocol.receive(connection)
    except (OSError, ConnectionError):
        return None


def start(path: Path, key: str, root: Path) -> None:
    """Start a resident process for the next push, detached (its own session, no terminal); it
    reads root's code index into memory while it waits for that push."""
    import contextlib
    import subprocess

    with contextlib.suppress(OSError):  # the push is checked plainly all the same
        subprocess.Popen(
            [sys.executable, "-I", "-m", SERVER_MODULE, str(path), key, str(root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            start_new_session=True,
        )
