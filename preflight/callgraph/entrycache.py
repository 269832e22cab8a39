"""The code index's per-file cache entries, and summarizing the files it lacks (in parallel).

An entry is one file's summary (marshal) and its entry points for one set of patterns (JSON),
keyed by blob id and path, in the cache directory (see cache.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import orjson

from preflight.callgraph import FileSummary, store, summarize
from preflight.callgraph.entrypoints import EntryPoint, Pattern, find
from preflight.callgraph.summary import parse
from preflight.changes import sources

PARALLEL_MIN_FILES = 64
"""Below this many missing files, worker start-up costs more than it saves."""


def patterns_key(patterns: tuple[Pattern, ...]) -> str:
    """Entry points depend on the configured patterns: they are part of that cache key."""
    text = "\n".join(f"{p.decorator}\0{p.kind}" for p in patterns)
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def to_json(found: list[EntryPoint]) -> bytes:
    return orjson.dumps([asdict(e) for e in found])


def from_json(data: bytes) -> list[EntryPoint]:
    return [EntryPoint(**item) for item in orjson.loads(data)]


def text_of(data: bytes) -> str | None:
    if len(data) > sources.MAX_PARSE_BYTES or sources.is_binary(data):
        return None
    try:
        return sources.decode(data)
    except ValueError:
        return None


def path_of(directory: Path, blob: str, path: str) -> Path:
    where = hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return directory / blob[:2] / f"{blob}-{where}.bin"


def _one(path: str, text: str, patterns: tuple[Pattern, ...]) -> tuple[FileSummary, list[EntryPoint]]:
    tree = parse(text)
    return summarize(path, text, tree), find(path, text, patterns, tree)


def _summarize_chunk(
    chunk: list[tuple[str, str, str]], patterns: tuple[Pattern, ...], directory: Path
) -> list[tuple[bytes, bytes]]:
    """Summarize and cache some files: (summary, entry points) as the cache stores them."""
    salt = patterns_key(patterns)
    results = []
    for path, blob, text in chunk:
        summary, found = _one(path, text, patterns)
        encoded = summary.to_bytes(), to_json(found)
        entry = path_of(directory, blob, path)
        store.replace_quietly(entry, [encoded[0]])
        store.replace_quietly(entry.with_suffix(f".{salt}.entries"), [encoded[1]])
        results.append(encoded)
    return results


CHUNKS_PER_WORKER = 8
"""Work goes out in this many pieces per worker, so a worker slowed by other load takes fewer."""


def summarize_all(
    texts: list[tuple[str, str, str]], directory: Path, workers: int | None, patterns: tuple[Pattern, ...]
) -> Iterator[tuple[bytes, bytes]]:
    """(summary, entry points) encoded as cached, per file in order; cached as they are made.

    A generator: the caller decodes each piece as it arrives, so the encoded results of a
    million lines are never all in memory at once.
    """
    count = workers or os.cpu_count() or 1
    if count < 2 or len(texts) < PARALLEL_MIN_FILES:
        yield from _summarize_chunk(texts, patterns, directory)
        return
    import multiprocessing  # only now: a warm run parses a few files in this process
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(texts) // (count * CHUNKS_PER_WORKER))
    chunks = [texts[start : start + size] for start in range(0, len(texts), size)]
    # spawn, not fork: the parent holds git helper processes and may hold library threads.
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
        for encoded in pool.map(
            _summarize_chunk, chunks, [patterns] * len(chunks), [directory] * len(chunks)
        ):
            yield from encoded
