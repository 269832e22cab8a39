"""The changes a release range merged: the commits on the first-parent line of its head.

A merge commit stands for the pull request it merged (its change is merge^1..merge); a commit
whose subject ends in `(#N)` is a squash-merged pull request; any other first-parent commit is a
change of its own (a direct push). Commits that merges brought in are not listed: their merge is.

A merge of another long-lived branch (a maintenance branch merged forward into main, main merged
back into a release branch) is not a change of this range: its fixes were made, reviewed and
released on that branch, and scoring it as one pull request gives one "change" the size of a
release. Such merges are kept as kind `branch`, with the reason, and listed but not scored.

Structure decides first, because a forward-port can be merged with any message, even through a
pull request: a merge whose other side brings in merge commits of pull requests or a tagged
commit (a release cut on that branch), or shares commits with a long-lived branch (`stable`,
`origin/8.1.x`) or a tag that does not hold the merge itself, is a branch merge; a topic branch
for one pull request is none of these. (Counting `title (#N)` subjects on the other side hid real
pull requests: commits citing the issue they fix, backports of cherry-picks.) Then git's default
message `Merge branch 'X'` / `Merge remote-tracking branch 'X'` decides when X looks long-lived (a
version such as `8.1.x` or `v2`, or main, master, trunk, develop, next, stable, release, maint...),
unless it names another repository (`of URL`: a contributor's fork), and `Merge tag 'X'` always
does. A pull request from a fork's `main` is never judged by its name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from preflight import repository
from preflight.digest.contents import Merged
from preflight.errors import GitError
from preflight.repository import Repository

_RECORD = "%H %P%x00%s%x00%b"
"""Hashes, subject and body, NUL-separated (with -z, NUL also ends each commit): no text in a
commit message can fake a field or a commit, as it could with printable separators."""
_SIDE = "%P%x00%s%x00%D"
"""Parents, subject and tag names of a commit a merge brought in, NUL-separated as _RECORD."""
_MERGED_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASHED = re.compile(r"\(#(\d+)\)\s*$")
_DEFAULT_MERGE = re.compile(r"^Merge (remote-tracking )?branch '([^']+)'(?: of \S+)?(?: into \S+)?\s*$")
_MERGED_TAG = re.compile(r"^Merge tag '([^']+)'")
_VERSION = r"v?\d+(?:\.(?:\d+|x))*"
_LONG_LIVED = re.compile(
    rf"^(?:{_VERSION}"
    r"|(?:main|master|trunk|develop|devel|dev|next|stable|release|releases|maint|maintenance|support|lts)"
    rf"(?:[-_./]?(?:{_VERSION}|x)(?:[-_./].*)?)?)$",
    re.IGNORECASE,
)
"""Names of branches that live on beside main: versions (8.1.x, 2.0, v3) and the usual names of
trunks and maintenance lines, alone or with a version (release/2.1, stable-2.x, maint-1.4)."""


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
    """The changes of base..head on head's first-parent line, oldest first; merges of other
    long-lived branches are kind `branch`, with the reason, and are not to be scored."""
    args = ["log", "-z", "--first-parent", "--reverse", "--no-show-signature", f"--format={_RECORD}"]
    text = "".join(repository.stream(repo_dir, [*args, f"{base}..{head}", "--"], f"git log {base}..{head}"))
    fields = text.split("\0") if text else []
    return tuple(_parse(repo_dir, *fields[i : i + 3]) for i in range(0, len(fields) - 2, 3))


def long_lived(name: str) -> bool:
    """Whether a branch name looks like a trunk or maintenance line (8.1.x, main, release/2.1)."""
    return _LONG_LIVED.match(name) is not None


def _parse(repo_dir: Path, hashes: str, subject: str, body: str) -> Merged:
    sha, *parents = hashes.split()
    parent = parents[0] if parents else None
    if len(parents) > 1:
        found = _MERGED_PR.match(subject)
        title = next((line.strip() for line in body.splitlines() if line.strip()), subject)
        reason = _branch_merge(repo_dir, sha, subject, parents)
        if reason is not None:
            return Merged(sha, parent, "branch", None, subject, reason)
        if found is None:  # a plain `git merge` of a topic branch: its subject says what was merged
            return Merged(sha, parent, "merge", None, subject)
        return Merged(sha, parent, "merge", int(found.group(1)), title)
    squashed = _SQUASHED.search(subject)
    if squashed is not None:
        return Merged(sha, parent, "squash", int(squashed.group(1)), subject[: squashed.start()].rstrip())
    return Merged(sha, parent, "commit", None, subject)


def _branch_merge(repo_dir: Path, sha: str, subject: str, parents: Sequence[str]) -> str | None:
    """Why this merge brings in another long-lived branch rather than a change; None if it does not."""
    pulls, tags = _side(repo_dir, parents)
    if tags:
        return f"brings in release tag {tags[0]}" + (f" and {len(tags) - 1} more" if len(tags) > 1 else "")
    if pulls:
        return f"brings in {pulls} merged pull request{'s' if pulls > 1 else ''}"
    line = _other_line(repo_dir, sha, parents)
    if line is not None:
        return line
    tag = _MERGED_TAG.match(subject)
    if tag is not None:
        return f"merges tag {tag.group(1)}"
    branch = _DEFAULT_MERGE.match(subject)
    if branch is not None and " of " not in subject:  # `of URL`: someone else's branch, e.g. a fork's main
        remote, name = branch.groups()
        local = name.partition("/")[2] if remote else name  # origin/8.1.x is the branch 8.1.x
        if long_lived(name) or long_lived(local):
            return f"merges branch {name}"
    return None


def _side(repo_dir: Path, parents: Sequence[str]) -> tuple[int, list[str]]:
    """Merged pull requests and tags among the commits the merge brought in (not in its first parent)."""
    first, *others = parents
    args = ["log", "-z", "--no-show-signature", "--decorate-refs=refs/tags/", f"--format={_SIDE}"]
    what = f"git log {first}..{others[0]}"
    text = "".join(repository.stream(repo_dir, [*args, *others, f"^{first}", "--"], what))
    fields = text.split("\0") if text else []
    pulls, tags = 0, []
    for i in range(0, len(fields) - 2, 3):
        side_parents, side_subject, refs = fields[i : i + 3]
        pulls += len(side_parents.split()) > 1 and _MERGED_PR.match(side_subject) is not None
        tags += [ref.removeprefix("tag: ") for ref in refs.split(", ") if ref.startswith("tag: ")]
    return pulls, tags


def _other_line(repo_dir: Path, merge: str, parents: Sequence[str]) -> str | None:
    """A long-lived branch or a tag that does not hold the merge but shares commits with its other
    side: the other side comes from a line of its own (stable, 8.1.x), not from a topic branch."""
    first, other = parents[0], parents[1]
    args = ["for-each-ref", "--format=%(refname)", f"--no-contains={merge}", "refs/heads", "refs/remotes"]
    for ref in "".join(repository.stream(repo_dir, args, "git for-each-ref")).split():
        name = ref.removeprefix("refs/heads/")
        if ref.startswith("refs/remotes/"):  # refs/remotes/origin/stable is the branch stable
            name = ref.removeprefix("refs/remotes/").partition("/")[2]
        if name != "HEAD" and long_lived(name) and repository.shares_commits(repo_dir, ref, other, first):
            return f"brings in commits of branch {name}"
    args = [
        "for-each-ref",
        "--format=%(refname)",
        f"--contains={other}",
        f"--no-contains={merge}",
        "refs/tags",
    ]
    tags = "".join(repository.stream(repo_dir, args, "git for-each-ref")).split()
    return f"its other side was released as tag {tags[0].removeprefix('refs/tags/')}" if tags else None
