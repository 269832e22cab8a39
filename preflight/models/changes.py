"""Stage 1's contracts: the revisions compared, and every changed file and function."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

FileStatus = Literal["added", "deleted", "modified", "renamed", "copied", "type-changed"]
"""How a file changed (git's statuses by name)."""
Parsed = Literal["full", "partial", "no"]
Scope = Literal["function", "module", "class"]


class ChangeKind(str, Enum):
    """How a function changed between the base and the head revision."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RENAMED = "renamed"
    COSMETIC = "cosmetic"
    READS_CHANGED = "reads-changed"
    """Unchanged itself, but it reads a name whose module- or class-level statement changed."""


class Aspect(str, Enum):
    """Which part of a modified function changed."""

    SIGNATURE = "signature"
    BODY = "body"
    DECORATORS = "decorators"
    DOCSTRING = "docstring"


BEHAVIOURAL_KINDS = frozenset(
    {ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.MODIFIED, ChangeKind.READS_CHANGED}
)


@dataclass(frozen=True, slots=True)
class RevisionRange:
    """The two revisions being compared."""

    base: str
    """Base as the user or environment named it (ref or sha)."""
    head: str
    """Head as named (ref or sha)."""
    base_sha: str | None
    """Resolved base commit; None when the base is the empty tree (root commit, new repository)."""
    head_sha: str
    """Resolved head commit."""
    merge_base: str | None
    """Merge base of base and head; the diff runs from here to head. None means the empty tree."""
    source: str
    """Where the base came from: explicit, default-branch, github-event, github-base-ref, pre-push."""
    worktree: bool = False
    """True when the head is the work tree (staged, unstaged and untracked edits on top of the
    commit head_sha), not a commit: its files are read from disk (never imported)."""


@dataclass(frozen=True, slots=True)
class LineSpan:
    """An inclusive 1-based line range."""

    start: int
    end: int

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.start <= line <= self.end


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file changed between merge base and head."""

    path: str
    """Path at head (at base for deleted files)."""
    old_path: str | None
    """Path at base; None for added files; differs from path for renames."""
    status: str
    """added, deleted, modified, renamed, copied, type-changed (a FileStatus)."""
    language: str
    """Python, Python stub, Markdown, ..., binary, symlink, submodule, unknown."""
    parsed: str
    """A Parsed: full, partial (syntax errors), no (not Python, binary, too large, undecodable)."""
    added_lines: int
    removed_lines: int
    unparsed: str | None = None
    """Why a Python version of the file could not be parsed, or only partially (too large,
    undecodable, a syntax error): its changes are unknown, never "nothing changed". None when
    every Python version parsed fully, and for files that are not Python."""


@dataclass(frozen=True, slots=True)
class FunctionChange:
    """One function (def or async def, any depth) that changed, or, with scope `module` or
    `class`, the statements of a module or class body outside any def (constants, imports,
    class attributes, top-level calls)."""

    path: str
    """File at head; at base for removed functions."""
    old_path: str | None
    """File at base; None for added functions."""
    qualname: str
    """Full dotted name at head: module + nesting (pkg.mod.Class.method)."""
    old_qualname: str | None
    """Full dotted name at base; None for added functions."""
    kind: ChangeKind
    aspects: tuple[Aspect, ...]
    """For modified functions: which parts changed. Empty otherwise."""
    new_lines: LineSpan | None
    """Lines at head including decorators; None for removed functions."""
    old_lines: LineSpan | None
    """Lines at base including decorators; None for added functions."""
    added_lines: int
    """Diff lines added inside the function at head."""
    removed_lines: int
    """Diff lines removed inside the function at base."""
    signature_break: tuple[str, ...] | None = None
    """For modified functions with a signature aspect, by Python's calling rules: None when the
    parameters and async-ness did not change (annotations, return type), () when every call the
    old signature accepted still binds the same way, else why not ("timeout is now required")."""
    scope: Scope = "function"
    """function; module or class when qualname is a module or class whose statements outside
    any def changed (kind modified, lines the span of the changed statements)."""
    names: tuple[str, ...] = ()
    """Scope module or class: the names the changed statements bind (EUR_RATES); kind
    reads-changed: the changed names this function mentions."""
    read_by: tuple[str, ...] = ()
    """Scope module or class: functions of the same file that mention one of names (changed or
    not); empty means no reader was found, so what the change reaches is unknown."""

    @property
    def behavioural(self) -> bool:
        """True when the change can alter behaviour (not cosmetic, not a pure rename)."""
        return self.kind in BEHAVIOURAL_KINDS


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Stage 1 output: every changed file and function of a revision range."""

    revisions: RevisionRange
    files: tuple[FileChange, ...]
    functions: tuple[FunctionChange, ...]
    warnings: tuple[str, ...] = ()
