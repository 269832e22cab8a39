"""Helpers shared by the call-graph tests."""

from __future__ import annotations

from preflight.callgraph import build


def edges(files: dict[str, str], caller: str) -> list[str]:
    return build(files).to_pycg()[caller]
