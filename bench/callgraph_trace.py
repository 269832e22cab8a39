"""Check the hand-written call-graph cases against what really runs.

Each case that has an entry script (``main.py`` or ``run.py``) is executed in a
fresh subprocess under ``sys.setprofile``; every observed call whose caller is
code of the case is turned into a PyCG-style ``(caller, callee)`` edge.  A traced
edge that ``expected.json`` lacks means the ground truth is missing an edge
(dynamic execution is a lower bound on the true graph), so it is reported.
Traced edges into external code are listed separately, because the runtime name
(``posixpath.join``) differs from the import name (``os.path.join``).

This only validates the suite; it never looks at preflight.  Usage::

    python -m bench.callgraph_trace            # every case
    python -m bench.callgraph_trace imports    # cases whose path contains "imports"
    python -m bench.callgraph_trace -v shop    # also list expected edges that never ran
"""

from __future__ import annotations

import inspect
import json
import os
import runpy
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parent.parent / "tests" / "callgraph" / "cases"
ENTRIES = ("main.py", "run.py")
_ANONYMOUS = ("<lambda>", "<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def module_name(relative: str) -> str:
    """PyCG-style module name of a case-relative path (``src/`` dropped, packages by ``__init__``)."""
    parts = relative[: -len(".py")].split("/")
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _scope_name(code: types.CodeType, root: Path) -> str | None:
    """The caller/callee name of a code object inside the case, or None if outside."""
    if code.co_filename.startswith("<"):
        return None  # frozen or generated code
    try:
        relative = Path(code.co_filename).resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    qualname: str = getattr(code, "co_qualname", code.co_name)
    parts = [p for p in qualname.split(".") if p != "<locals>"]
    while parts and parts[-1] in _ANONYMOUS:
        parts.pop()  # lambdas and comprehensions belong to their enclosing scope
    module = module_name(relative)
    if not parts or parts == ["<module>"]:
        return module
    return module + "." + ".".join(parts)


def _trace_one(case_dir: Path) -> dict[str, list[list[str]]]:
    """Run the case's entry script under a profiler (in this process) and return edges."""
    root = case_dir.resolve()
    entry = next(root / name for name in ENTRIES if (root / name).exists())
    sys.path[:0] = [str(root / "src"), str(root)] if (root / "src").is_dir() else [str(root)]
    internal: set[tuple[str, str]] = set()
    external: set[tuple[str, str]] = set()

    def caller_of(frame: types.FrameType | None) -> str | None:
        return None if frame is None else _scope_name(frame.f_code, root)

    def profiler(frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call":
            if not frame.f_code.co_flags & inspect.CO_NEWLOCALS and frame.f_code.co_name != "<module>":
                return  # a class body runs at definition time: not a call in PyCG's sense
            callee = _scope_name(frame.f_code, root)
            caller = caller_of(frame.f_back)
            if caller is None:
                return
            if callee is not None:
                if frame.f_code.co_name not in _ANONYMOUS:
                    internal.add((caller, callee))
            else:
                module = frame.f_globals.get("__name__", "?")
                if module.startswith("importlib"):
                    return  # import machinery, not a call
                qualname = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
                external.add((caller, f"{module}.{qualname}"))
        elif event == "c_call":
            caller = caller_of(frame)
            if caller is None:
                return
            owner = getattr(arg, "__self__", None)
            if isinstance(owner, types.ModuleType) and arg.__name__ != "__build_class__":
                if owner.__name__ == "builtins":
                    internal.add((caller, f"<builtin>.{arg.__name__}"))
                else:
                    external.add((caller, f"{owner.__name__}.{arg.__name__}"))

    os.chdir(root)
    sys.setprofile(profiler)
    try:
        runpy.run_path(str(entry), run_name="__main__")
        status = "ok"
    except BaseException as error:  # a case may exit or fail part-way; keep what ran
        status = f"stopped: {type(error).__name__}: {error}"
    finally:
        sys.setprofile(None)
    return {
        "status": [[status]],
        "internal": sorted([a, b] for a, b in internal),
        "external": sorted([a, b] for a, b in external),
    }


def _expected_edges(case_dir: Path) -> set[tuple[str, str]]:
    """The (caller, callee) pairs of a case's expected.json."""
    data: dict[str, list[str]] = json.loads((case_dir / "expected.json").read_text())
    return {(caller, callee) for caller, callees in data.items() for callee in callees}


def main(argv: list[str]) -> int:
    """Trace every (selected) runnable case; print traced edges missing from expected.json."""
    if argv[:1] == ["--one"]:
        json.dump(_trace_one(Path(argv[1])), sys.stdout)
        return 0
    verbose = "-v" in argv
    argv = [arg for arg in argv if arg != "-v"]
    problems = 0
    for expected_file in sorted(CASES.glob("*/*/expected.json")):
        case_dir = expected_file.parent
        label = case_dir.relative_to(CASES).as_posix()
        if argv and not any(word in label for word in argv):
            continue
        if not any((case_dir / name).exists() for name in ENTRIES):
            print(f"{label}: no entry script, not traced")
            continue
        run = subprocess.run(
            [sys.executable, "-m", "bench.callgraph_trace", "--one", str(case_dir)],
            capture_output=True,
            text=True,
            check=False,
            cwd=CASES.parent.parent.parent,
        )
        try:
            result = json.loads(run.stdout[run.stdout.rindex('{"status"') :])
        except ValueError:
            print(f"{label}: tracer failed: {run.stderr.strip()[-300:]}")
            continue
        expected = _expected_edges(case_dir)
        traced = {(a, b) for a, b in result["internal"]}
        missing = sorted(traced - expected)
        by_design = label.startswith("unresolved/")  # these cases omit dynamic targets on purpose
        if not by_design:
            problems += len(missing)
        print(
            f"{label}: {result['status'][0][0]}; traced {len(traced)}, missing from expected {len(missing)}"
        )
        for caller, callee in missing:
            print(f"    {'unresolved by design' if by_design else 'MISSING'} {caller} -> {callee}")
        if verbose:
            for caller, callee in sorted(expected - traced):
                if not callee.startswith("<builtin>."):
                    print(f"    not run {caller} -> {callee}")
        for caller, callee in result["external"]:
            print(f"    external {caller} -> {callee}")
    print(f"{problems} traced edges missing from expected.json")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
