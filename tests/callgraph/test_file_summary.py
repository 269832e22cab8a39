"""FileSummary: the cacheable per-file summary and its serialization."""

from __future__ import annotations

import marshal

import pytest

from preflight.callgraph import FileSummary, summarize
from preflight.callgraph.file_summary import raw_from_bytes


def test_summary_json_round_trips_exactly() -> None:
    source = "from .x import y\nclass C(y):\n    @property\n    def p(self): return {'a': [y, *z]}\n"
    summary = summarize("pkg/mod.py", source)
    assert FileSummary.from_bytes(summary.to_bytes()) == summary


def test_raw_round_trips_through_from_raw() -> None:
    summary = summarize("pkg/__init__.py", "from .a import *\nX = 1\nclass C:\n    def m(self): pass\n")
    assert FileSummary.from_raw(summary.raw()) == summary
    assert summary.raw()[:3] == ("pkg/__init__.py", "pkg", True)
    assert summary.stars == ("pkg.a",)


def test_from_bytes_rejects_anything_but_a_current_entry() -> None:
    with pytest.raises(ValueError):
        FileSummary.from_bytes(b"not marshal data")
    with pytest.raises(ValueError):
        raw_from_bytes(marshal.dumps(("old-format", "a.py")))
