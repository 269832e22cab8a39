"""The code index on disk: one summary per (git blob, path), so an unchanged file is never parsed twice.

Keys are content addresses: a blob id names exact bytes, and the path fixes the module
name, so a cached summary can never be stale; there is nothing to invalidate. A cold
build summarizes the missing files in one process per core (the workers write the entries).
Beside the entries, one pack file holds the last tree's summaries and solver state
(store.py), so that a warm run reads one file and re-solves only what a change can alter
(incremental.py); and graph.bin holds the last result (results.py), so that a run over the
same files reads only the graph and entry points.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from preflight.callgraph import CallGraph, FileSummary, entrycache, fixpoint, incremental, results, store
from preflight.callgraph.entrypoints import EntryPoint, Pattern
from preflight.callgraph.file_summary import RawSummary, raw_from_bytes
from preflight.files import read_regular, write_atomic
from preflight.memory import paused_gc

if TYPE_CHECKING:  # not imported at run time: the workers that summarize files never need it
    from preflight.repository import Repository

FORMAT = "v3"
"""Bump when FileSummary changes shape: old entries are then simply not found."""


@dataclass(frozen=True, slots=True)
class CallGraphIndex:
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
    solve: str = "scratch"
    """How the graph was solved: "unchanged", "incremental", "scratch" (with why, after a colon), or
    "approximate" (resumed through widened slots: index_files)."""
    links: tuple[str, ...] = ()
    """.py symlinks listed and not followed (index_directory; a git tree's are Repository.python_links)."""
    special: tuple[str, ...] = ()
    """.py paths that are not regular files (a FIFO, a device) or cannot be opened: not read."""


def default_cache_dir(repo: Repository) -> Path:
    """Inside the clone's git directory: private to it, never committed."""
    return repo.git_dir / "preflight" / "index" / FORMAT


def index(
    repo: Repository,
    revision: str,
    cache_dir: Path | None = None,
    workers: int | None = None,
    patterns: tuple[Pattern, ...] = (),
    approximate: bool = False,
) -> CallGraphIndex:
    """Call graph and entry points of every Python file at a revision, parsing only blobs the cache
    lacks (approximate: see index_files)."""
    files = [(path, blob, _reader(repo, blob)) for path, blob in repo.python_files(revision)]
    directory = cache_dir or default_cache_dir(repo)
    if HOLD and approximate:
        _asked[directory] = (repo.root, patterns)
        _prepared[directory] = revision
    return index_files(files, directory, workers, patterns, approximate)


def summaries(
    repo: Repository, revision: str, cache_dir: Path | None = None, workers: int | None = None
) -> list[FileSummary]:
    """Per-file summaries of every Python file at a revision, from the same cache, without linking."""
    files = [(path, blob, _reader(repo, blob)) for path, blob in repo.python_files(revision)]
    directory = cache_dir or default_cache_dir(repo)
    with paused_gc():
        raws = _gather(files, directory, workers, (), store.read(directory / PACK))[0]
    return [FileSummary.from_raw(raw) for raw in raws.values()]


def index_worktree(
    repo: Repository,
    cache_dir: Path | None = None,
    workers: int | None = None,
    patterns: tuple[Pattern, ...] = (),
    approximate: bool = False,
) -> CallGraphIndex:
    """Call graph and entry points of the work tree as it is on disk (edits and untracked files
    included), parsing only what the cache lacks: an unedited file has its commit's blob id."""
    return index_files(
        worktree_files(repo), cache_dir or default_cache_dir(repo), workers, patterns, approximate
    )


def worktree_files(repo: Repository) -> list[tuple[str, str, Callable[[], bytes]]]:
    """(path, blob id, read bytes) of every .py file of the work tree; an edited file is read now
    (its id is the one git would give it), and one that is not a regular file is left out."""
    files = []
    for path, blob in repo.worktree_python_files():
        if blob is not None:
            files.append((path, blob, _reader(repo, blob)))
            continue
        data = repo.worktree_file(path)
        if data is not None:
            files.append((path, _blob_id(data), _constant(data)))
    return files


def _reader(repo: Repository, blob: str) -> Callable[[], bytes]:
    return lambda: repo.read_blob(blob)


def index_directory(
    root: Path, cache_dir: Path, workers: int | None = None, patterns: tuple[Pattern, ...] = ()
) -> CallGraphIndex:
    """The call graph of the .py files under a directory as they are on disk (edits included).

    Module names are relative to the import root: the directory above the outermost
    package (a directory with `__init__.py`) that holds `root`, so `pkg/` names its
    modules `pkg.mod`, as its own imports do. Files are keyed by the id git would give
    them, so the cache is shared with `index`.
    """
    base, top = import_root(root), root.resolve()
    files = []
    links: list[str] = []
    special: list[str] = []
    for path in sorted(top.rglob("*.py")):
        relative = path.relative_to(top)
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in relative.parts[:-1]):
            continue
        # A symlink (of the file or of a directory above it) may point out of the repository:
        # listed, never read. top is resolved, so any link on the way changes the real path.
        if os.path.realpath(path) != str(path):
            links.append(relative.as_posix())
            continue
        data = read_regular(path, follow_links=False)  # a link swapped in since is not followed
        if data is None:
            special.append(relative.as_posix())
            continue
        files.append((path.relative_to(base).as_posix(), _blob_id(data), _constant(data)))
    found = index_files(files, cache_dir, workers, patterns)
    return replace(found, stats=replace(found.stats, links=tuple(links), special=tuple(special)))


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
    approximate: bool = False,
    hold: bool | None = None,
) -> CallGraphIndex:
    """(path, blob id, read bytes) per file -> call graph and entry points, cached by (blob, path).

    hold: keep the solved program in memory to resume the next index of this directory from (HOLD,
    the default, says whether this process does).

    approximate: resume the last solve even through widened slots (incremental.py), where an
    exact graph would be solved from scratch; the result's stats say when it is approximate. Such
    a result is not kept in RESULT (only an approximate run could use it, and rarely over the same
    files), and an exact run never resumes from its state."""
    hold = HOLD if hold is None else hold
    salt = entrycache.patterns_key(patterns)
    files_key = _files_key(files, salt)
    key = _result_key(files_key, directory / PACK)
    with paused_gc():
        known_index = _held_results.get(directory, {}).get(files_key) if approximate else None
        if known_index is not None:
            how = "approximate" if known_index.stats.solve == "approximate" else "unchanged"  # not solved now
            return replace(known_index, stats=replace(known_index.stats, parsed=0, solve=how))
        known = results.read(directory / RESULT, key)
        if known is not None:
            graph, stored, skipped = known
            return CallGraphIndex(
                graph, tuple(EntryPoint(*r) for r in stored), IndexStats(len(files), 0, skipped, "unchanged")
            )
        started = time.perf_counter()
        pack = _held.pop(directory, None) or store.read(directory / PACK)
        raws, entries, blobs, stats = _gather(files, directory, workers, patterns, pack)
        previous = pack.solved.graph if pack is not None else None  # held in memory (HOLD) only
        solved, how = incremental.solve(raws.values(), pack.solved if pack is not None else None, approximate)
        modules = {path: raw[1] for path, raw in solved.raws.items()} if previous is not None else None
        graph = solved.graph = fixpoint.graph(solved.program, solved.state, previous, solved.callers, modules)
        del previous
        exact = not solved.state.approximate
        how = how if exact else "approximate"
        rewrite = pack is None or pack.salt != salt or solved.redone > REWRITE_SHARE
        if rewrite or hold:
            by_path = {path: tuple(astuple(e) for e in found) for path, found in entries.items()}
            solved_pack = store.Pack(blobs, salt, by_path, solved)
            if rewrite:
                store.write(directory / PACK, solved_pack)
                key = _result_key(files_key, directory / PACK)  # the pack it now rests on
            if hold:
                _held[directory] = solved_pack
            del solved_pack
        del solved, pack, raws  # the state is most of the memory: let it go before writing the result
        ordered = tuple(entry for path in sorted(entries) for entry in entries[path])
        if exact:
            results.write(directory / RESULT, key, graph, tuple(astuple(e) for e in ordered), stats.skipped)
        found = CallGraphIndex(graph, ordered, IndexStats(stats.files, stats.parsed, stats.skipped, how))
        if hold:
            kept = _held_results.setdefault(directory, {})
            kept.pop(files_key, None)
            kept[files_key] = found
            while len(kept) > HELD_RESULTS:
                del kept[next(iter(kept))]
        with contextlib.suppress(OSError):  # a timing that cannot be written only costs the hook's budget
            seconds = round(time.perf_counter() - started, 3)
            write_atomic(directory / TIMING, orjson.dumps({"seconds": seconds, "solve": how}).decode())
    return found


