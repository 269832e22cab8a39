"""preflight: a pre-flight risk gate for pull requests."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
