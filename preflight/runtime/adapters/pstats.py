"""cProfile/pstats files: the marshal-encoded dict `pstats.Stats.dump_stats` writes.

The dict maps (filename, first line, function name) to (primitive calls, total
calls, own seconds, cumulative seconds, callers). The line is the code object's
co_firstlineno, which for a decorated function is the line of its first
decorator, not the `def` (checked on CPython 3.11, 3.12 and 3.13). The name is
co_name, the bare name (`price`, not `Orders.price`), so `qualname` is only set
when the name is dotted; the file and line identify the function.

Loaded with `marshal`, never `pickle`: marshal builds plain values and runs no
code. A profile covers one process and no window, so rows carry no edges and,
unless the caller gives the window, no rates.
"""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

from preflight.runtime.adapters.profiles import NOT_FUNCTIONS, ProfileAdapter
from preflight.runtime.records import RecordSink, SourceReport

# marshal type codes, with the 0x80 "remember this object" flag masked off.
_DICT = ord("{")
_TUPLES = (ord("("), ord(")"))
_END = ord("0")
_FLAG_REF = 0x80
MAX_LINE = 2**31 - 1
MAX_CALLS = 2**53
"""More calls than this in one profile is damage; it also keeps sums within Int64."""


class PstatsAdapter(ProfileAdapter):
    """Reads cProfile output; service and window come from the caller because the file has neither."""

    name = "pstats"

    def sniff(self, path: Path, head: bytes) -> bool:
        """A marshalled dict whose first key is a tuple of three; then a full load to be sure."""
        if len(head) < 2 or head[0] & ~_FLAG_REF != _DICT:
            return False
        kind = head[1] & ~_FLAG_REF
        # '0' ends a dict: an empty profile. A small tuple stores its length in the next byte.
        if kind != _END and (kind not in _TUPLES or (kind == ord(")") and head[2:3] != b"\x03")):
            return False
        return _load(path) is not None

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """One functions row per profiled function; builtins and non-functions are counted as rejected."""
        report = SourceReport(str(path), self.name)
        stats = _load(path)
        if stats is None:
            report.reject("not a pstats file")
            return report
        for key, value in stats.items():
            report.rows_read += 1
            reason = _problem(key, value)
            if reason is not None:
                report.reject(reason)
                continue
            file_path, line, funcname = key
            sink.row("functions", self.function_row(funcname, file_path, line, value[1]))  # total calls
        return report


def _load(path: Path) -> dict[Any, Any] | None:
    """The stats dict, or None when the file is not a marshalled dict."""
    try:
        value = marshal.loads(path.read_bytes())
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def _problem(key: Any, value: Any) -> str | None:
    """Why an entry cannot be a functions row, or None when it can."""
    if not (isinstance(key, tuple) and len(key) == 3 and isinstance(value, tuple) and len(value) == 5):
        return "bad entry"
    file_path, line, funcname = key
    if not (isinstance(file_path, str) and isinstance(line, int) and isinstance(funcname, str)):
        return "bad entry"
    calls = value[1]
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 0:
        return "bad entry"
    # marshal holds integers of any size; the snapshot's columns are Int64.
    if not 0 <= line <= MAX_LINE or calls > MAX_CALLS:
        return "number too large"
    # cProfile files C functions under '~' with a name like '<built-in method builtins.len>'.
    if file_path == "~" or funcname.startswith(("<built-in", "<method ")):
        return "builtin"
    # '<frozen importlib._bootstrap>', '<string>': code with no file in any repository.
    if file_path.startswith("<"):
        return "no source file"
    if funcname in NOT_FUNCTIONS:
        return "not a function"
    return None


ADAPTER = PstatsAdapter()
"""Without a service or window: service "unknown", rates unknown."""
