"""The MCP server driven by the SDK's own client, over stdio, in a real subprocess.

`serve(repo, calls)` starts `python -m preflight mcp --repo REPO` (this checkout on PYTHONPATH,
a clean environment: no GitHub Actions variables redirect its base), initializes a
ClientSession, lists the tools, makes the calls in order and returns what came back.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, InitializeResult, ListToolsResult

from preflight.commands import demo
from tests.conftest import GIT_ENV, git

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "hot-checkout-path"
TIMEOUT = 120


@dataclass(frozen=True, slots=True)
class Served:
    """One server session: its handshake, its tool list and each call's result."""

    init: InitializeResult
    tools: ListToolsResult
    results: tuple[CallToolResult, ...]
    stderr: str


def environment() -> dict[str, str]:
    """The server's environment: this checkout importable, git's identity, nothing else."""
    return {**GIT_ENV, "PATH": os.environ.get("PATH", GIT_ENV["PATH"]), "PYTHONPATH": str(ROOT)}


def serve(
    repo: Path, calls: Sequence[tuple[str, dict[str, Any]]], *args: str, errlog: Path | None = None
) -> Served:
    """Start the server on repo, call each (tool, arguments) in order, stop it."""
    log = errlog or repo.parent / "mcp-stderr.txt"

    async def session() -> Served:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "preflight", "mcp", "--repo", str(repo), *args],
            env=environment(),
            # not the repository: `python -m` puts the working directory first on sys.path, where
            # the repository's modules would shadow preflight's (the console script does not)
            cwd=str(ROOT),
        )
        with log.open("w", encoding="utf-8") as errors, anyio.fail_after(TIMEOUT):
            async with (
                stdio_client(params, errlog=errors) as (read, write),
                ClientSession(read, write) as client,
            ):
                init = await client.initialize()
                tools = await client.list_tools()
                results = [await client.call_tool(name, arguments) for name, arguments in calls]
        return Served(init, tools, tuple(results), log.read_text(encoding="utf-8"))

    return anyio.run(session)


def text(result: CallToolResult) -> str:
    """The text of a result's first content block (a tool error's message)."""
    block = result.content[0]
    assert block.type == "text"
    return block.text


@pytest.fixture(scope="package")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop example as a repository (main, and the scenario committed on its branch), with the
    same scenario's patch applied, uncommitted, to main's work tree."""
    repo = tmp_path_factory.mktemp("mcp") / "shop"
    demo.build(repo, demo.EXAMPLE, tuple(s for s in demo.SCENARIOS if s.name == SCENARIO))
    git(repo, "checkout", "-q", "main")
    git(repo, "apply", str(demo.EXAMPLE / "scenarios" / f"{SCENARIO}.patch"))
    return repo
