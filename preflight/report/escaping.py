"""The report's name for preflight/escaping.py, where escaping is defined (files.py, below the
report, escapes the paths it names too)."""

from __future__ import annotations

from preflight.escaping import MAX_FIELD, lines, markdown, terminal

__all__ = ["MAX_FIELD", "lines", "markdown", "terminal"]