HOLD = False
"""Keep each cache directory's last solved program in memory, to resume the next index from it
instead of reading the pack (set by a long-lived process: the hook's resident process). Any
solved program of its files is an exact place to resume from, so one older than the pack on disk
(another process indexed meanwhile) only costs more work."""
_held: dict[Path, store.Pack] = {}
_held_results: dict[Path, dict[bytes, CallGraphIndex]] = {}
"""With HOLD: each directory's last HELD_RESULTS indexes, by the files and patterns they are of
(_files_key); an approximate run takes one for the same files (see prepare)."""
HELD_RESULTS = 2
"""The commit indexed ahead of its push, and the work tree's edits indexed ahead of their commit."""
_edits: dict[Path, bytes] = {}
"""With HOLD: the files and patterns of the work tree each directory was last indexed at (prepare)."""
WORK_TREE = "work tree"
"""What prepare returns for an index of the work tree's edits."""
_asked: dict[Path, tuple[Path, tuple[Pattern, ...]]] = {}
"""With HOLD: the work tree and entry-point patterns each directory's last approximate index was
asked for (the hook's), to prepare the next one the same way."""
_prepared: dict[Path, str] = {}
"""With HOLD: the commit each directory was last indexed at for the hook (asked, or prepared)."""


def preload(root: Path) -> bool:
    """Read the code index's pack of the work tree at root into memory (HOLD), unless it is there
    already: a long-lived process does this when it starts, so that its first push resumes from
    memory. False when there is no repository or no pack of this version."""
    from preflight.errors import GitError
    from preflight.repository import Repository

    try:
        with Repository(root) as repo:
            directory = default_cache_dir(repo)
    except (GitError, OSError):
        return False
    pack = None if directory in _held else store.read(directory / PACK)
    if pack is None:
        return False
    _held[directory] = pack
    return True


