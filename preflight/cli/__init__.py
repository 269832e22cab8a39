"""The command line: the only package that imports click. Options -> command -> exit code.

`group` holds the `preflight` group, `options` the shared options, `review`, `runtime` and
`history` the commands (each registers itself on the group), `main` the entry point.
"""

from __future__ import annotations

from preflight.cli.group import cli
from preflight.cli.history import _stage_progress
from preflight.cli.main import main
from preflight.crash import report as _crash

__all__ = ["_crash", "_stage_progress", "cli", "main"]
