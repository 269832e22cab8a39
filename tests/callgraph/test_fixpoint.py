"""The solve's result is one function of the program: not of string hashing, nor of file order."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import preflight
from preflight.callgraph import build, fixpoint, hierarchy, program, summarize


def fan_out(functions: int = 300, hubs: int = 6, seed: int = 2) -> dict[str, str]:
    """Functions passed through a few hubs from everywhere: several slots pass the widening cap."""
    rng = random.Random(seed)
    names = ", ".join(f"hub{j}" for j in range(hubs))
    files = {
        "pkg/__init__.py": "",
        "pkg/hubs.py": "".join(
            f"def hub{j}(fn, arg):\n    fn(arg)\n    return arg\n\n\n" for j in range(hubs)
        ),
        "pkg/work.py": f"from pkg.hubs import {names}\n",
    }
    for i in range(functions):
        body = []
        for _ in range(rng.randint(1, 3)):
            hub, other = rng.randrange(hubs), rng.randrange(functions)
            if rng.random() < 0.6:
                body.append(
                    f"    hub{hub}(f{other}, x)" if rng.random() < 0.7 else f"    hub{hub}(x, f{other})"
                )
            else:
                body += [f"    y = hub{hub}(x, f{other})", "    y(x)"]
        files["pkg/work.py"] += (
            f"\n\ndef f{i}(x):\n" + "\n".join(body) + f"\n    return hub{rng.randrange(hubs)}\n"
        )
    calls = "".join(f"    work.f{rng.randrange(functions)}(hub{rng.randrange(hubs)})\n" for _ in range(40))
    files["pkg/main.py"] = f"from pkg import work\nfrom pkg.hubs import {names}\n\n\ndef main():\n" + calls
    return files


CHILD = """
import json, sys
from preflight.callgraph import build
graph = build(json.load(open(sys.argv[1])))
print(json.dumps({"edges": graph.to_pycg(), "external": sorted(graph.external), "unresolved": graph.unresolved}))
"""


def test_the_program_widens() -> None:
    raws = [summarize(path, text).raw() for path, text in fan_out().items()]
    linked = program.load(raws)
    linked.mro = hierarchy.linearize(linked)
    state = fixpoint.solve(linked)
    assert state.widened
    assert fixpoint.graph(linked, state).unresolved["too many possible values"] > 0


def test_the_graph_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    source = tmp_path / "files.json"
    source.write_text(json.dumps(fan_out()), encoding="utf-8")
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    root = str(Path(preflight.__file__).resolve().parents[1])
    outputs = set()
    for seed in ("1", "2", "3"):
        environ = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        done = subprocess.run(
            [sys.executable, str(script), str(source)],
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["edges"]["pkg.main.main"]


def test_the_graph_does_not_depend_on_file_order() -> None:
    files = fan_out()
    forward = build(files)
    backward = build(dict(reversed(list(files.items()))))
    assert forward == backward
