"""Stage 4, exposure: join changed functions to runtime data.

Runtime data is a snapshot built by `preflight collect` (see exposure/snapshot.py)
or, for a quick start, a CSV of `qualname,calls_per_min`.
"""

from __future__ import annotations

from preflight.exposure.sources import Runtime, absent, join, load, load_calls, mark_production

__all__ = ["Runtime", "absent", "join", "load", "load_calls", "mark_production"]