def prepare() -> list[str]:
    """Index, as the hook's next push of each work tree will ask (approximately, with the last
    push's patterns), the commit its HEAD is at if that was not done yet, else the work tree's
    edits when they changed: a long-lived process calls this while it waits, so that a push made
    after committing finds its code index ready, also when it comes right after the commit of
    edits saved a moment before (results are held in memory, keyed by content: a push of other
    files does its own). Returns what was indexed: commits, and WORK_TREE."""
    from preflight.errors import GitError
    from preflight.repository import Repository

    done = []
    for directory, (root, patterns) in list(_asked.items()):
        try:
            with Repository(root) as repo:
                head = repo.commit_sha("HEAD")
                if head is None:
                    continue
                if _prepared.get(directory) != head:
                    _prepared[directory] = head
                    index(repo, head, directory, patterns=patterns, approximate=True)
                    done.append(head)
                    continue
                files = worktree_files(repo)
                key = _files_key(files, entrycache.patterns_key(patterns))
                if _edits.get(directory) != key and key not in _held_results.get(directory, {}):
                    _edits[directory] = key
                    index_files(files, directory, None, patterns, approximate=True)
                    done.append(WORK_TREE)
        except (GitError, OSError):  # the work tree moved or broke: its next push says so
            _asked.pop(directory, None)
    return done


TIMING = "timing.json"
"""How long the last build of the index took (summaries and solve; not a run answered from RESULT)."""


