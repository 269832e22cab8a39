"""`.preflight.yml`: the Config (settings.py) and the table of each section's keys (schema.py)."""

from __future__ import annotations

from preflight.config.settings import (
    CONFIG_FILE,
    NON_PRODUCTION,
    NOT_YET,
    TEST_GLOBS,
    Config,
    Tree,
    from_blob,
    from_revision,
    load_file,
    matches,
    parse,
)

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
