"""`preflight hook install | uninstall | run`: the git pre-push hook.

`run` is what the installed script (and the pre-commit framework) calls. Which
commits it checks, first match wins:

1. `PREFLIGHT_SKIP` set to anything but `0` or empty: nothing, one line says so.
2. `PRE_COMMIT_FROM_REF` and `PRE_COMMIT_TO_REF` (the pre-commit framework's
   pre-push stage): that range.
3. `PRE_COMMIT_LOCAL_BRANCH` without them: pre-commit saw a push of a history the
   remote has none of (it starts at a root commit): nothing to compare with.
4. `PRE_COMMIT` alone (`pre-commit run --hook-stage pre-push` by hand): HEAD against
   the default branch, as `preflight check` does.
5. Otherwise git's pre-push standard input, one range per pushed ref (see
   preflight.changes.revisions.resolve_pre_push): deletions are skipped.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from preflight import hook, pipeline
from preflight.changes.revisions import read_pre_push
from preflight.commands import Target
from preflight.errors import GitError, InputError
from preflight.memory import paused_gc
from preflight.repository import ZERO_OID, Repository
from preflight.resident import client, protocol


def install(repo_dir: Path, force: bool, out: TextIO, resident: bool = False) -> int:
    """Write the pre-push hook into the hooks directory git uses for this checkout."""
    with Repository(repo_dir) as repo:
        hooks = repo.git_path("hooks")
        root = repo.root
    exe, args = hook.command()
    done = hook.install(hooks, hook.script(exe, args, resident), force)
    out.write(f"preflight: pre-push hook {done.action} at {done.hook}\n")
    if done.chained is not None:
        out.write(f"  runs the earlier hook first: {done.chained}\n")
    out.write(f"  calls {' '.join((exe, *args))}\n")
    if resident:
        out.write(
            "  answered by a resident process, started by the first push (gone after 30 idle minutes; "
            "`preflight hook resident --stop` ends it)\n"
        )
    if _inside(hooks, root):
        out.write(f"  note: {hooks} (core.hooksPath) is inside the work tree\n")
    out.write(
        f"  skip once: {hook.SKIP_VARIABLE}=1 git push; skip every pre-push hook: git push --no-verify\n"
    )
    return 0


def uninstall(repo_dir: Path, out: TextIO) -> int:
    """Remove preflight's pre-push hook and restore the one it chained (and stop its resident process)."""
    with Repository(repo_dir) as repo:
        hooks = repo.git_path("hooks")
        trees = dict.fromkeys((repo.root, *repo.work_trees()))  # they all run the one hook
    done = hook.uninstall(hooks)
    for tree in trees:
        _stop_resident(tree)
    messages = {
        "absent": f"no pre-push hook at {done.hook}: nothing to remove",
        "foreign": f"{done.hook} was not written by preflight: left alone",
        "removed": f"removed {done.hook}",
        "restored": f"removed preflight's hook; the earlier hook is back at {done.hook}",
    }
    out.write(f"preflight: {messages[done.action]}\n")
    return 0


def resident(repo_dir: Path, stop: bool, out: TextIO) -> int:
    """Say whether the work tree has a resident process (and stop it with stop)."""
    with Repository(repo_dir) as repo:
        root = repo.root
    try:
        path = protocol.socket_path(root)
    except protocol.Unavailable as e:
        out.write(f"preflight: no resident process can run here: {e}\n")
        return 0
    reply = client.ask(path, {"op": "stop" if stop else "status", "key": protocol.code_key()}, 10.0)
    if reply is None:
        out.write(f"preflight: no resident process for {root}\n")
    elif reply.get("stale"):
        out.write(f"preflight: the resident process for {root} ran an older preflight; it has stopped\n")
    else:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(reply.get("started", 0))))
        state = "stopped" if stop else "running"
        answered, prepared, edits = reply.get("answered"), reply.get("prepared"), reply.get("edits")
        out.write(
            f"preflight: resident process {reply.get('pid')} for {root} {state}: started {started}, "
            f"answered {answered} push{'' if answered == 1 else 'es'}, indexed {prepared} "
            f"commit{'' if prepared == 1 else 's'} ahead of their push and the work tree's edits "
            f"{edits} time{'' if edits == 1 else 's'} ahead of their commit\n"
        )
    return 0