def last_build_seconds(repo: Repository) -> float | None:
    """Seconds the last build of this clone's code index took; None when none was recorded."""
    try:
        seconds = orjson.loads((default_cache_dir(repo) / TIMING).read_bytes())["seconds"]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds < math.inf:
        return None
    return float(seconds)


def resumable(repo: Repository) -> bool:
    """Whether this clone's code index has a solved program of this version to resume from (a
    pack on disk, or one held in memory): an approximate index then never solves from scratch,
    unless a change taints most of the program."""
    directory = default_cache_dir(repo)
    if directory in _held:
        return True
    try:
        with (directory / PACK).open("rb") as handle:
            return handle.read(len(store.HEADER)) == store.HEADER
    except OSError:
        return False


def _files_key(files: list[tuple[str, str, Callable[[], bytes]]], salt: str) -> bytes:
    """The files (path and blob) and patterns an index is of."""
    digest = hashlib.blake2b(salt.encode(), digest_size=16)
    for path, blob, _ in sorted(files, key=lambda f: f[0]):
        digest.update(f"{path}\0{blob}\n".encode("utf-8", "surrogatepass"))
    return digest.digest()


RESULT = "graph.bin"
"""The last graph and entry points, for a run over the same files: read instead of the pack."""


def _result_key(files_key: bytes, pack: Path) -> bytes:
    """What a result depends on: every (path, blob), the patterns, the solver's code (in the pack's
    header) and the pack itself (its header and CRC), so a result never outlives its pack."""
    digest = hashlib.blake2b(store.HEADER + files_key, digest_size=16)
    try:
        with pack.open("rb") as handle:
            digest.update(handle.read(len(store.HEADER) + 4))
    except OSError:
        digest.update(b"no pack")
    return digest.digest()


PACK = "solved.pack"
REWRITE_SHARE = 0.2
"""A run that re-solved at most this share of the constraints leaves the pack as it was.

Writing the pack costs about as much as re-evaluating a fifth of the program, so after a
small change the next run resumes from the same pack again (re-deriving this run's work)
rather than this run paying for the write; once the tree has drifted further, it is written.
"""


def _gather(
    files: list[tuple[str, str, Callable[[], bytes]]],
    directory: Path,
    workers: int | None,
    patterns: tuple[Pattern, ...],
    pack: store.Pack | None,
) -> tuple[dict[str, RawSummary], dict[str, list[EntryPoint]], dict[str, str], IndexStats]:
    """Raw summaries and entry points by path: from the pack, else the entries, else parsed (and cached)."""
    raws: dict[str, RawSummary] = {}
    entries: dict[str, list[EntryPoint]] = {}
    blobs: dict[str, str] = {}
    missing: list[tuple[str, str, Callable[[], bytes]]] = []
    salt = entrycache.patterns_key(patterns)
    packed = pack.solved.raws if pack is not None else {}
    rows = pack.entries if pack is not None and pack.salt == salt else {}
    for path, blob, read in files:
        if path in packed and pack is not None and pack.blobs.get(path) == blob and path in rows:
            raws[path], entries[path], blobs[path] = packed[path], [EntryPoint(*r) for r in rows[path]], blob
            continue
        entry = entrycache.path_of(directory, blob, path)
        try:
            raw = raw_from_bytes(entry.read_bytes())
            found = entrycache.from_json(entry.with_suffix(f".{salt}.entries").read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            missing.append((path, blob, read))
            continue
        raws[path], entries[path], blobs[path] = raw, found, blob
    texts: list[tuple[str, str, str]] = []
    skipped = 0
    for path, blob, read in missing:
        text = entrycache.text_of(read())
        if text is None:
            skipped += 1
        else:
            texts.append((path, blob, text))
    for (path, blob, _), (summary, encoded) in zip(
        texts, entrycache.summarize_all(texts, directory, workers, patterns), strict=True
    ):
        raws[path], entries[path], blobs[path] = raw_from_bytes(summary), entrycache.from_json(encoded), blob
    return raws, entries, blobs, IndexStats(len(files), len(texts), skipped)
