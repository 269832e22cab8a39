"""The git calls of preflight.history: plain `git` processes, streamed or run side by side."""

from __future__ import annotations

import codecs
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from preflight.errors import GitError

# History (preflight.history): streamed `git log` and the one-shot calls its features and labels
# need, run as plain processes so that a long stream or several concurrent calls cost no more
# than git itself. Paths and refs come from git or the user; they are passed as arguments or on
# stdin, never through a shell.

HISTORY_FORMAT = "%x1e%H%x1f%P%x1f%aE%x1f%ct%x1f%s"
"""One history record: a separator, sha, parents, author e-mail (after .mailmap), committer time
(seconds), subject; -z numstat (and patch) lines follow."""
_DIFF = ("-M", "--no-ext-diff", "--no-textconv", "--no-color", "--src-prefix=a/", "--dst-prefix=b/")
_PATCH = ("-p", "-U3")
"""Patches for features keep git's default context, stated so that a diff.context setting cannot
change them: with no context git may align a changed block differently, and the line counts of
--numstat (computed from the same diff) would move by a line."""


def _command(repo: Path, args: Sequence[str]) -> list[str]:
    return ["git", "-C", str(repo), "-c", "core.quotepath=off", *args]


def stream(repo: Path, args: Sequence[str], what: str, chunk: int = 1 << 16) -> Iterator[str]:
    """The stdout of one git process as decoded text pieces, while it runs; GitError if it fails.

    stderr goes to a temporary file: git blocks once a pipe it writes is full, so a stderr pipe
    read only after stdout ends would deadlock a git that warns a lot. The bytes pass through one
    incremental UTF-8 decoder, so a character split between two reads is decoded whole."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    with tempfile.TemporaryFile() as errors:
        command = _command(repo, args)
        with subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
        ) as proc:
            assert proc.stdout is not None
            while block := proc.stdout.read(chunk):
                if text := decoder.decode(block):
                    yield text
            if tail := decoder.decode(b"", final=True):
                yield tail
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            raise GitError(f"{what} failed in {repo}: {errors.read().decode('utf-8', 'replace').strip()}")


class GitRun:
    """A git process started now and read later, so that several run at once.

    Its stdin and output are temporary files, not pipes: no process waits on a full pipe while
    another one is read."""

    def __init__(
        self, repo: Path, args: Sequence[str], what: str, stdin: str | None = None, ok: Iterable[int] = (0,)
    ) -> None:
        self._repo, self._what, self._ok = repo, what, frozenset(ok)
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by text()
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by text()
        with tempfile.TemporaryFile() as feed:
            feed.write((stdin or "").encode("utf-8"))
            feed.seek(0)
            self._proc = subprocess.Popen(
                _command(repo, args), stdin=feed, stdout=self._out, stderr=self._errors
            )

    def text(self) -> str:
        """Wait for the process and return its stdout; GitError when it failed."""
        code = self._proc.wait()
        with self._out, self._errors:
            self._out.seek(0)
            self._errors.seek(0)
            out, errors = self._out.read(), self._errors.read()
        if code not in self._ok:
            raise GitError(
                f"{self._what} failed in {self._repo}: {errors.decode('utf-8', 'replace').strip()}"
            )
        return out.decode("utf-8", "replace")


def stream_log(repo: Path, tip: str, patches: bool = False, exclude: Sequence[str] = ()) -> Iterator[str]:
    """Every commit reachable from tip, oldest first, as HISTORY_FORMAT records with -z numstat
    and, with patches, the patch of every file (merges: no diff). exclude: paths left out of
    every diff (their blobs cannot be read); every commit is still listed (--full-history
    --sparse: a commit that touches only those paths comes with no files)."""
    args = ["log", "-z", "--reverse", "--date-order", "--numstat", *_DIFF, "--no-show-signature"]
    args += _PATCH if patches else ()
    limits = ["--full-history", "--sparse", "--", *_excluded(exclude)] if exclude else ["--"]
    return stream(repo, [*args, f"--format={HISTORY_FORMAT}", tip, *limits], f"git log {tip}")


def _excluded(paths: Iterable[str]) -> list[str]:
    """Pathspecs that leave out exactly these paths (no wildcards)."""
    return [f":(exclude,literal){path}" for path in sorted(set(paths))]


def unreadable_paths(repo: Path, tip: str) -> dict[str, str]:
    """The blobs reachable from tip that this repository lacks (a clone without its largest
    files, a promisor remote out of reach), each with a path it had: {path: blob id}. Two
    passes: `rev-list --objects --missing=print` finds them, `log --raw` (which reads no blob)
    names them."""
    listed = subprocess.run(
        _command(repo, ["rev-list", "--objects", "--missing=print", tip, "--"]),
        capture_output=True,
        text=True,
    )
    missing = {line[1:].strip() for line in listed.stdout.splitlines() if line.startswith("?")}
    if not missing:
        return {}
    args = ["log", "-z", "--raw", "--no-abbrev", "--no-renames", "--format=", tip, "--"]
    tokens = subprocess.run(_command(repo, args), capture_output=True).stdout.decode("utf-8", "replace")
    found: dict[str, str] = {}
    fields = tokens.split("\0")
    for at in range(len(fields) - 1):
        raw = fields[at].lstrip("\n")
        if raw.startswith(":"):  # ":old-mode new-mode old-id new-id status", then the path
            ids = raw.split()[2:4]
            for blob in ids:
                if blob in missing:
                    found.setdefault(fields[at + 1], blob)
    return found


def rev_list(repo: Path, range_: str) -> list[str]:
    """The commits of a range such as "A..B"; GitError naming the range when git does not know it."""
    done = subprocess.run(_command(repo, ["rev-list", range_, "--"]), capture_output=True, text=True)
    if done.returncode != 0:
        raise GitError(f"unknown range {range_!r} in {repo}: {done.stderr.strip()}; pass --range A..B")
    return done.stdout.split()


def commit_patches(repo: Path, shas: Sequence[str], pathspec: str, exclude: Sequence[str] = ()) -> str:
    """`%x1e%H%x1f%P` headers and the -U0 patch against the first parent of each commit, limited
    to pathspec less the paths of exclude, from one git process."""
    args = [
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-p",
        "-U0",
        *_DIFF,
        "--format=%x1e%H%x1f%P",
        "--",
        pathspec,
        *_excluded(exclude),
    ]
    return GitRun(repo, args, "git log of fix commits", stdin="\n".join(shas) + "\n").text()


def blame_porcelain(
    repo: Path,
    revision: str,
    path: str,
    ranges: Sequence[tuple[int, int]],
    ignore_revs: Path | None = None,
    objects: Path | None = None,
) -> str | None:
    """`git blame --porcelain -w` of the (first, last) line ranges of path at revision; None when
    git refuses (a range past the end of the file, an unreadable blob). ignore_revs: a file of
    commits whose lines are blamed on the commits before them (--ignore-revs-file). objects: an
    extra object directory git reads too (write_commit_graph's)."""
    spans = [arg for first, last in ranges for arg in ("-L", f"{first},{last}")]
    ignoring = ["--ignore-revs-file", str(ignore_revs)] if ignore_revs is not None else []
    args = ["blame", "--porcelain", "-w", *ignoring, *spans, revision, "--", path]
    done = subprocess.run(_command(repo, args), capture_output=True, env=_with_objects(objects))
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def _with_objects(objects: Path | None) -> dict[str, str] | None:
    """The environment of a git process that also reads the object directory objects (None: unchanged)."""
    if objects is None:
        return None
    # git takes extra object directories only from the environment; the rest of it passes unchanged
    listed = [os.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", ""), str(objects)]
    return {**os.environ, "GIT_ALTERNATE_OBJECT_DIRECTORIES": os.pathsep.join(filter(None, listed))}


def write_commit_graph(repo: Path, tip: str, objects: Path) -> bool:
    """Write a commit-graph of tip's history, with changed-path Bloom filters, into the object
    directory objects (created; nothing is written in the repository), for git processes given
    objects to read (blame_porcelain): a blame then skips most commits that do not touch its
    file without reading their trees. False when git would not (an unknown tip, an old git)."""
    done = subprocess.run(
        _command(repo, ["rev-parse", "--verify", "--end-of-options", f"{tip}^{{commit}}"]),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return False
    (objects / "info").mkdir(parents=True, exist_ok=True)
    args = ["commit-graph", "write", "--object-dir", str(objects), "--stdin-commits", "--changed-paths"]
    written = subprocess.run(
        _command(repo, [*args, "--no-progress"]),
        input=done.stdout,
        capture_output=True,
        text=True,
        env=_with_objects(objects),
    )
    return written.returncode == 0 and (objects / "info" / "commit-graph").is_file()


def merged_commits(repo: Path, first_parent: str, merged_parent: str) -> set[str]:
    """The non-merge commits a merge brought in (reachable from merged_parent, not first_parent)."""
    args = ["rev-list", "--no-merges", f"{first_parent}..{merged_parent}", "--"]
    done = subprocess.run(_command(repo, args), capture_output=True, text=True)
    return set(done.stdout.split()) if done.returncode == 0 else set()


def shares_commits(repo: Path, ref: str, tip: str, outside: str) -> bool:
    """Whether ref and tip have commits in common that outside does not reach."""
    bases = subprocess.run(
        _command(repo, ["merge-base", "--all", "--end-of-options", ref, tip]), capture_output=True, text=True
    ).stdout.split()
    if not bases:
        return False
    args = ["rev-list", "--max-count=1", "--end-of-options", *bases, f"^{outside}", "--"]
    done = subprocess.run(_command(repo, args), capture_output=True, text=True)
    return done.returncode == 0 and bool(done.stdout.strip())


def merge_base_of(repo: Path, base: str, head: str) -> str:
    """The merge base of two refs; GitError naming them when one is unknown or they share no history."""
    done = subprocess.run(
        _command(repo, ["merge-base", "--end-of-options", base, head]), capture_output=True, text=True
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise GitError(
            f"no merge base of {base!r} and {head!r} in {repo}: {done.stderr.strip() or 'unrelated histories'};"
            " fetch both refs (with full history) or pass other --base/--head"
        )
    return done.stdout.strip()


def start_diff(repo: Path, base: str, head: str) -> GitRun:
    """-z numstat then the patch of base..head (tree to tree, renames detected), as stream_log has them."""
    args = ["diff", "-z", "--numstat", *_PATCH, *_DIFF, base, head, "--"]
    return GitRun(repo, args, f"git diff {base} {head}")


def start_worktree_diff(repo: Path, base: str) -> GitRun:
    """start_diff's -z numstat and patch from base to the work tree's tracked files (staged and
    unstaged edits). `git diff-index`, not `git diff`: it neither refreshes nor locks the index."""
    args = ["diff-index", "-z", "--numstat", *_PATCH, *_DIFF, base, "--"]
    return GitRun(repo, args, f"git diff-index {base}")


def author_email(repo: Path) -> str | None:
    """The e-mail a commit made here now would carry (`git var GIT_AUTHOR_IDENT`: the environment,
    then the config); None when git has none."""
    done = subprocess.run(_command(repo, ["var", "GIT_AUTHOR_IDENT"]), capture_output=True, text=True)
    ident = done.stdout.strip() if done.returncode == 0 else ""
    start, end = ident.find("<"), ident.find(">")
    return ident[start + 1 : end] if 0 <= start < end else None


def start_range_log(repo: Path, base: str, head: str) -> GitRun:
    """-z HISTORY_FORMAT headers (no diffs) of base..head, newest (head) first."""
    args = ["log", "-z", "--no-show-signature", f"--format={HISTORY_FORMAT}", f"{base}..{head}", "--"]
    return GitRun(repo, args, f"git log {base}..{head}")


def start_head_log(repo: Path, head: str) -> GitRun:
    """The -z HISTORY_FORMAT header of one commit."""
    args = ["log", "-1", "-z", "--no-show-signature", f"--format={HISTORY_FORMAT}", head, "--"]
    return GitRun(repo, args, f"git log -1 {head}")


def start_path_log(repo: Path, tips: Iterable[str], paths: Iterable[str]) -> GitRun:
    """The non-merge commits reachable from tips that touch paths, oldest first, as -z
    HISTORY_FORMAT records with the -z --name-status of those paths (no rename detection, no
    content diffs). Tips and paths go on stdin, literally: any number, any characters."""
    args = ["--literal-pathspecs", "log", "--stdin", "-z", "--no-merges", "--reverse", "--date-order"]
    args += ["--name-status", "--no-renames", "--no-show-signature", f"--format={HISTORY_FORMAT}"]
    starts = sorted(set(tips))
    feed = "\n".join([*starts, "--", *paths]) + "\n"
    return GitRun(repo, args, f"git log {' '.join(starts)} -- <paths>", stdin=feed)


def start_line_counts(repo: Path, revision: str, paths: Iterable[str]) -> GitRun:
    """`<revision>:<path>\0<lines>` for each of paths that is a text file with lines at revision
    (lines counted as --numstat counts them: a last line without a newline counts)."""
    args = ["--literal-pathspecs", "-c", "grep.lineNumber=false", "-c", "grep.column=false", "grep"]
    args += ["-c", "-z", "-I", "--no-color", "-e", "", revision, "--", *paths]
    return GitRun(repo, args, f"git grep -c at {revision}", ok=(0, 1))


def start_renames(repo: Path, commits: Iterable[str], paths: Iterable[str] | None = None) -> GitRun:
    """`git diff-tree -r -z` of each commit against its first parent, each after its sha: with
    paths, --numstat with renames detected among those paths only; without, --raw (modes, blob
    ids, status) of every file, without rename detection."""
    if paths is None:
        shown = ["--raw", "--no-abbrev", "--no-renames"]
    else:
        shown = ["-M", "--numstat", *_DIFF[1:], "--", *paths]
    args = ["--literal-pathspecs", "diff-tree", "--stdin", "-r", "-z", *shown]
    return GitRun(repo, args, "git diff-tree", stdin="".join(f"{sha}\n" for sha in commits))


def start_authors(repo: Path, tip: str, since: str | None = None) -> GitRun:
    """One line per non-merge commit reachable from tip: its author e-mail (after .mailmap). With
    since, the commits of since...tip: "<" + e-mail for those only since reaches, ">" for tip's."""
    spec, mark = (f"{since}...{tip}", "%m") if since else (tip, "")
    args = ["log", "--no-merges", "--left-right", f"--format={mark}%aE", spec, "--"]
    return GitRun(repo, args, f"git log {spec}")


def common_dir(repo: Path) -> Path:
    """The repository's git directory shared by all its worktrees (where caches belong)."""
    done = subprocess.run(_command(repo, ["rev-parse", "--git-common-dir"]), capture_output=True, text=True)
    if done.returncode != 0:
        raise GitError(f"{repo}: not a git repository; run preflight inside a checkout or pass --repo")
    return repo / done.stdout.strip()


def has_path_filters(repo: Path, git_dir: Path) -> bool:
    """True when git reads a commit-graph that carries changed-path Bloom filters: then it answers
    a log of one path without reading the trees of most commits. git does not read the graph in a
    shallow clone or when replace refs exist (they could change what a commit is)."""
    if (git_dir / "shallow").exists():
        return False
    args = ["for-each-ref", "--count=1", "--format=%(refname)", "refs/replace/"]
    if subprocess.run(_command(repo, args), capture_output=True, text=True).stdout.strip():
        return False
    info = git_dir / "objects" / "info"
    graphs = [info / "commit-graph"]
    chain = info / "commit-graphs" / "commit-graph-chain"
    if chain.is_file():
        graphs += [chain.parent / f"graph-{name}.graph" for name in chain.read_text().split()]
    for graph in graphs:
        try:
            with graph.open("rb") as handle:
                header = handle.read(8)
                if len(header) < 8 or header[:4] != b"CGPH":
                    continue
                table = handle.read(12 * (header[6] + 1))  # chunk ids and offsets
        except OSError:
            continue
        if any(table[i : i + 4] == b"BIDX" for i in range(0, len(table), 12)):
            return True
    return False


def start_grep(repo: Path, revision: str, words: Iterable[str], pathspec: str = "*.py") -> GitRun:
    """The lines of pathspec files at revision that contain one of words (fixed strings), without
    file names or line numbers; binary files skipped."""
    args = ["-c", "grep.lineNumber=false", "-c", "grep.column=false", "grep", "-h", "-I", "-F", "--no-color"]
    args += [arg for word in words for arg in ("-e", word)]
    return GitRun(repo, [*args, revision, "--", pathspec], f"git grep at {revision}", ok=(0, 1))


def start_messages(repo: Path, tip: str) -> GitRun:
    """The full message of every non-merge commit reachable from tip:
    `<sha>\x1f<parents>\x1f<message>\x1e`."""
    args = ["log", "--no-merges", "--format=%H%x1f%P%x1f%B%x1e", tip, "--"]
    return GitRun(repo, args, f"git log {tip} (messages)")


def start_changed_paths(repo: Path, commits: Iterable[str], pathspec: str) -> GitRun:
    """`git diff-tree -r -M --name-status -z` of each commit against its first parent, limited to
    pathspec: `<sha>\0` then `<status>\0<path>\0` (a rename: `R<score>\0<old>\0<new>\0`)."""
    args = ["diff-tree", "--stdin", "-r", "-M", "--name-status", "-z", *_DIFF[1:], "--", pathspec]
    return GitRun(repo, args, "git diff-tree", stdin="".join(f"{sha}\n" for sha in commits))


def read_blobs(repo: Path, specs: Sequence[str]) -> list[bytes | None]:
    """The contents of `<revision>:<path>` specs from one `git cat-file --batch`; None for one
    git does not have (no such path, an unreadable blob)."""
    if not specs:
        return []
    feed = "".join(f"{spec}\n" for spec in specs)
    run = subprocess.run(
        _command(repo, ["cat-file", "--batch"]), input=feed.encode("utf-8"), capture_output=True
    )
    out, at = run.stdout, 0
    found: list[bytes | None] = []
    for _ in specs:
        end = out.find(b"\n", at)
        if end < 0:
            found.append(None)
            continue
        header = out[at:end].rsplit(b" ", 2)
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag") and header[2].isdigit():
            size = int(header[2])
            found.append(out[end + 1 : end + 1 + size] if header[1] == b"blob" else None)
            at = end + 1 + size + 1
        else:  # "<spec> missing" (or ambiguous)
            found.append(None)
            at = end + 1
    return found
