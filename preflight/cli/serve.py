"""The resident process of a work tree's pre-push hook (see preflight.resident).

    python -I -m preflight.cli.serve SOCKET KEY [WORK_TREE]

Started by the hook's client, detached. It holds a lock beside its socket (a second one started
at the same time exits), answers one request at a time, and exits after IDLE_SECONDS without
one, when a request comes from code with another key (preflight was upgraded or edited), or
when asked to stop. Only `hook run` is answered, and only for this user (SO_PEERCRED where the
system has it; the socket's directory is private in any case). Each answer is the command line
run on the request's arguments, directory, environment and standard input: from the repository
as it is then, with nothing kept between runs but imported code, content-keyed caches and each
code index's last solved program (callgraph.cache.HOLD: any solved program of a tree is an exact
place to resume the next one from). While it waits, it indexes the commit HEAD moved to, and then
the work tree's saved edits, as the next push will ask (callgraph.cache.prepare), so that a push
made after committing finds its code index ready; a push arriving meanwhile waits for that, the
work it would have done itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import os
import socket
import struct
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preflight.callgraph import cache
from preflight.cli.main import main
from preflight.resident import protocol
from preflight.resident.client import FLAG, options

LOCK_WAIT_SECONDS = 5.0
"""How long a new process waits for one it replaces (a stale one) to let go of the lock."""
PREPARE_SECONDS = 2.0
"""How often, while waiting, the process looks for a new commit or new saved edits to index."""


def serve(path: Path, key: str, idle: float = protocol.IDLE_SECONDS, root: Path | None = None) -> int:
    """Listen on path until idle, stale or stopped; 0 also when another process already serves,
    or when this process imported other code than the client that started it (key)."""
    if protocol.code_key() != key:
        return 0
    cache.HOLD = True  # resume each push's code index from the last one's, in memory
    gc.disable()  # collected while idle instead (_settle)
    with open(path.with_suffix(".lock"), "a") as lock:
        if not _lock(lock):
            return 0
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a socket left by a process that died: we hold the lock, so no one serves it
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        previous = os.umask(0o177)
        try:
            listener.bind(str(path))
        finally:
            os.umask(previous)
        listener.listen(8)
        listener.settimeout(min(idle, PREPARE_SECONDS))
        bound = path.stat().st_ino
        if root is not None:  # the first push then resumes from memory too (it read it from disk)
            cache.preload(root)
        status: dict[str, Any] = {
            "pid": os.getpid(),
            "started": time.time(),
            "answered": 0,
            "prepared": 0,
            "edits": 0,
        }
        try:
            last = prepared = time.monotonic()
            settled = True
            while True:
                served = _serve_one(listener, key, status)
                now = time.monotonic()
                if served is False or (served is None and now - last >= idle):
                    break
                if served:
                    last = now
                if now - prepared >= PREPARE_SECONDS:  # index a new commit or edits ahead of the push
                    _prepare(status)
                    prepared = time.monotonic()
                if served:
                    settled = False
                elif served is None and not settled:  # idle: collect now, not during a push
                    _settle()
                    settled = True
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                if path.stat().st_ino == bound:
                    path.unlink()
    return 0


def _lock(lock: Any) -> bool:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def _serve_one(listener: socket.socket, key: str, status: dict[str, Any]) -> bool | None:
    """Answer one connection; False when the process should exit, None when none came in time."""
    try:
        connection, _ = listener.accept()
    except TimeoutError:
        return None
    with connection:
        if not _same_user(connection):
            return True
        connection.settimeout(30.0)
        try:
            request = protocol.receive(connection)
        except (OSError, ConnectionError):
            return True
        operation = request.get("op")
        if request.get("key") != key:
            _reply(connection, {"stale": True})
            return False
        if operation == "stop":
            _reply(connection, {"stopped": True, **_public(status)})
            return False
        if operation == "status":
            _reply(connection, _public(status))
            return True
        argv = request.get("argv")
        if operation != "run" or not _is_hook_run(argv):
            _reply(connection, {"refused": "only `hook run` is answered"})
            return True
        try:
            reply = answer(request)
        except OSError as e:  # its directory is gone, say: the hook then runs the check itself
            reply = {"refused": f"cannot run there: {e.strerror}"}
        except (ValueError, TypeError) as e:  # no mapping for env, a NUL or `=` in a name or value
            reply = {"refused": f"not a request: {e}"}
        else:
            status["answered"] += 1
            status["_last"] = (str(request.get("cwd", "/")), _environment(request))
        _reply(connection, reply)
        return True


def _settle() -> None:
    """Collect the cycles requests left, then keep every object alive out of later collections
    (gc.freeze). Called while idle: the process runs with the cyclic collector off (serve), since
    the code index it holds is millions of objects, and a collection walking them during a push
    took 0.3-0.5 s of it on Django. What is held is replaced by reference, not in cycles, so
    reference counting frees it."""
    gc.collect()
    gc.freeze()


def _public(status: dict[str, Any]) -> dict[str, Any]:
    """What status and stop say (not the last push's directory and environment, kept in `_last`)."""
    return {k: v for k, v in status.items() if not k.startswith("_")}


def _prepare(status: dict[str, Any]) -> None:
    """cache.prepare, in the directory and environment of the last push answered (git then sees
    the repository as that push did); what it prints goes nowhere."""
    last = status.get("_last")
    if last is None:
        return
    cwd, environment = last
    with contextlib.suppress(OSError), _as_request(cwd, environment, "", _Output(False), _Output(False)):
        done = cache.prepare()
        status["edits"] += done.count(cache.WORK_TREE)
        status["prepared"] += len(done) - done.count(cache.WORK_TREE)


def _is_hook_run(argv: object) -> bool:
    return isinstance(argv, list) and all(isinstance(a, str) for a in argv) and argv[:2] == ["hook", "run"]


def _same_user(connection: socket.socket) -> bool:
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True  # the socket's directory is this user's alone (protocol.runtime_dir)
    _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return bool(uid == os.getuid())


def _reply(connection: socket.socket, message: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        protocol.send(connection, message)


class _Output(io.StringIO):
    """Standard output or error of one request: a terminal when the hook's is one (colour)."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The command line's exit code and output for one request, run as the hook would run it."""
    argv = request["argv"]
    flags = options(argv)
    argv = [a for a in flags if a != FLAG] + argv[len(flags) :]
    tty = request.get("tty") is True
    out, err = _Output(tty), _Output(tty)
    with _as_request(
        str(request.get("cwd", "/")), _environment(request), str(request.get("stdin", "")), out, err
    ):
        code = main(argv)
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def _environment(request: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in dict(request.get("env") or {}).items()}


@contextlib.contextmanager
def _as_request(
    cwd: str, environment: dict[str, str], stdin: str, out: io.StringIO, err: io.StringIO
) -> Iterator[None]:
    """This process's directory, environment and standard streams as the request's, restored after;
    also what a fresh process would read from them once and keep: the temporary directory
    (TMPDIR) and which warnings were already shown."""
    saved = os.getcwd(), dict(os.environ), sys.stdin, sys.stdout, sys.stderr, tempfile.tempdir
    with warnings.catch_warnings():  # entering it forgets the warnings shown so far
        try:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(environment)
            tempfile.tempdir = None
            sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
            yield
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved[2], saved[3], saved[4]
            tempfile.tempdir = saved[5]
            os.environ.clear()
            os.environ.update(saved[1])
            os.chdir(saved[0])


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(
            "usage: python -I -m preflight.cli.serve SOCKET KEY [WORK_TREE] (started by the pre-push hook)\n"
        )
        raise SystemExit(2)
    work_tree = Path(sys.argv[3]) if len(sys.argv) == 4 else None
    raise SystemExit(serve(Path(sys.argv[1]), sys.argv[2], root=work_tree))
