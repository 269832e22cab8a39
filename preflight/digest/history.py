"""The changes a release range merged: the commits on the first-parent line of its head.

A merge commit stands for the pull request it merged (its change is merge^1..merge); a commit
whose subject ends in `(#N)` is a squash-merged pull request; any other first-parent commit is a
change of its own. Commits that merges brought in are not listed: their merge is.
"""

from __future__ import annotations

import re
from pathlib import Path

from preflight import repository
from preflight.digest import Merged
from preflight.errors import GitError
from preflight.repository import Repository

_RECORD = "%H %P%x00%s%x00%b"
"""Hashes, subject and body, NUL-separated (with -z, NUL also ends each commit): no text in a
commit message can fake a field or a commit, as it could with printable separators."""
_MERGED_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASHED = re.compile(r"\(#(\d+)\)\s*$")


def parse_range(text: str) -> tuple[str, str]:
    """(A, B) of `A..B`; B defaults to HEAD. GitError saying what a range looks like otherwise."""
    hint = "pass a release range as A..B, e.g. v1.2.0..v1.3.0 or main~20..main"
    if "..." in text:
        raise GitError(f"range {text!r}: A...B (symmetric difference) is not a release range; {hint}")
    start, sep, end = text.partition("..")
    if not sep or not start.strip():
        raise GitError(f"range {text!r}: expected A..B with a start revision A; {hint}")
    return start.strip(), end.strip() or "HEAD"


def resolve(repo: Repository, text: str) -> tuple[str, str]:
    """The commits A and B of `A..B` name; GitError naming the range and the unknown side."""
    start, end = parse_range(text)
    base, head = repo.commit_shas(start, end)
    for ref, sha in ((start, base), (end, head)):
        if sha is None:
            raise GitError(
                f"range {text!r}: {ref!r} names no commit in {repo.root}; fetch it "
                "(git fetch --tags, or fetch-depth: 0 in CI) or correct the range"
            )
    assert base is not None and head is not None
    return base, head


def merged(repo_dir: Path, base: str, head: str) -> tuple[Merged, ...]:
    """The changes of base..head on head's first-parent line, oldest first."""
    args = ["log", "-z", "--first-parent", "--reverse", "--no-show-signature", f"--format={_RECORD}"]
    text = "".join(repository.stream(repo_dir, [*args, f"{base}..{head}", "--"], f"git log {base}..{head}"))
    fields = text.split("\0") if text else []
    return tuple(_parse(*fields[i : i + 3]) for i in range(0, len(fields) - 2, 3))


def _parse(hashes: str, subject: str, body: str) -> Merged:
    sha, *parents = hashes.split()
    parent = parents[0] if parents else None
    if len(parents) > 1:
        found = _MERGED_PR.match(subject)
        title = next((line.strip() for line in body.splitlines() if line.strip()), subject)
        if found is None:  # a plain `git merge`: its subject says what was merged
            return Merged(sha, parent, "merge", None, subject)
        return Merged(sha, parent, "merge", int(found.group(1)), title)
    squashed = _SQUASHED.search(subject)
    if squashed is not None:
        return Merged(sha, parent, "squash", int(squashed.group(1)), subject[: squashed.start()].rstrip())
    return Merged(sha, parent, "commit", None, subject)
