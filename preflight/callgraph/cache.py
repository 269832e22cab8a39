"""The code index on disk: one summary per (git blob, path), so an unchanged file is never parsed twice.

Keys are content addresses: a blob id names exact bytes, and the path fixes the module
name, so a cached summary can never be stale; there is nothing to invalidate. A cold
build summarizes the missing files in one process per core.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from preflight.callgraph import CallGraph, FileSummary, link, summarize
from preflight.callgraph.entrypoints import EntryPoint, Pattern, find
from preflight.changes import sources
from preflight.repository import Repository

FORMAT = "v2"
"""Bump when FileSummary changes shape: old entries are then simply not found."""
PARALLEL_MIN_FILES = 64
"""Below this many missing files, worker start-up costs more than it saves."""


@dataclass(frozen=True, slots=True)
class CodeIndex:
    """The whole repository's call graph and entry points."""

    graph: CallGraph
    entry_points: tuple[EntryPoint, ...]
    stats: IndexStats


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What an index run did, for reports and benchmarks."""

    files: int
    parsed: int
    """Files summarized in this run (not found in the cache)."""
    skipped: int
    """Files not summarized: binary, too large or undecodable."""


def default_cache_dir(repo: Repository) -> Path:
    """Inside the clone's git directory: private to it, never committed."""
    return repo.git_dir / "preflight" / "index" / FORMAT


def index(
    repo: Repository,
    revision: str,
    cache_dir: Path | None = None,
    workers: int | None = None,
    patterns: tuple[Pattern, ...] = (),
) -> CodeIndex:
    """Call graph and entry points of every Python file at a revision, parsing only blobs the cache lacks."""
    files = [(path, blob, _reader(repo, blob)) for path, blob in repo.python_files(revision)]
    return index_files(files, cache_dir or default_cache_dir(repo), workers, patterns)


def summaries(
    repo: Repository, revision: str, cache_dir: Path | None = None, workers: int | None = None
) -> list[FileSummary]:
    """Per-file summaries of every Python file at a revision, from the same cache, without linking."""
    files = [(path, blob, _reader(repo, blob)) for path, blob in repo.python_files(revision)]
    return _summaries(files, cache_dir or default_cache_dir(repo), workers, ())[0]


def _reader(repo: Repository, blob: str) -> Callable[[], bytes]:
    return lambda: repo.read_blob(blob)


def index_directory(
    root: Path, cache_dir: Path, workers: int | None = None, patterns: tuple[Pattern, ...] = ()
) -> CodeIndex:
    """The call graph of the .py files under a directory as they are on disk (edits included).

    Module names are relative to the import root: the directory above the outermost
    package (a directory with `__init__.py`) that holds `root`, so `pkg/` names its
    modules `pkg.mod`, as its own imports do. Files are keyed by the id git would give
    them, so the cache is shared with `index`.
    """
    base = import_root(root)
    files = []
    for path in sorted(root.resolve().rglob("*.py")):
        relative = path.relative_to(root.resolve())
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in relative.parts[:-1]):
            continue
        data = path.read_bytes()
        files.append((path.relative_to(base).as_posix(), _blob_id(data), _constant(data)))
    return index_files(files, cache_dir, workers, patterns)


def import_root(directory: Path) -> Path:
    """The directory imports are relative to: above every enclosing package."""
    root = directory.resolve()
    while (root / "__init__.py").is_file() and root.parent != root:
        root = root.parent
    return root


SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "build", "dist"})


