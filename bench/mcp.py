"""Latency of `preflight mcp`'s tools, as a coding agent sees it: through the SDK's own client over
stdio, cold and warm.

Usage (from the repository root):
    python -m bench.mcp [--repeat N] [--hook-repo] [--cache DIR] [--output FILE]

Repositories: the shop example (ten services, its snapshot; the hot-checkout-path scenario's patch
applied to the work tree, uncommitted) and, with --hook-repo, the pre-push hook benchmark's
~100,000-line repository with its generated snapshot (bench.hook; built once, downloading its
pinned sdists), with bench.hook's typical change (three function bodies edited, one function
added) in the work tree, uncommitted. Each starts with no preflight cache in the clone.

Per repository: the server's start (process spawn to the end of the MCP handshake), each tool's
first call in a fresh server (in this order, so the first pays for loading the snapshot and the
code index), then each tool warm: the median and maximum of N calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

from bench import callgraph, hook
from bench.repos import git
from preflight.commands import demo

SCENARIO = "hot-checkout-path"
SHOP_CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("get_function_context", {"function": "shop/currency.py::convert"}),
    ("list_hot_functions", {}),
    ("assess_change", {}),
    ("simulate_fault", {"target": "shop/currency.py::convert", "error_rate": 0.1}),
)
HOOK_CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("get_function_context", {"function": "flask/app.py::Flask.get_send_file_max_age"}),
    ("list_hot_functions", {}),
    ("assess_change", {}),
    ("simulate_fault", {"target": "flask", "error_rate": 0.1}),
)


@dataclass
class Timings:
    """One repository's measurements, in seconds."""

    start: float = 0.0
    first: dict[str, float] = field(default_factory=dict)
    warm: dict[str, list[float]] = field(default_factory=dict)
    """Raw requests: the transport and the server."""
    checked: dict[str, list[float]] = field(default_factory=dict)
    """Through ClientSession.call_tool, which also checks the result against the outputSchema."""
    summaries: dict[str, str] = field(default_factory=dict)


def shop(root: Path) -> Path:
    """The shop example on main with the scenario's patch in the work tree."""
    repo = root / "shop"
    demo.build(repo, demo.EXAMPLE, tuple(s for s in demo.SCENARIOS if s.name == SCENARIO))
    git(repo, "checkout", "--quiet", "main")
    git(repo, "apply", str(demo.EXAMPLE / "scenarios" / f"{SCENARIO}.patch"))
    return repo


def hook_repo(cache: Path) -> Path:
    """bench.hook's 100,000-line clone with its snapshot, the typical change uncommitted."""
    work = hook.prepare(cache, "mcp", runtime=True)
    for path, qualname in hook.EDITS:
        text = hook._edit_body((work / path).read_text(encoding="utf-8"), qualname, "_preflight_bench = 1")
        if path == hook.ADDED_IN:
            text += "\n\ndef _bench_helper(value):\n    return value + 1\n"
        (work / path).write_text(text, encoding="utf-8")
    return work


def measure(repo: Path, calls: tuple[tuple[str, dict[str, Any]], ...], repeat: int) -> Timings:
    """Start, first calls and warm calls of one fresh server on repo (its preflight cache removed)."""
    shutil.rmtree(repo / ".git" / "preflight", ignore_errors=True)
    found = Timings()
    # This interpreter's preflight (PYTHONPATH kept), run from this checkout: `python -m` puts the
    # working directory first on sys.path, where the repository's packages (click, httpx, rich in
    # the 100,000-line one) would shadow preflight's own dependencies.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "preflight", "mcp", "--repo", str(repo)],
        env=env,
        cwd=str(Path(__file__).resolve().parents[1]),
    )

    async def session() -> None:
        started = time.perf_counter()
        with open(os.devnull, "w") as errors:
            async with (
                stdio_client(params, errlog=errors) as (read, write),
                ClientSession(read, write) as client,
            ):
                await client.initialize()
                found.start = time.perf_counter() - started
                for name, arguments in calls:
                    seconds, result = await _timed(client, name, arguments)
                    if result.isError:
                        raise SystemExit(f"{name} failed: {result.content}")
                    found.first[name] = seconds
                    found.summaries[name] = (result.structuredContent or {}).get("summary", "")
                for name, arguments in calls:
                    found.warm[name] = [await _raw(client, name, arguments) for _ in range(repeat)]
                    found.checked[name] = [(await _timed(client, name, arguments))[0] for _ in range(repeat)]

    anyio.run(session)
    return found


