"""A small shop application used as a call-graph ground truth."""

from .app import create_app

__all__ = ["create_app"]
