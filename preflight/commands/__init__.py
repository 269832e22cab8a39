"""One module per command; each exposes a `run` function that returns an exit code."""

from __future__ import annotations

from preflight.commands.target import Target

__all__ = ["Target"]