async def _timed(client: ClientSession, name: str, arguments: dict[str, Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await client.call_tool(name, arguments)
    return time.perf_counter() - started, result


async def _raw(client: ClientSession, name: str, arguments: dict[str, Any]) -> float:
    """A tools/call request as sent, without the client's check of the result (what the server
    and the transport take)."""
    request = types.ClientRequest(
        types.CallToolRequest(params=types.CallToolRequestParams(name=name, arguments=arguments))
    )
    started = time.perf_counter()
    result = await client.send_request(request, types.CallToolResult)
    if result.isError:
        raise SystemExit(f"{name} failed: {result.content}")
    return time.perf_counter() - started


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def render(results: dict[str, tuple[Timings, str]], repeat: int) -> str:
    """The Markdown results."""
    out = [
        "# MCP server: tool latency through the SDK's client over stdio",
        "",
        f"`python -m bench.mcp --repeat {repeat}{' --hook-repo' if len(results) > 1 else ''}`; "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores. "
        "Start: process spawn to the end of the MCP handshake. First call: each tool once in a fresh "
        "server with no preflight cache in the clone, in the order listed (the first pays for loading "
        f"the snapshot and building the work tree's code index). Warm: median and maximum of {repeat} "
        "tools/call requests (the transport and the server), then the median through the Python "
        "SDK's ClientSession.call_tool, which also checks every result against the tool's outputSchema "
        "with jsonschema (the client's cost, which other clients may not pay). The machine's two "
        "cores were shared with other work: maxima are noisy.",
        "",
        "| repository | tool | first call | warm median | warm max | warm, call_tool median |",
        "|---|---|---|---|---|---|",
    ]
    for name, (found, _) in results.items():
        out.append(f"| {name} | server start | {_ms(found.start)} | | | |")
        for tool, seconds in found.first.items():
            warm, checked = found.warm[tool], found.checked[tool]
            out.append(
                f"| {name} | {tool} | {_ms(seconds)} | {_ms(statistics.median(warm))} | {_ms(max(warm))} "
                f"| {_ms(statistics.median(checked))} |"
            )
    for name, (found, about) in results.items():
        out += ["", f"## {name}", "", about, ""]
        out += [f"- `{tool}`: {summary}" for tool, summary in found.summaries.items()]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="warm calls per tool")
    parser.add_argument("--hook-repo", action="store_true", help="also the 100,000-line hook benchmark")
    parser.add_argument("--cache", type=Path, default=Path("bench/.cache"))
    parser.add_argument("--output", type=Path, default=Path("bench/results/mcp.md"))
    args = parser.parse_args(argv)
    results: dict[str, tuple[Timings, str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as temp:
        repo = shop(Path(temp))
        files, lines = callgraph.python_lines(repo)
        about = (
            f"The shop example: {lines:,} lines in {files} Python files, its snapshot; the {SCENARIO} "
            "scenario's patch in the work tree. The summaries of the first calls:"
        )
        results["shop"] = (measure(repo, SHOP_CALLS, args.repeat), about)
        print("shop", {k: _ms(statistics.median(v)) for k, v in results["shop"][0].warm.items()}, flush=True)
    if args.hook_repo:
        work = hook_repo(args.cache.resolve())
        files, lines = callgraph.python_lines(work)
        about = (
            f"bench.hook's repository: {lines:,} lines in {files:,} Python files, a generated snapshot "
            "(six services); its typical change in the work tree. The summaries of the first calls:"
        )
        results["100k lines"] = (measure(work, HOOK_CALLS, args.repeat), about)
        print("100k", {k: _ms(statistics.median(v)) for k, v in results["100k lines"][0].warm.items()})
    args.output.write_text(render(results, args.repeat), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