def _stop_resident(root: Path) -> None:
    with contextlib.suppress(protocol.Unavailable, OSError):
        client.ask(protocol.socket_path(root), {"op": "stop", "key": protocol.code_key()}, 10.0)


def run(
    repo_dir: Path,
    remote: str | None,
    stdin: TextIO,
    environ: Mapping[str, str],
    out: TextIO,
    fmt: str = "compact",
    fail_above: int | None = None,
    callgraph: bool = True,
    color: bool = False,
) -> int:
    """Check what is being pushed; the exit code is the gate (0 pass, 1 fail, 2 input error)."""
    skip = environ.get(hook.SKIP_VARIABLE, "")
    if skip not in ("", "0"):
        out.write(f"preflight: skipped ({hook.SKIP_VARIABLE}={skip}): this push was not checked\n")
        return 0
    target = _target(repo_dir, remote, stdin, environ)
    if isinstance(target, str):
        out.write(f"preflight: nothing to check: {target}\n")
        return 0
    from preflight.commands import check

    if callgraph and fmt == "compact":
        callgraph = _index_in_budget(repo_dir, out)
    stages = pipeline.Options(
        callgraph=callgraph, fail_above=fail_above, repo_dir=repo_dir, approximate_callgraph=True
    )
    options = check.CheckOptions(target, fmt, color=color, stages=stages)
    # The objects a check builds live until the process ends, so cyclic garbage collection only
    # costs time here: 15-20% of a warm run (bench/results/hook.md). Restored for in-process callers.
    with paused_gc():
        return check.run(options, out, environ)


INDEX_BUDGET_S = 10.0
"""A code index whose last build took longer is not built again from scratch by the hook: a push
must not wait for it (a real 470,000-line repository took 20-40 s, bench/results/hook-real.md).
One with a solved program to resume from is used: the hook resumes it, approximately where an
exact graph would be solved again (callgraph/incremental.py)."""


def _index_in_budget(repo_dir: Path, out: TextIO) -> bool:
    """False, saying so, when the code index has nothing to resume from and its last build took
    longer than INDEX_BUDGET_S."""
    from preflight.callgraph import cache

    try:
        with Repository(repo_dir) as repo:
            took = cache.last_build_seconds(repo)
            if took is None or took <= INDEX_BUDGET_S or cache.resumable(repo):
                return True
    except GitError:
        return True  # the check itself says what is wrong with the repository
    out.write(
        f"preflight: call graph left out (its last build took {took:.0f} s): callers, entry points and "
        "inferred traffic are unknown; `preflight check` builds it\n"
    )
    return False


def _target(repo_dir: Path, remote: str | None, stdin: TextIO, environ: Mapping[str, str]) -> Target | str:
    """What to check, or why there is nothing to check."""
    from_ref, to_ref = environ.get("PRE_COMMIT_FROM_REF"), environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        return Target(repo_dir, from_ref, to_ref)
    if environ.get("PRE_COMMIT_LOCAL_BRANCH"):
        return "the remote has none of these commits yet (a first push)"
    if environ.get("PRE_COMMIT"):
        return Target(repo_dir)
    if stdin.isatty():
        raise InputError(
            "hook run reads git's pre-push input (`<local ref> <local sha> <remote ref> <remote sha>` "
            "lines) on standard input; let `git push` run it (`preflight hook install`), or use "
            "`preflight check --base REF`"
        )
    lines = read_pre_push(stdin)
    if not any(pushes_code(line) for line in lines):
        deletions = any(line.strip() for line in lines)
        return "only branch deletions pushed" if deletions else "no refs pushed"
    return Target(repo_dir, pre_push=lines, remote=remote)


def pushes_code(line: str) -> bool:
    """False for blank lines and ref deletions; malformed lines count, so that they are reported."""
    parts = line.split()
    return bool(parts) and not (len(parts) == 4 and parts[1] == ZERO_OID)


def _inside(path: Path, root: Path) -> bool:
    """True when path is under root but not in its .git directory."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return bool(relative.parts) and relative.parts[0] != ".git"
