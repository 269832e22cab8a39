"""Import time of each command's path: what `python -X importtime` reports for a real run of it.

Usage (from the repository root):
    python -m bench.imports [--repeat N] [--output FILE]

The shop demo is built once (`preflight demo --output-dir`), then each command runs on it in a
fresh process with -X importtime, --repeat times; the table gives the median of the summed
cumulative time of the top-level imports (the interpreter's own start-up imports included), the
heavy packages the run imported, and the largest top-level imports of the median run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "networkx", "git", "jinja2", "requests", "mcp", "tree_sitter")
TOP = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\S+)$", re.M)
ANY = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.M)


def commands(demo: Path) -> dict[str, list[str]]:
    shop, snap = demo / "shop", demo / "shop" / "snapshot"
    base, head = "main", "scenario/hot-checkout-path"
    return {
        "--help": ["--help"],
        "check --no-callgraph": [
            "check",
            "--repo",
            str(shop),
            "--base",
            base,
            "--head",
            head,
            "--no-callgraph",
        ],
        "check": ["check", "--repo", str(shop), "--base", base, "--head", head],
        "hook run": ["hook", "run", "origin", "x"],
        "context": ["context", "shop/currency.py::convert", "--snapshot", str(snap), "--repo", str(shop)],
        "simulate": ["simulate", "--snapshot", str(snap), "--inject", "payment:error=0.1", "--trials", "200"],
        "collect": ["collect", str(shop / "README.md"), "--output", str(demo / "collected")],
    }


def measure(args: list[str], cwd: Path, stdin: str) -> tuple[float, set[str], list[tuple[int, str]]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "preflight", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    top = [(int(us), name) for us, name in TOP.findall(done.stderr)]
    loaded = {name.split(".")[0] for name in ANY.findall(done.stderr)}
    return sum(us for us, _ in top) / 1000, loaded & set(HEAVY), sorted(top, reverse=True)[:3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=Path("bench/results/imports.md"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        subprocess.run([sys.executable, "-m", "preflight", "demo", "--output-dir", str(demo)], check=True, capture_output=True)  # fmt: skip
        shop = demo / "shop"
        subprocess.run(["git", "-C", str(shop), "checkout", "-q", "scenario/hot-checkout-path"], check=True)
        head = subprocess.run(["git", "-C", str(shop), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()  # fmt: skip
        main_sha = subprocess.run(["git", "-C", str(shop), "rev-parse", "main"], capture_output=True, text=True).stdout.strip()  # fmt: skip
        push = f"refs/heads/x {head} refs/heads/main {main_sha}\n"
        rows = []
        for name, command in commands(demo).items():
            runs = [measure(command, shop, push if name == "hook run" else "") for _ in range(args.repeat)]
            runs.sort(key=lambda r: r[0])
            middle = runs[len(runs) // 2]
            largest = ", ".join(f"{n} {us / 1000:.0f}" for us, n in middle[2])
            heavy = ", ".join(sorted(set().union(*(r[1] for r in runs)))) or "none"
            rows.append(f"| `{name}` | {middle[0]:.0f} | {runs[0][0]:.0f} | {heavy} | {largest} |")
    text = "\n".join(
        [
            "# Import time per command",
            "",
            f"`python -m bench.imports --repeat {args.repeat}` on the shop demo; {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
            f"{os.getloadavg()[0]:.1f} at the end. Milliseconds: the top-level imports' cumulative times "
            "summed, median and best of the runs. The shop's .preflight.yml names its snapshot, so check and "
            "the hook simulate the change over the service graph (numpy, networkx) and check writes "
            "Markdown (jinja2); `collect` here stops at its input (a README is no telemetry, exit 2) "
            "after importing what it needs.",
            "",
            "| command | imports, median (ms) | best (ms) | heavy packages imported | largest top-level imports (ms) |",
            "|---|---:|---:|---|---|",
            *rows,
            "",
        ]
    )
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
