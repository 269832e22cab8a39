"""Read the changed Python files of a commit pair from git, for the oracle."""

from __future__ import annotations

import io
import subprocess
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from bench.ast_oracle import OracleResult, classify_files

_NULL_SHA = "0" * 40
_BLOB_MODES = {"100644", "100755"}


@dataclass
class PairFiles:
    """The changed .py files of one commit pair, with their text on each side."""

    old_files: dict[str, str] = field(default_factory=dict)
    new_files: dict[str, str] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)
    undecodable: list[str] = field(default_factory=list)
    added_lines: int = 0
    removed_lines: int = 0

    @property
    def changed_files(self) -> int:
        """How many .py files changed (a rename counts once)."""
        return len(set(self.old_files) - set(self.renames.values()) | set(self.new_files)) + len(
            self.undecodable
        )


def _decode(data: bytes) -> str:
    """Source text, honouring a PEP 263 coding cookie or BOM (UTF-8 by default)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def _is_python(path: str) -> bool:
    return path.endswith(".py")


def _read_blobs(repo: Path, shas: list[str]) -> dict[str, bytes]:
    """Blob contents by sha, through one `git cat-file --batch`."""
    if not shas:
        return {}
    done = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        input="".join(f"{s}\n" for s in shas).encode(),
        capture_output=True,
        check=True,
    )
    out, pos, blobs = done.stdout, 0, {}
    for sha in shas:
        header_end = out.index(b"\n", pos)
        _, _, size = out[pos:header_end].split(b" ")
        start = header_end + 1
        blobs[sha] = out[start : start + int(size)]
        pos = start + int(size) + 1
    return blobs


def changed_python_files(repo: Path, base: str, head: str) -> PairFiles:
    """The .py files that `git diff --raw -M` reports between base and head."""
    raw = subprocess.run(
        ["git", "-C", str(repo), "diff", "--raw", "-M", "-z", "--no-abbrev", base, head],
        capture_output=True,
        check=True,
    ).stdout.decode()
    fields = raw.split("\0")
    entries: list[tuple[str, str, str | None, str | None]] = []  # old_sha, new_sha, old, new
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].lstrip(":").split(" ")
        old_mode, new_mode, old_sha, new_sha, status = meta
        if status[0] in "RC":
            old_path, new_path, i = fields[i + 1], fields[i + 2], i + 3
        else:
            old_path = new_path = fields[i + 1]
            i += 2
        old = old_path if old_mode in _BLOB_MODES and _is_python(old_path) else None
        new = new_path if new_mode in _BLOB_MODES and _is_python(new_path) else None
        if status[0] == "C":
            old = None  # a copy leaves the original in place: the new file is added
        if old or new:
            entries.append((old_sha, new_sha, old, new))
    blobs = _read_blobs(repo, [s for e in entries for s in e[:2] if s != _NULL_SHA])
    pair = PairFiles()
    for old_sha, new_sha, old, new in entries:
        try:
            if old:
                pair.old_files[old] = _decode(blobs[old_sha])
            if new:
                pair.new_files[new] = _decode(blobs[new_sha])
        except (SyntaxError, LookupError, UnicodeDecodeError):
            pair.old_files.pop(old or "", None)
            pair.undecodable.append(new or old or "")
            continue
        if old and new and old != new:
            pair.renames[new] = old
    numstat = subprocess.run(
        ["git", "-C", str(repo), "diff", "--numstat", "-M", base, head, "--", "*.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in numstat.splitlines():
        added, removed, _ = line.split("\t", 2)
        if added != "-":
            pair.added_lines += int(added)
            pair.removed_lines += int(removed)
    return pair


def oracle_for_pair(repo: Path, base: str, head: str) -> tuple[PairFiles, OracleResult]:
    """Run the ast oracle on the changed Python files of base..head."""
    pair = changed_python_files(repo, base, head)
    result = classify_files(pair.old_files, pair.new_files, pair.renames)
    result.skipped.extend(pair.undecodable)
    return pair, result
