"""Telemetry adapters: one module per format, registered in formats.registry (the only registry)."""

from __future__ import annotations

from preflight.runtime.adapters.formats import Adapter, registry

__all__ = ["Adapter", "registry"]
