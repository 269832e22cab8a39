"""The optional parts of the install: which extra brings which modules, and a clear error without them.

The core install (`pip install preflight-risk-gate`) runs check, the pre-push hook, init, demo,
simulate, context, digest and backtest: it reads a snapshot's prepared form and needs neither
pandas nor pyarrow. Building a snapshot (`collect`), or reading one that carries no prepared
form, needs them.
"""

from __future__ import annotations

import importlib.util

from preflight.errors import InputError

DISTRIBUTION = "preflight-risk-gate"

EXTRAS: dict[str, tuple[str, ...]] = {
    "collect": ("pandas", "pyarrow", "opentelemetry.proto"),
    "clickhouse": ("pandas", "pyarrow", "opentelemetry.proto", "clickhouse_connect"),
    "mcp": ("mcp",),  # `preflight mcp`: the official Model Context Protocol SDK, 1.x
}
"""Each extra and the top-level modules it installs (pyproject.toml's optional-dependencies)."""


def missing(extra: str) -> tuple[str, ...]:
    """The extra's modules that cannot be imported here (found without importing them)."""
    return tuple(name for name in EXTRAS[extra] if not _installed(name))


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False  # a broken install, or one a finder refuses, is as good as none


def need(extra: str, purpose: str) -> None:
    """An InputError (exit 2) naming the extra to install when any of its modules is missing."""
    absent = missing(extra)
    if absent:
        raise InputError(
            f"{purpose} needs {', '.join(absent)}, which this install does not have; "
            f"install the [{extra}] extra: pip install '{DISTRIBUTION}[{extra}]'"
        )
