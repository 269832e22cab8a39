"""How many bytes of Python tree-sitter parses (and preflight fingerprints) in well under a second.

Sets preflight.changes.sources.MAX_PARSE_BYTES: a changed file over the limit is listed, not
parsed, and counts as unknown code (never "nothing changed"). Run on the target machine:

    .venv/bin/python bench/parse_limit.py [--budget 0.5]

It times one tree-sitter parse of generated code shaped like real modules (classes,
methods, literals, comments), and for comparison the whole changes-stage work on such a file
(changes.file_pair: both versions parsed, one edit in the middle, functions matched) and on a
small module padded with one long comment line (issue 17, item 2). It prints the largest size
whose tree-sitter parse stays within the budget.
"""

from __future__ import annotations

import argparse
import time

import tree_sitter_python
from tree_sitter import Language, Parser

from preflight.changes.changeset import file_pair

_PARSER = Parser(Language(tree_sitter_python.language()))
_CHUNK = '''

class Service{n}:
    """A service with some state."""

    RATES = {{"EUR": 1.0, "USD": 1.08, "GBP": 0.85}}

    def __init__(self, client, timeout: float = 2.5) -> None:
        self.client = client  # the shared HTTP client
        self.timeout = timeout

    def convert(self, amount: float, currency: str = "EUR") -> float:
        if currency not in self.RATES:
            raise ValueError(f"unknown currency {{currency!r}}")
        return round(amount * self.RATES[currency], 2)

    async def fetch(self, path: str, *args, retries=3, **kwargs):
        for attempt in range(retries):
            try:
                return await self.client.get(path, timeout=self.timeout, *args, **kwargs)
            except TimeoutError:
                continue
        return [x * 2 for x in range({n}) if x % 3]
'''


def generated(size: int) -> str:
    """Python source of about `size` bytes."""
    pieces, total, n = [], 0, 0
    while total < size:
        piece = _CHUNK.format(n=n)
        pieces.append(piece)
        total += len(piece)
        n += 1
    return "".join(pieces)


def timed(old: str, new: str | None = None, repeat: int = 3) -> float:
    """Best wall time over `repeat` runs, in seconds: of file_pair, or of one parse without new."""
    best = float("inf")
    data = old.encode()
    for _ in range(repeat):
        start = time.perf_counter()
        if new is None:
            _PARSER.parse(data)
        else:
            file_pair("m.py", "m.py", old, new, [])
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=0.5, help="seconds (default 0.5)")
    args = parser.parse_args()
    largest = 0
    for tenths in (5, 10, 20, 25, 30, 35, 40, 60, 80):
        size = tenths * 100_000
        old = generated(size)
        middle = len(old) // 2
        new = old[:middle] + "\nEXTRA = 1\n" + old[middle:]
        parsed = timed(old)
        stage = timed(old, new)
        padded = timed(old[:20_000], old[:20_000] + "#" + "x" * size + "\n")
        print(
            f"{size / 1e6:4.1f} MB: tree-sitter parse {parsed:.3f} s, changes stage {stage:.3f} s, "
            f"20 kB module + one comment line {padded:.3f} s"
        )
        if parsed <= args.budget:
            largest = size
    print(f"largest size within {args.budget} s: {largest:,} bytes")


if __name__ == "__main__":
    main()
