"""The OTLP adapter's tests are in tests/runtime/adapters/test_otlp.py (they mirror its module).

Only the shop-trace helpers are re-exported here, for tests/commands/test_collect.py,
which imports them from this old place; delete this file once it imports from the new one.
"""

from __future__ import annotations

from tests.runtime.adapters.test_otlp import Collected, _collector_json, _run_shop

__all__ = ["Collected", "_collector_json", "_run_shop"]
