"""Decide which two revisions to compare: explicit refs, GitHub Actions, pre-push, or defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import IO

from preflight import event as events
from preflight.errors import GitError, InputError
from preflight.event import Event
from preflight.models import RevisionRange
from preflight.repository import ZERO_OID, Repository, is_oid

SHALLOW_FIX = (
    "the clone is shallow and does not contain the merge base; fetch full history "
    "(actions/checkout with `fetch-depth: 0`) or deepen it (`git fetch --deepen=200` "
    "or `git fetch --unshallow`)"
)


def resolve(
    repo: Repository,
    base: str | None,
    head: str | None,
    environ: Mapping[str, str],
    event: Event | None = None,
) -> RevisionRange:
    """Resolve the range to check: --base/--head, else GitHub Actions, else the default branch.

    event: the job's GitHub event as the caller read it; None reads it (preflight.event) when needed."""
    head_ref = head or "HEAD"
    if base is not None:
        base_sha, head_sha = repo.commit_shas(base, head_ref)
        head_sha = head_sha or _require(repo, head_ref, "--head")
        base_sha = base_sha or _require(repo, base, "--base")
        return _range(repo, base, base_sha, head_ref, head_sha, "explicit")
    head_sha = _require(repo, head_ref, "--head")
    if environ.get("GITHUB_ACTIONS") == "true":
        found = _github_base(repo, environ, event)
        if found is not None:
            ref, sha, source = found
            return _range(repo, ref, sha, head_ref, head_sha, source)
    default = repo.default_branch()
    if default is None:
        raise GitError("no default branch found (tried origin/HEAD, main, master); pass --base REF")
    return _range(
        repo, default, _require(repo, default, "default branch"), head_ref, head_sha, "default-branch"
    )


def _require(repo: Repository, ref: str, what: str) -> str:
    sha = repo.commit_sha(ref)
    if sha is None:
        hint = (
            SHALLOW_FIX
            if repo.is_shallow()
            else f"fetch it (`git fetch origin {ref}`) or pass another {what}"
        )
        raise GitError(f"unknown {what} ref {ref!r}: {hint}")
    return sha


def _range(
    repo: Repository, base: str, base_sha: str, head: str, head_sha: str, source: str
) -> RevisionRange:
    merge_base = repo.merge_base(base_sha, head_sha)
    if merge_base is None:
        if repo.is_shallow():
            raise GitError(f"no merge base between {base!r} and {head!r}: {SHALLOW_FIX}")
        raise GitError(
            f"{base!r} and {head!r} share no history (unrelated histories); pass a --base "
            "that is an ancestor of the head"
        )
    return RevisionRange(base, head, base_sha, head_sha, merge_base, source)


def _github_base(
    repo: Repository, environ: Mapping[str, str], event: Event | None
) -> tuple[str, str, str] | None:
    """The base from the event payload (pull_request.base.sha, push `before`), else GITHUB_BASE_REF."""
    if event is None:
        event = events.read(environ)
    if event.pull_request:
        sha = event.base_sha
        if not sha:
            raise InputError(
                f"GITHUB_EVENT_PATH={event.path}: pull_request.base.sha is missing; "
                "run on a pull_request event or pass --base"
            )
        if not repo.has_commit(sha):
            raise GitError(f"pull request base commit {sha} is not in this clone: {SHALLOW_FIX}")
        return sha, sha, "github-event"
    before = event.before
    if before and before != ZERO_OID:
        if not repo.has_commit(before):
            raise GitError(
                f"push event's previous commit {before} is not in this clone (force-pushed away, or "
                f"the clone is too shallow); pass --base, or if the history is shallow: {SHALLOW_FIX}"
            )
        return before, before, "github-event"
    base_ref = environ.get("GITHUB_BASE_REF")
    if base_ref:
        for ref in (f"origin/{base_ref}", base_ref):
            sha = repo.commit_sha(ref)
            if sha:
                return ref, sha, "github-base-ref"
        raise GitError(
            f"GITHUB_BASE_REF={base_ref!r} is not fetched: use actions/checkout with "
            f"`fetch-depth: 0` or run `git fetch origin {base_ref}`"
        )
    return None


