"""`.preflight.yml`: the Config (settings.py) and the table of each section's keys (schema.py); the
default globs and their matcher are preflight/globs.py's."""

from __future__ import annotations

from preflight.config.settings import (
    CONFIG_FILE,
    NOT_YET,
    Config,
    Tree,
    from_blob,
    from_revision,
    load_file,
    parse,
)
from preflight.globs import NON_PRODUCTION, TEST_GLOBS, matches

__all__ = [
    "CONFIG_FILE",
    "NON_PRODUCTION",
    "NOT_YET",
    "TEST_GLOBS",
    "Config",
    "Tree",
    "from_blob",
    "from_revision",
    "load_file",
    "matches",
    "parse",
]
