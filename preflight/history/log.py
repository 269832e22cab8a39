"""Parse what preflight.repository streams from git: history records, -z numstat, patches.

A record is a HISTORY_FORMAT header, a NUL, the commit's `--numstat -z` entries and, when
patches were asked for, an extra NUL and the patch. Records are split on the separator
only at the start of a line, or after a NUL outside a patch (see records): every line of a
patch's hunks starts with "+", "-", " " or "\\", so a separator byte inside file content
never splits a record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

SEPARATOR = "\x1e"
_ADDED = re.compile(r"^\+(.*)$", re.M)
_REMOVED = re.compile(r"^-(.*)$", re.M)


@dataclass(frozen=True, slots=True)
class CommitFile:
    """One file of a commit, as `git log --numstat` reports it."""

    path: str
    """Path after the commit."""
    old_path: str | None
    """Path before a rename, else None."""
    added: int
    """Lines added (0 for binary files)."""
    deleted: int
    """Lines deleted (0 for binary files)."""


@dataclass(frozen=True, slots=True)
class PythonHunks:
    """The lines a change added to and removed from one .py file (hunk bodies only, no context)."""

    path: str
    """The path as the patch names it (after the change; before it for a deleted file)."""
    added: str
    """The added lines, without their "+", joined by newlines."""
    removed: str
    """The removed lines, without their "-", joined by newlines."""


@dataclass(frozen=True, slots=True)
class LogCommit:
    """One commit as the history stream delivers it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    """Author e-mail, lower case, after .mailmap."""
    time: int
    """Committer time, seconds since the epoch."""
    subject: str
    files: tuple[CommitFile, ...]
    python: tuple[PythonHunks, ...] = ()
    """The hunks of its .py files (only when the stream carried patches)."""


def records(chunks: Iterable[str]) -> Iterator[str]:
    """The records of a stream of text pieces (each without its leading separator).

    A record starts at a separator after a newline, or after a NUL while the record before has
    no patch: git checks only the first 8,000 bytes of a file for NULs, so a "text" file can
    have a NUL (and a separator after it) in a patch line, but every patch ends with a newline."""
    parts: list[str] = []
    last = "\n"  # the stream's start counts as a line start
    in_patch = False
    for chunk in chunks:
        start = 0
        at = chunk.find(SEPARATOR)
        while at >= 0:
            before = chunk[at - 1] if at else last
            if before == "\0" and not in_patch:
                in_patch = "\0diff --git " in "".join(parts) + chunk[start:at]
            if before == "\n" or (before == "\0" and not in_patch):
                parts.append(chunk[start:at])
                if record := "".join(parts):
                    yield record
                parts, start, in_patch = [], at + 1, False
            at = chunk.find(SEPARATOR, at + 1)
        parts.append(chunk[start:])
        last = chunk[-1] if chunk else last
    if record := "".join(parts):
        yield record


def parse_record(record: str) -> LogCommit | None:
    """Parse one record (the text after a separator); None when the header is not one."""
    header, _, rest = record.partition("\0")
    parts = header.split("\x1f")
    if len(parts) != 5:
        return None
    sha, parents, author, time, subject = parts
    files, python = parse_changes(rest)
    return LogCommit(sha, tuple(parents.split()), author.lower(), int(time), subject, files, python)


def parse_changes(text: str) -> tuple[tuple[CommitFile, ...], tuple[PythonHunks, ...]]:
    """-z numstat entries, then (after an extra NUL) an optional patch, as git log and git diff write them."""
    at = text.find("\0diff --git ")
    if at < 0:
        return parse_numstat(text), ()
    return parse_numstat(text[:at]), parse_patch(text[at + 1 :])


def parse_numstat(text: str) -> tuple[CommitFile, ...]:
    """FileChanges from `--numstat -z` output (a rename is "added<TAB>deleted<TAB>", old, new)."""
    tokens = text.lstrip("\n").split("\0")
    files: list[CommitFile] = []
    i = 0
    while i < len(tokens):
        fields = tokens[i].lstrip("\n").split("\t")
        i += 1
        if len(fields) != 3:
            continue
        added = int(fields[0]) if fields[0].isdigit() else 0
        deleted = int(fields[1]) if fields[1].isdigit() else 0
        if fields[2]:
            files.append(CommitFile(fields[2], None, added, deleted))
        elif i + 1 < len(tokens):  # a rename: old and new path follow as their own fields
            files.append(CommitFile(tokens[i + 1], tokens[i], added, deleted))
            i += 2
    return tuple(files)


def _patch_path(header: str) -> str | None:
    """The path a file section of a patch is about, from its "+++ b/..." (or "--- a/...") line."""
    new = old = None
    for line in header.split("\n"):
        if line.startswith("+++ "):
            new = line[4:]
        elif line.startswith("--- "):
            old = line[4:]
    name = new if new is not None and new != "/dev/null" else old
    if name is None:
        return None
    name = name.rstrip("\t").strip(
        '"'
    )  # git quotes names with control characters and ends spaced ones with a tab
    return name[2:] if name[:2] in ("a/", "b/") else name


def parse_patch(patch: str) -> tuple[PythonHunks, ...]:
    """The added and removed lines of each .py file of a patch (context lines and files without hunks skipped)."""
    found: list[PythonHunks] = []
    for section in patch.split("\ndiff --git "):
        header, separator, hunks = section.partition("\n@@ ")
        if not separator:  # binary, mode-only or pure rename: no lines
            continue
        path = _patch_path(header)
        if path is None or not path.endswith(".py"):
            continue
        body = "@@ " + hunks
        found.append(PythonHunks(path, "\n".join(_ADDED.findall(body)), "\n".join(_REMOVED.findall(body))))
    return tuple(found)


def parse_name_status(text: str) -> tuple[tuple[str, str], ...]:
    """(status letter, path) pairs from `--name-status --no-renames -z` output."""
    tokens = text.lstrip("\n").split("\0")
    pairs: list[tuple[str, str]] = []
    for i in range(0, len(tokens) - 1, 2):
        status = tokens[i].lstrip("\n")
        if status:
            pairs.append((status[0], tokens[i + 1]))
    return tuple(pairs)
