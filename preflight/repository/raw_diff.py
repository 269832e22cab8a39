"""What git says about a change, as values: `git diff --raw` entries, object ids, modes, paths."""

from __future__ import annotations

import re
from dataclasses import dataclass

ZERO_OID = "0" * 40
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
"""A full object id: SHA-1 (40 hex digits) or SHA-256 (64)."""

# git's mode bits for the kinds of tree entries that are not regular files.
MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"

_STATUS = {
    "A": "added",
    "D": "deleted",
    "M": "modified",
    "R": "renamed",
    "C": "copied",
    "T": "type-changed",
}


@dataclass(frozen=True, slots=True)
class RawChange:
    """One entry of `git diff --raw`: a changed path with its modes and blob ids."""

    status: str
    old_path: str | None
    new_path: str | None
    old_mode: str
    new_mode: str
    old_blob: str | None
    new_blob: str | None


def is_oid(text: str) -> bool:
    """True for a full object id as git prints it (40 or 64 lowercase hex digits)."""
    return _OID.fullmatch(text) is not None


def escape_path(path: str) -> str:
    """A path git printed, with the bytes that are not UTF-8 shown as `\\xNN`.

    gitpython decodes with surrogateescape; a lone surrogate cannot be written as UTF-8, so a
    report or JSON naming the file would crash or be invalid. The escaped name is only shown and
    matched between the diff and the call graph (contents are read by blob id, never by path)."""
    if path.isascii():
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def parse_raw_diff(out: str) -> tuple[RawChange, ...]:
    """Parse `git diff --raw -z` output into RawChange values."""
    fields = out.split("\0")
    changes: list[RawChange] = []
    i = 0
    while i < len(fields) and fields[i].startswith(":"):
        old_mode, new_mode, old_blob, new_blob, status = fields[i][1:].split(" ")
        letter = status[0]
        if letter in "RC":
            old_path, new_path = escape_path(fields[i + 1]), escape_path(fields[i + 2])
            i += 3
        else:
            old_path = new_path = escape_path(fields[i + 1])
            i += 2
        changes.append(
            RawChange(
                status=_STATUS.get(letter, "unknown"),
                old_path=None if letter == "A" else old_path,
                new_path=None if letter == "D" else new_path,
                old_mode=old_mode,
                new_mode=new_mode,
                old_blob=None if old_blob == ZERO_OID else old_blob,
                new_blob=None if new_blob == ZERO_OID else new_blob,
            )
        )
    return tuple(changes)