def _constant(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _blob_id(data: bytes) -> str:
    """git's object id of a blob (sha1 of a header and the bytes), without running git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def index_files(
    files: list[tuple[str, str, Callable[[], bytes]]],
    directory: Path,
    workers: int | None = None,
    patterns: tuple[Pattern, ...] = (),
) -> CodeIndex:
    """(path, blob id, read bytes) per file -> call graph and entry points, cached by (blob, path)."""
    found, entries, stats = _summaries(files, directory, workers, patterns)
    return CodeIndex(link(found), tuple(entries), stats)


def _summaries(
    files: list[tuple[str, str, Callable[[], bytes]]],
    directory: Path,
    workers: int | None,
    patterns: tuple[Pattern, ...],
) -> tuple[list[FileSummary], list[EntryPoint], IndexStats]:
    """Summaries and entry points of the files: from the cache, else parsed (and then cached)."""
    summaries: list[FileSummary] = []
    entries: list[EntryPoint] = []
    missing: list[tuple[str, str, Callable[[], bytes]]] = []
    salt = _patterns_key(patterns)
    for path, blob, read in files:
        entry = _entry(directory, blob, path)
        try:
            summary = FileSummary.from_bytes(entry.read_bytes())
            found = _entries_from_json(entry.with_suffix(f".{salt}.entries").read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            missing.append((path, blob, read))
            continue
        summaries.append(summary)
        entries.extend(found)
    texts: list[tuple[str, str, str]] = []
    skipped = 0
    for path, blob, read in missing:
        text = _text(read())
        if text is None:
            skipped += 1
        else:
            texts.append((path, blob, text))
    for (path, blob, _), (summary, found) in zip(
        texts, _summarize_all(texts, workers, patterns), strict=True
    ):
        summaries.append(summary)
        entries.extend(found)
        entry = _entry(directory, blob, path)
        _store(entry, summary.to_bytes())
        _store(entry.with_suffix(f".{salt}.entries"), _entries_to_json(found))
    return summaries, entries, IndexStats(len(files), len(texts), skipped)


def _patterns_key(patterns: tuple[Pattern, ...]) -> str:
    """Entry points depend on the configured patterns: they are part of that cache key."""
    text = "\n".join(f"{p.decorator}\0{p.kind}" for p in patterns)
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def _entries_to_json(found: list[EntryPoint]) -> bytes:
    return orjson.dumps([asdict(e) for e in found])


def _entries_from_json(data: bytes) -> list[EntryPoint]:
    return [EntryPoint(**item) for item in orjson.loads(data)]


def _text(data: bytes) -> str | None:
    if len(data) > sources.MAX_PARSE_BYTES or sources.is_binary(data):
        return None
    try:
        return sources.decode(data)
    except ValueError:
        return None


def _entry(directory: Path, blob: str, path: str) -> Path:
    where = hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return directory / blob[:2] / f"{blob}-{where}.bin"


def _store(entry: Path, data: bytes) -> None:
    """Write via a temporary file and rename: concurrent runs never read a half-written entry.

    The cache only saves time: when it cannot be written (read-only clone, full disk)
    the run goes on without it.
    """
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, entry)
    except OSError:
        os.unlink(tmp)
    except BaseException:
        os.unlink(tmp)
        raise


def _one(path: str, text: str, patterns: tuple[Pattern, ...]) -> tuple[FileSummary, list[EntryPoint]]:
    return summarize(path, text), find(path, text, patterns)


def _summarize_chunk(
    chunk: list[tuple[str, str]], patterns: tuple[Pattern, ...]
) -> list[tuple[bytes, bytes]]:
    results = []
    for path, text in chunk:
        summary, found = _one(path, text, patterns)
        results.append((summary.to_bytes(), _entries_to_json(found)))
    return results


def _summarize_all(
    texts: list[tuple[str, str, str]], workers: int | None, patterns: tuple[Pattern, ...]
) -> list[tuple[FileSummary, list[EntryPoint]]]:
    count = workers or os.cpu_count() or 1
    pairs = [(path, text) for path, _, text in texts]
    if count < 2 or len(pairs) < PARALLEL_MIN_FILES:
        return [_one(path, text, patterns) for path, text in pairs]
    chunks = [pairs[i::count] for i in range(count)]
    # spawn, not fork: the parent holds git helper processes and may hold library threads.
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_summarize_chunk, chunks, [patterns] * count))
    by_path = {}
    for chunk, encoded in zip(chunks, results, strict=True):
        for (path, _), (summary, found) in zip(chunk, encoded, strict=True):
            by_path[path] = (FileSummary.from_bytes(summary), _entries_from_json(found))
    return [by_path[path] for path, _ in pairs]
