"""Folded stacks: `frame;frame;frame COUNT` per line (py-spy `--format raw`, flamegraph.pl input).

py-spy writes a frame as `Class.method (path/to/file.py:LINE)`: the name is the
code object's qualified name within its module (3.11+), the line is the line
executing when sampled, or with `py-spy record --function` the function's first
line (its first decorator). Other tools write bare `pkg.module.function` frames.
Synthetic frames (`thread (123)`, `process 7:"..."`), native frames and code
without a source file (`<frozen importlib._bootstrap>`) are skipped.

Counts are samples, not executions: a function's `calls` is the number of
samples whose stack contains it (inclusive, once per stack even when it
recurses). With a window, `calls_per_min` is samples per minute; that is a
weight for comparing functions, not a call rate.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from preflight.runtime.adapters.profiles import NOT_FUNCTIONS, ProfileAdapter
from preflight.runtime.records import RecordSink, SourceReport

# `name (file:line)`; the name may hold spaces and parentheses, so anchor on the last ` (`.
_PY_SPY_FRAME = re.compile(r"^(?P<name>.+) \((?P<file>[^()]+):(?P<line>\d+)\)$")
_BARE_FRAME = re.compile(r"^[A-Za-z_][\w]*(?:\.(?:[A-Za-z_]\w*|<lambda>))*$")
# Code objects that are not functions a change can touch; their samples already count for the enclosing function.
_NATIVE_SOURCES = (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".rs")
_SNIFF_LINES = 20
MAX_LINE = 2**31 - 1
"""No source file has more lines; a larger number is a damaged frame, not a function."""
MAX_SAMPLES = 2**62
"""Samples in one file: sums stay within the snapshot's Int64 columns."""
_MAX_COUNT_DIGITS = len(str(MAX_SAMPLES))


class Frame(NamedTuple):
    """One function as a folded frame names it."""

    name: str
    file_path: str | None
    line: int | None


class FoldedAdapter(ProfileAdapter):
    """Reads folded stacks; service and window come from the caller because the file has neither."""

    name = "folded"

    def sniff(self, path: Path, head: bytes) -> bool:
        """Most of the first lines are `stack COUNT` and at least one frame is recognizable."""
        text = head.decode("utf-8", errors="replace")
        lines = text.splitlines()
        if not text.endswith("\n") and len(lines) > 1:
            lines.pop()  # the head may end inside a line
        lines = [line for line in lines if line.strip()][:_SNIFF_LINES]
        if not lines:
            return False
        good = [parsed[0] for parsed in map(_parse_line, lines) if not isinstance(parsed, str)]
        return len(good) * 2 > len(lines) and any(_known(f) for stack in good for f in stack.split(";"))

    def read(self, path: Path, sink: RecordSink) -> SourceReport:
        """One functions row per function seen in any stack, with its inclusive sample count."""
        report = SourceReport(str(path), self.name)
        samples: Counter[tuple[str, str | None]] = Counter()
        first_line: dict[tuple[str, str | None], int | None] = {}
        total = 0  # every function's count is at most the file's total, so bounding it bounds them
        with path.open(encoding="utf-8", errors="replace") as handle:
            for raw in handle:
                if not raw.strip():
                    continue
                report.rows_read += 1
                reason = _add(raw.rstrip("\r\n"), samples, first_line, MAX_SAMPLES - total)
                if isinstance(reason, str):
                    report.reject(reason)
                else:
                    total += reason
        for (name, file_path), count in samples.items():
            sink.row("functions", self.function_row(name, file_path, first_line[name, file_path], count))
        return report


def _known(frame: str) -> bool:
    """True when parse_frame recognises the frame as a function."""
    try:
        return parse_frame(frame) is not None
    except ValueError:
        return False


def parse_frame(frame: str) -> Frame | None:
    """A py-spy or bare dotted frame, or None for synthetic, native or unreadable frames;
    ValueError for a py-spy frame whose line number cannot be a line (10^23, `²`)."""
    frame = frame.strip()
    match = _PY_SPY_FRAME.match(frame)
    if match is not None:
        # `--native` frames carry C/C++/Rust sources; `<frozen ...>`/`<string>` code has no file in a repository.
        if match["file"].startswith("<") or match["file"].endswith(_NATIVE_SOURCES):
            return None
        if not match["line"].isascii() or len(match["line"]) > 10 or int(match["line"]) > MAX_LINE:
            raise ValueError("bad line number")  # `\d` also matches digits such as `²` and `٣`
        # `outer.<locals>.inner` is `outer.inner` in the code index's naming.
        name = match["name"].replace(".<locals>", "")
        return Frame(name, match["file"], int(match["line"]))
    if _BARE_FRAME.match(frame):
        return Frame(frame, None, None)
    return None


def _parse_line(line: str) -> tuple[str, int] | str:
    """(stack, count) of a well-formed line, else the reason it is not one."""
    stack, _, count = line.rstrip().rpartition(" ")
    if count.isascii() and count.isdigit():  # str.isdigit also accepts `²`, which int() refuses
        if len(count) > _MAX_COUNT_DIGITS or int(count) > MAX_SAMPLES:
            return "count too large"
        # An empty stack is real: py-spy writes ` 1` for a sample with no Python frames.
        return stack, int(count)
    # `a;b;c`, or `a;b (file.py:3)` whose last frame was taken for the count.
    if not stack or ";" in count or "(" in count:
        return "missing count"
    return "bad count"


def _add(
    line: str,
    samples: Counter[tuple[str, str | None]],
    first_line: dict[tuple[str, str | None], int | None],
    room: int,
) -> str | int:
    """Count one line's samples for every function on its stack and return the count, or the
    reason the line is unusable (nothing counted). room: samples the file may still add."""
    parsed = _parse_line(line)
    if isinstance(parsed, str):
        return parsed
    stack, count = parsed
    if count > room:
        return "count too large"
    try:
        frames = [parse_frame(text) for text in stack.split(";")]
    except ValueError as error:
        return str(error)
    seen: set[tuple[str, str | None]] = set()
    for frame in frames:
        if frame is None or frame.name.rsplit(".", 1)[-1] in NOT_FUNCTIONS:
            continue
        key = (frame.name, frame.file_path)
        if key in seen:
            continue  # recursion: a stack counts once per function
        seen.add(key)
        samples[key] += count
        # Without --function the line is the sampled one; the smallest seen still lies inside the function.
        first_line[key] = _smallest(first_line.get(key), frame.line)
    return count


def _smallest(known: int | None, line: int | None) -> int | None:
    """The smaller of two optional lines."""
    if known is None or line is None:
        return line if known is None else known
    return min(known, line)


ADAPTER = FoldedAdapter()
"""Without a service or window: service "unknown", rates unknown."""
