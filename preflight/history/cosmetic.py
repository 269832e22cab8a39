"""Commits that change no behaviour of production Python: formatting, comments, docstrings, moves.

SZZ must not blame them (a formatter run owns every line it touched, and later fixes of those
lines would all point at it), as `git blame --ignore-revs-file` is meant for. preflight's own
change classification (preflight.changes) decides: a commit is cosmetic when every function it
changes in non-test, non-vendored .py files is cosmetic, renamed or moved, or changed only in
its docstring; or, when it changes no function, its code is the same once whitespace and
comments are dropped (a comment-only edit; an added import is not).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from preflight import repository
from preflight.history.features import is_production_python
from preflight.models import Aspect, ChangeKind

_COMMENT = re.compile(r"#[^\n]*")
_SPACE = re.compile(r"\s+")
_NOISE = re.compile(
    r"(?s)[rRbBuUfF]{0,2}(\"\"\".*?\"\"\"|\'\'\'.*?\'\'\'|\"(?:\\.|[^\"\\\n])*\"|\'(?:\\.|[^\'\\\n])*\')|#[^\n]*"
)
_WORD = re.compile(r"\w+")


def _squeezed(text: str) -> str:
    """Code without comments or whitespace (rough: a "#" inside a string also cuts, on both sides alike)."""
    return _SPACE.sub("", _COMMENT.sub("", text))


def _words(texts: Iterable[str]) -> Counter[str]:
    """The names, keywords and numbers of code, strings and comments left out."""
    found: Counter[str] = Counter()
    for text in texts:
        found.update(_WORD.findall(_NOISE.sub(" ", text)))
    return found


def is_cosmetic(old_files: dict[str, str], new_files: dict[str, str], renames: dict[str, str]) -> bool:
    """Whether the change between two sets of sources (path -> text) alters no behaviour."""
    from preflight.changes.changeset import classify_sources

    if not old_files and not new_files:
        return False
    if _words(old_files.values()) != _words(new_files.values()):
        return False  # a name, keyword or number came or went: behaviour, or a rename (not cosmetic)
    functions, _ = classify_sources(old_files, new_files, renames)
    if not functions:
        old = "".join(_squeezed(old_files[p]) for p in sorted(old_files))
        new = "".join(_squeezed(new_files[p]) for p in sorted(new_files))
        return old == new
    quiet = {ChangeKind.COSMETIC, ChangeKind.RENAMED}
    return all(
        f.kind in quiet or (f.kind == ChangeKind.MODIFIED and set(f.aspects) <= {Aspect.DOCSTRING})
        for f in functions
    )


def _changed_paths(text: str) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """(status, old path, new path) per commit from diff-tree --stdin --name-status -z output."""
    tokens = text.split("\0")
    found: dict[str, list[tuple[str, str | None, str | None]]] = {}
    current: list[tuple[str, str | None, str | None]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        if len(token) == 40 and all(c in "0123456789abcdef" for c in token):
            current = found.setdefault(token, [])
            i += 1
        elif token[:1] in ("R", "C") and i + 2 < len(tokens):
            current.append(("R", tokens[i + 1], tokens[i + 2]))
            i += 3
        elif token[:1] in ("A", "D", "M", "T") and i + 1 < len(tokens):
            path = tokens[i + 1]
            current.append((token[0], None if token[0] == "A" else path, None if token[0] == "D" else path))
            i += 2
        else:
            i += 1
    return found


def cosmetic_commits(repo: Path, commits: Iterable[str]) -> set[str]:
    """The commits among these (each against its first parent) that are cosmetic for production Python."""
    shas = sorted(set(commits))
    if not shas:
        return set()
    changed = _changed_paths(repository.start_changed_paths(repo, shas, "*.py").text())
    entries = {
        sha: [
            (old, new)
            for _, old, new in changed.get(sha, [])
            if any(p is not None and is_production_python(p) for p in (old, new))
        ]
        for sha in shas
    }
    specs = [
        spec
        for sha, pairs in entries.items()
        for spec in [f"{sha}^:{old}" for old, _ in pairs if old] + [f"{sha}:{new}" for _, new in pairs if new]
    ]
    blobs = iter(repository.read_blobs(repo, specs))  # one git process for every candidate
    found: set[str] = set()
    for sha, pairs in entries.items():
        old_files = {old: _text(next(blobs)) for old, _ in pairs if old}
        new_files = {new: _text(next(blobs)) for _, new in pairs if new}
        if not pairs or None in old_files.values() or None in new_files.values():
            continue  # no production Python (never blamed anyway), or unreadable: not known to be cosmetic
        renames = {new: old for old, new in pairs if old and new and old != new}
        if is_cosmetic(
            {p: t for p, t in old_files.items() if t is not None},
            {p: t for p, t in new_files.items() if t is not None},
            renames,
        ):
            found.add(sha)
    return found


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")
