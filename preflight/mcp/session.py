"""The server's state: one repository, its config, the runtime snapshot and the work tree's code
index, loaded once and kept in memory between calls.

Nothing here writes to the repository: the work tree is read (git diff-index, never `git diff`,
which would rewrite the index), and the only files written are preflight's caches in the git
directory, as `check` writes them. The snapshot and the code index are reloaded when their
files change, so a snapshot rebuilt by `preflight collect`, or an edit, is seen by the next call.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from preflight import config, exposure, pipeline
from preflight.changes.revisions import WORKTREE, resolve_worktree
from preflight.commands import context
from preflight.errors import GitError, InputError
from preflight.models import FunctionChange, RevisionRange
from preflight.repository import Repository

if TYPE_CHECKING:
    from preflight.callgraph.cache import CallGraphIndex
    from preflight.callgraph.entrypoints import Pattern
    from preflight.exposure.prepared import Prepared

NO_SNAPSHOT = (
    "no runtime snapshot: start the server with one (`preflight mcp --snapshot DIR`) or set "
    "runtime.snapshot in .preflight.yml; build one from telemetry with `preflight collect`"
)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A runtime snapshot as the tools read it."""

    prepared: Prepared
    """Its change-independent answers (functions, rates, service graph, SLOs)."""
    runtime: exposure.Runtime
    """The same data as the pipeline joins it to a change."""
    location: Path
    reach: pipeline.Reach
    """Entry points, callers and inferred traffic from the work tree's code index."""


class Session:
    """A repository opened for the server's lifetime, with its config and warm caches."""

    def __init__(
        self,
        repo_dir: Path,
        snapshot: Path | None,
        config_file: str | None,
        environ: Mapping[str, str],
        now: Callable[[], datetime.datetime],
    ) -> None:
        self.repo = Repository(repo_dir)
        self.repo_dir = repo_dir
        self.environ = environ
        self.now = now
        self.config_file = config_file
        try:
            self.settings = _settings(self.repo, config_file, environ)
        except BaseException:
            self.repo.close()
            raise
        self.snapshot_dir = snapshot or (
            repo_dir / self.settings.snapshot if self.settings.snapshot else None
        )
        """--snapshot, else runtime.snapshot of the config (relative to the repository); None: none."""
        self._loaded: tuple[object, Loaded] | None = None
        self._index: tuple[object, CallGraphIndex] | None = None

    def close(self) -> None:
        """Stop the repository's git helper."""
        self.repo.close()

    @property
    def patterns(self) -> tuple[Pattern, ...]:
        """The config's extra entry-point patterns."""
        from preflight.callgraph.entrypoints import Pattern

        return tuple(Pattern(decorator, kind) for decorator, kind in self.settings.entry_points)

    def worktree(self) -> RevisionRange:
        """The work tree as a head (HEAD's commit under it), for the code index and reach."""
        head = self.repo.commit_sha("HEAD")
        if head is None:
            raise GitError(f"{self.repo.root}: no commit yet (HEAD names none): commit once")
        return RevisionRange("HEAD", WORKTREE, head, head, head, "mcp", worktree=True)

    def snapshot(self) -> Loaded:
        """The runtime snapshot, loaded on first use and again when its files change; InputError
        saying how to get one when there is none."""
        if self.snapshot_dir is None:
            raise InputError(NO_SNAPSHOT)
        key = _signature(self.snapshot_dir)
        if self._loaded is not None and self._loaded[0] == key:
            return self._loaded[1]
        from preflight.exposure import cache

        cache_dir = pipeline.runtime_cache(self.repo)
        runtime = exposure.load(None, self.snapshot_dir, cache_dir)
        prepared = cache.load(self.snapshot_dir, cache_dir)  # the copy the first load cached
        reach = pipeline.code_reach(self.repo, self.settings, runtime, self.code_index)
        loaded = Loaded(prepared, runtime, self.snapshot_dir, reach)
        self._loaded = (key, loaded)
        return loaded

    def code_index(
        self, repo: Repository, revisions: RevisionRange, patterns: tuple[Pattern, ...]
    ) -> CallGraphIndex:
        """The code index of a range's head (a pipeline.Index): the work tree's kept in memory
        while its files (paths and blob ids) stay the same."""
        from preflight.callgraph import cache

        if not revisions.worktree:
            return pipeline.code_index(repo, revisions, patterns)
        files = cache.worktree_files(repo)
        key = (tuple((path, blob) for path, blob, _ in files), patterns)
        if self._index is not None and self._index[0] == key:
            return self._index[1]
        # hold: its solved program stays in memory too, so the next index resumes from it (as the
        # hook's resident process does) rather than reading the pack again
        found = cache.index_files(files, cache.default_cache_dir(repo), None, patterns, hold=True)
        self._index = (key, found)
        return found

    def function(self, spec: str) -> FunctionChange:
        """The function PATH::QUALNAME names in the work tree (PATH relative to the repository, or
        absolute inside it); InputError saying what to pass instead."""
        path, name = context.split(spec)
        relative = self.relative(path)
        data = self.repo.worktree_file(relative)
        if data is None:
            raise InputError(
                f"{path}: no such file in the repository {self.repo.root} (a regular file, not a link); "
                "give its path relative to the repository root, e.g. shop/cart.py::Cart.add"
            )
        return context.definition(relative, name, data)

    def relative(self, path: str) -> str:
        """A path as the repository names it: relative to its root, / separated, no leading ./."""
        given = Path(path)
        if given.is_absolute():
            root = Path(os.path.realpath(self.repo.root))
            try:
                given = Path(os.path.realpath(given)).relative_to(root)
            except ValueError:
                raise InputError(
                    f"{path}: outside the repository {self.repo.root}; give a path inside it"
                ) from None
        found = given.as_posix()
        while found.startswith("./"):
            found = found[2:]
        return found


def _settings(repo: Repository, config_file: str | None, environ: Mapping[str, str]) -> config.Config:
    """The config `check --worktree` would read (the policy revision of the default range), else
    HEAD's when there is no default branch to compare with."""
    try:
        revision = pipeline.policy_revision(repo, resolve_worktree(repo, None, environ), environ)
    except GitError:
        revision = repo.commit_sha("HEAD")
    return pipeline.load_settings(repo, revision, config_file, None)


def _signature(directory: Path) -> object:
    """What changes when a snapshot is rebuilt or edited: the directory and each file's size and
    modification time (collect replaces the directory; an edit changes a time)."""
    try:
        top = directory.stat()
        files = sorted(
            (entry.name, entry.stat().st_size, entry.stat().st_mtime_ns) for entry in os.scandir(directory)
        )
    except OSError:
        return None  # absent or unreadable: loading says why
    return (top.st_ino, top.st_mtime_ns, tuple(files))
