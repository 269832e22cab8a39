"""The cyclic garbage collector, paused where preflight builds many acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its state after.

    Reading telemetry, loading the code index and checking a push allocate hundreds of thousands
    of small acyclic objects; each collection would walk all of them again and find nothing
    (reading took twice as long, a warm hook run 15-20% longer: bench/results/hook.md).
    Reference counting frees all of it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
