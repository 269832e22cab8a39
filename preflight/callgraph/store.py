"""The last solved program on disk: every file's summary and entry points, and the solver's state.

One file per cache directory, for the last tree indexed there: a warm run reads it instead
of one cache entry per source file, and resumes the solve from it (incremental.py). It
is marshal (plain data, nothing runs on load) behind a header naming its format and a
CRC-32 of the rest: a file from another version, or a damaged one, is not used (the run
then reads the per-file entries and solves from scratch), so it can never alter a graph.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from preflight import __version__
from preflight.callgraph.file_summary import CACHE_FORMAT, RawSummary
from preflight.callgraph.program import Program, add_tables
from preflight.callgraph.state import Solved, SolverState

STATE_FORMAT = 1
"""Bump when the solver's rules or SolverState's shape change: older files are then not used."""
_RULES = (
    "calls.py",
    "fixpoint.py",
    "hierarchy.py",
    "incremental.py",
    "members.py",
    "names.py",
    "program.py",
    "solver.py",
    "state.py",
    "store.py",
    "tables.py",
    "widening.py",
)


def _rules_digest() -> str:
    """A digest of the solver's own code: a pack that other code wrote is never used, even if
    STATE_FORMAT was not bumped (a state holds what those rules derived)."""
    digest = hashlib.blake2b(digest_size=8)
    for name in _RULES:
        try:
            digest.update((Path(__file__).parent / name).read_bytes())
        except OSError:  # installed without sources: the version and STATE_FORMAT decide
            digest.update(name.encode())
    return digest.hexdigest()


HEADER = f"preflight-callgraph {__version__} {STATE_FORMAT} {CACHE_FORMAT} {_rules_digest()}\n".encode()

EntryRow = tuple[Any, ...]
"""An entry point's fields, in EntryPoint's order."""


@dataclass(slots=True)
class Pack:
    """A solved tree: which blob each path held, its entry points, and the solved program."""

    blobs: dict[str, str]
    salt: str
    """The entry-point patterns the entries were found with (see entrycache.patterns_key)."""
    entries: dict[str, tuple[EntryRow, ...]]
    solved: Solved


def read(path: Path) -> Pack | None:
    """The pack at path, or None when there is none or it is not one of this version, intact."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = len(HEADER) + 4
    if not data.startswith(HEADER) or zlib.crc32(memoryview(data)[start:]) != int.from_bytes(
        data[len(HEADER) : start], "big"
    ):
        return None
    try:
        parts = []
        while start < len(data):
            size = int.from_bytes(data[start : start + 8], "big")
            parts.append(marshal.loads(memoryview(data)[start + 8 : start + 8 + size]))
            start += 8 + size
        return _unpack(*parts)
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def write(path: Path, pack: Pack) -> None:
    """Replace the pack at path (via a temporary file and a rename); a failure leaves the old one."""

    def fill(handle: BinaryIO) -> None:
        handle.write(HEADER + bytes(4))  # the CRC, written once the parts are
        crc = 0
        for part in _payload(pack):  # one part in memory at a time: a large state is hundreds of MB
            data = marshal.dumps(part, 4)
            size = len(data).to_bytes(8, "big")
            crc = zlib.crc32(data, zlib.crc32(size, crc))
            handle.write(size)
            handle.write(data)
            del data
        handle.seek(len(HEADER))
        handle.write(crc.to_bytes(4, "big"))

    write_quietly(path, fill)


def replace_quietly(path: Path, chunks: Iterable[bytes]) -> None:
    """Write via a temporary file and rename: concurrent runs never read a half-written file.

    Cache files only save time: when one cannot be written (read-only clone, full disk)
    the run goes on without it.
    """

    def fill(handle: BinaryIO) -> None:
        for chunk in chunks:
            handle.write(chunk)

    write_quietly(path, fill)


def write_quietly(path: Path, fill: Callable[[BinaryIO], None]) -> None:
    """replace_quietly with the content written by fill(handle)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
        os.replace(tmp, path)
    except OSError:
        os.unlink(tmp)
    except BaseException:
        os.unlink(tmp)
        raise


RAW_PARTS = 8
"""The summaries go in this many parts: marshal doubles its buffer as it grows, so one part of
a million lines' summaries would hold over 200 MB at once while the pack is written."""
STATE_PARTS = 4
"""Each of the state's tables goes in this many parts, for the same reason (its largest tables,
slots and readers, are about as large as all the summaries together)."""
_TABLES = frozenset(
    name for name in SolverState.__slots__ if isinstance(getattr(SolverState(), name), dict | set)
)
"""The state's fields that are tables (dicts and sets), split in STATE_PARTS."""


def _payload(pack: Pack) -> Iterator[Any]:
    """The parts, each marshalled alone (loading one huge object graph is slower, and writing
    holds one part's bytes at a time): the tables, the summaries in RAW_PARTS pieces, then each
    field of the state (its tables in STATE_PARTS pieces). Made one at a time, as written."""
    solved, program, state = pack.solved, pack.solved.program, pack.solved.state
    yield {
        "blobs": pack.blobs,
        "salt": pack.salt,
        "entries": pack.entries,
        "owners": program.owners,
        "size": len(program.constraints),
        "mro": program.mro,
        "seeds": program.seeds,
    }
    yield from (
        {path: solved.raws[path] for path in part} for part in _slices(sorted(solved.raws), RAW_PARTS)
    )
    for name in SolverState.__slots__:
        value = getattr(state, name)
        if isinstance(value, dict):
            yield from ({key: value[key] for key in part} for part in _slices(list(value), STATE_PARTS))
        elif isinstance(value, set):
            yield from (set(part) for part in _slices(sorted(value), STATE_PARTS))
        else:
            yield value


def _slices(keys: list[Any], parts: int) -> Iterator[list[Any]]:
    """keys in `parts` consecutive slices (some may be empty), each made when asked for."""
    step = -(-len(keys) // parts) or 1
    for start in range(0, step * parts, step):
        yield keys[start : start + step]


def _unpack(payload: dict[str, Any], *parts: Any) -> Pack:
    if len(parts) != RAW_PARTS + (STATE_PARTS - 1) * len(_TABLES) + len(SolverState.__slots__):
        raise ValueError("not a pack of this format")
    raws: dict[str, RawSummary] = {}
    for piece in parts[:RAW_PARTS]:
        raws.update(piece)
    rest = iter(parts[RAW_PARTS:])
    state_fields: dict[str, Any] = {}
    for name in SolverState.__slots__:
        value = next(rest)
        if name in _TABLES:
            for _ in range(STATE_PARTS - 1):
                value.update(next(rest))
        state_fields[name] = value
    program = Program()
    for path in sorted(raws):
        add_tables(program, raws[path])
    constraints: list[Any] = [None] * payload["size"]
    for path, ids in payload["owners"].items():
        raw = raws[path]
        for index, constraint in zip(ids, (*raw[7], *raw[8]), strict=True):
            constraints[index] = constraint
    program.constraints = constraints
    program.owners = payload["owners"]
    program.mro = payload["mro"]
    program.seeds = payload["seeds"]
    state = SolverState(**state_fields)
    return Pack(payload["blobs"], payload["salt"], payload["entries"], Solved(raws, program, state))