def read_pre_push(stream: IO[str]) -> tuple[str, ...]:
    """The lines of git's pre-push input; InputError naming the first line that is not UTF-8.

    Read as bytes where the stream has them: a text stream's decoding would either fail before
    any line is known, or (surrogateescape) hand on characters no output can encode."""
    raw = getattr(stream, "buffer", None)
    if raw is None:
        return tuple(stream.read().splitlines())
    lines = []
    for number, line in enumerate(raw.read().splitlines(), start=1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError as e:
            shown = line.decode("utf-8", "backslashreplace")
            raise InputError(
                f"pre-push input line {number} is not UTF-8 text ({shown!r}, byte {e.start + 1}); git "
                "writes `<local ref> <local oid> <remote ref> <remote oid>` lines: let `git push` run "
                "the hook (`preflight hook install`)"
            ) from None
    return tuple(lines)


def resolve_pre_push(repo: Repository, lines: Iterable[str], remote: str | None) -> tuple[RevisionRange, ...]:
    """Ranges from git's pre-push stdin: `<local ref> <local oid> <remote ref> <remote oid>` per line."""
    ranges: list[RevisionRange] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 4:
            raise InputError(
                f"pre-push input line {number}: expected '<local ref> <local oid> <remote ref> "
                f"<remote oid>', got {line.strip()!r}; install the hook with `preflight hook install`"
            )
        local_ref, local_oid, remote_ref, remote_oid = parts
        if local_oid == ZERO_OID:
            continue  # a branch deletion pushes no code
        _check_oids(repo, number, local_oid, remote_oid)
        if remote_oid != ZERO_OID and repo.has_commit(remote_oid):
            merge_base = repo.merge_base(remote_oid, local_oid)
            if merge_base is not None:
                ranges.append(
                    RevisionRange(remote_ref, local_ref, remote_oid, local_oid, merge_base, "pre-push")
                )
                continue
        ranges.append(_new_branch_range(repo, local_ref, local_oid, remote_ref, remote))
    return tuple(ranges)


def _check_oids(repo: Repository, number: int, local_oid: str, remote_oid: str) -> None:
    """Both oids full hex object ids, the local one a commit here: nothing else reaches git."""
    for what, oid in (("local", local_oid), ("remote", remote_oid)):
        if not is_oid(oid):
            raise InputError(
                f"pre-push input line {number}: {what} oid {oid!r} is not an object id (40 or 64 "
                "hex digits); let `git push` run the hook (`preflight hook install`)"
            )
    if repo.commit_sha(local_oid) is None:
        raise InputError(
            f"pre-push input line {number}: local oid {local_oid} names no commit in this "
            "repository; push from the repository that has it, or run `git fsck` if it should be here"
        )


def _new_branch_range(
    repo: Repository, local_ref: str, local_oid: str, remote_ref: str, remote: str | None
) -> RevisionRange:
    """A new branch (or unknown remote tip): compare against what the remote already has."""
    new, boundary = repo.boundary_commits(local_oid, remote)
    if not new:
        return RevisionRange(remote_ref, local_ref, local_oid, local_oid, local_oid, "pre-push")
    if len(boundary) == 1:
        return RevisionRange(remote_ref, local_ref, boundary[0], local_oid, boundary[0], "pre-push")
    if not boundary:  # nothing on the remote yet: every commit is new, compare with the empty tree
        return RevisionRange(remote_ref, local_ref, None, local_oid, None, "pre-push")
    default = repo.default_branch()
    base_sha = repo.commit_sha(default) if default else None
    merge_base = repo.merge_base(base_sha, local_oid) if base_sha else None
    if merge_base is None:  # several boundaries and no default branch: the oldest new commit's parent
        merge_base = boundary[-1]
    return RevisionRange(default or remote_ref, local_ref, merge_base, local_oid, merge_base, "pre-push")


def resolve_ranges(
    repo: Repository,
    base: str | None,
    head: str | None,
    environ: Mapping[str, str],
    pre_push: Iterable[str] | None = None,
    remote: str | None = None,
    event: Event | None = None,
    worktree: bool = False,
) -> tuple[RevisionRange, ...]:
    """Every range to check: one, or one per pushed ref when reading pre-push input; with
    worktree, the work tree against the base."""
    if worktree:
        if pre_push is not None or head is not None:
            raise InputError("--worktree checks the work tree against --base; drop --head and --pre-push")
        return (resolve_worktree(repo, base, environ, event),)
    if pre_push is not None:
        if base is not None or head is not None:
            raise InputError("--pre-push takes its refs from standard input; drop --base/--head")
        return resolve_pre_push(repo, pre_push, remote)
    return (resolve(repo, base, head, environ, event),)


WORKTREE = "WORKTREE"
"""The head's name when the head is the work tree (RevisionRange.head)."""


def resolve_worktree(
    repo: Repository, base: str | None, environ: Mapping[str, str], event: Event | None = None
) -> RevisionRange:
    """The work tree against base, picked as for a commit (--base, GitHub Actions, the default
    branch), with HEAD, the commit under the work tree, as the head commit."""
    if repo.commit_sha("HEAD") is None:
        raise GitError(
            "the work tree has no commit under it yet (HEAD names none): commit once, then check the "
            "work tree against that commit"
        )
    return replace(resolve(repo, base, None, environ, event), head=WORKTREE, worktree=True)
