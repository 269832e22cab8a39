"""The git pre-push hook script: what `preflight hook install` writes, chains and removes.

An existing pre-push hook is never overwritten: it is moved aside to CHAINED and the
script runs it first with the same standard input and arguments; either one failing
blocks the push. The script calls preflight by absolute path (the console script of
the installing environment, else its interpreter with `-I -m preflight`, so nothing in
the repository being pushed can shadow preflight's imports) and says so when that path
has disappeared instead of blocking every push.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import PreflightError
from preflight.files import write_atomic

HOOK = "pre-push"
CHAINED = "pre-push.preflight-chained"
"""The hook that was there before preflight's, run first by preflight's script."""
MARKER = "# preflight-hook: 1"
"""Tells preflight's script from any other (so reinstalling updates it in place)."""
SKIP_VARIABLE = "PREFLIGHT_SKIP"

_SCRIPT = """\
#!/bin/sh
{marker}
# Written by `preflight hook install`; `preflight hook uninstall` removes it and puts back
# the hook that was here before (kept as {chained} and run first, with the same input).
# Skip preflight once: {skip}=1 git push        Skip every pre-push hook: git push --no-verify
preflight={exe}
chained="$(dirname -- "$0")/{chained}"
input=$(cat)
feed() {{ if [ -n "$input" ]; then printf '%s\\n' "$input"; fi; }}
status=0
if [ -x "$chained" ]; then
    feed | "$chained" "$@" || status=$?
fi
if [ -x "$preflight" ]; then
    feed | "$preflight"{args} hook run{flags} -- "$@" || status=$?
elif command -v preflight >/dev/null 2>&1; then
    echo "preflight: $preflight is gone; using $(command -v preflight) (run \\`preflight hook install\\` to record it)" >&2
    feed | preflight hook run{flags} -- "$@" || status=$?
else
    echo "preflight: $preflight is gone, so this push was not checked; reinstall preflight and run \\`preflight hook install\\`, or delete $0" >&2
fi
exit $status
"""


@dataclass(frozen=True, slots=True)
class Installed:
    """What an install or uninstall did."""

    hook: Path
    action: str
    """installed, updated, removed, restored, absent, or foreign (someone else's hook, left alone)."""
    chained: Path | None = None
    """The earlier hook preflight's script runs first, when there is one."""


def _console_script() -> Path:
    """Where this environment's `preflight` console script is (it may not exist)."""
    return Path(sysconfig.get_path("scripts")) / ("preflight.exe" if os.name == "nt" else "preflight")


def invocation(search_path: str | None) -> str:
    """How a user's shell runs this preflight, for commands preflight prints: `preflight` when the
    search path (PATH's value) finds this environment's console script, else that script's absolute
    path, else this interpreter with `-m preflight`."""
    script = _console_script()
    if not (script.is_file() and os.access(script, os.X_OK)):
        return f"{shlex.quote(sys.executable)} -m preflight"
    found = shutil.which(script.name, path=search_path) if search_path else None
    if found is not None and Path(found).resolve() == script.resolve():
        return "preflight"
    return shlex.quote(str(script))


def command() -> tuple[str, tuple[str, ...]]:
    """How the hook calls this preflight: its console script, else `python -I -m preflight`."""
    script = _console_script()
    if script.is_file() and os.access(script, os.X_OK):
        return str(script), ()
    # -I leaves out PYTHONPATH and the working directory: preflight must be installed for it.
    probe = subprocess.run([sys.executable, "-I", "-c", "import preflight"], capture_output=True)
    if probe.returncode != 0:
        raise PreflightError(
            f"preflight is not installed in the environment of {sys.executable} (it runs from "
            "PYTHONPATH or a source tree), so a hook could not call it; install it there "
            "(`pip install .` in preflight's checkout) and run `preflight hook install` again"
        )
    return sys.executable, ("-I", "-m", "preflight")


def script(exe: str, args: tuple[str, ...] = (), resident: bool = False) -> str:
    """The hook script that runs the chained hook, then `preflight hook run` (--resident: asking
    the work tree's resident process first, see preflight.resident)."""
    return _SCRIPT.format(
        marker=MARKER,
        chained=CHAINED,
        skip=SKIP_VARIABLE,
        exe=shlex.quote(exe),
        args="".join(f" {shlex.quote(a)}" for a in args),
        flags=" --resident" if resident else "",
    )


def is_ours(path: Path) -> bool:
    """True when the file at path is a script preflight wrote."""
    try:
        with path.open("rb") as handle:
            return MARKER.encode() in handle.read(4096)
    except OSError:
        return False


def install(hooks: Path, text: str, force: bool = False) -> Installed:
    """Write preflight's pre-push hook into hooks, moving any other hook aside to be chained."""
    hooks.mkdir(parents=True, exist_ok=True)
    hook, chained = hooks / HOOK, hooks / CHAINED
    present = hook.exists() or hook.is_symlink()
    action = "updated" if present and is_ours(hook) else "installed"
    if present and action == "installed":
        if chained.exists() or chained.is_symlink():
            if not force:
                raise PreflightError(
                    f"{hook} is not preflight's, and {chained} already holds the hook chained by an "
                    "earlier install; remove the one you no longer need, or pass --force to chain "
                    f"{hook.name} and keep the earlier one as {chained.name}.bak"
                )
            os.replace(chained, chained.with_name(chained.name + ".bak"))
        os.replace(hook, chained)  # a rename keeps the mode, so a non-executable hook stays unused
    _write_executable(hook, text)
    found = chained if chained.exists() or chained.is_symlink() else None
    return Installed(hook, action, found)


def uninstall(hooks: Path) -> Installed:
    """Remove preflight's hook and put the chained one back; anything else is left alone."""
    hook, chained = hooks / HOOK, hooks / CHAINED
    if not (hook.exists() or hook.is_symlink()):
        return Installed(hook, "absent")
    if not is_ours(hook):
        return Installed(hook, "foreign")
    if chained.exists() or chained.is_symlink():
        os.replace(chained, hook)
        return Installed(hook, "restored", chained)
    hook.unlink()
    return Installed(hook, "removed")


def _write_executable(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a hook."""
    write_atomic(path, text, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
