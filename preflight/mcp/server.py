"""`preflight mcp`: the session on the repository, and the tools (tools.py) served over stdio.

The SDK is the [mcp] extra, pinned to its 1.x line: `mcp>=1.23,<2` (2.0 renamed FastMCP to
MCPServer; 1.23 is the oldest the tests pass with, older ones import pydantic internals that
current pydantic no longer has). Without it this says which extra to install (exit 2), before
anything imports it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

from preflight import extras


def run(
    repo_dir: Path,
    snapshot: Path | None,
    config_file: str | None,
    environ: Mapping[str, str],
) -> int:
    """Serve the tools over stdio until the client closes the connection; 0 then."""
    extras.need("mcp", "preflight mcp (the MCP server for coding agents)")
    from preflight.mcp.session import Session
    from preflight.mcp.tools import build

    session = Session(repo_dir, snapshot, config_file, environ, _now)
    try:
        build(session).run("stdio")
    finally:
        session.close()
    return 0


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
