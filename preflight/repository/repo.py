"""A git repository opened once: refs, diffs, trees, blobs, commits, through plain `git` processes.

Every call is a `git` process of its own except blobs, which one long-lived `git cat-file --batch`
serves (the pre-push hook reads a few dozen). No git library is imported: gitpython cost the hook
a tenth of a second of imports for what these few calls do.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import IO

from preflight.errors import GitError
from preflight.repository.raw_diff import MODE_SUBMODULE, MODE_SYMLINK, RawChange, escape_path, parse_raw_diff
from preflight.repository.worktree import blob_id, mode_of, read_regular

_ENV = {**os.environ, "LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0"}
"""git's messages in English (GitError quotes them); never a credential prompt."""


class GitCommandError(Exception):
    """A git call that exited non-zero; stderr is what git said."""

    def __init__(self, args: list[str], status: int, stderr: str) -> None:
        super().__init__(f"git {' '.join(args)}: exit {status}: {stderr.strip()}")
        self.status, self.stderr = status, stderr


def _run(cwd: Path | str, args: list[str]) -> str:
    """git ARGS in cwd: stdout decoded (undecodable bytes kept as surrogates), one trailing newline off."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=_ENV, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
    except OSError as e:  # no git on PATH, or cwd is not a directory
        raise GitCommandError(args, -1, f"cannot run git in {cwd}: {e.strerror or e}") from e
    if done.returncode != 0:
        raise GitCommandError(args, done.returncode, done.stderr.decode("utf-8", "replace"))
    out = done.stdout.decode("utf-8", "surrogateescape")
    return out[:-1] if out.endswith("\n") else out


class Repository:
    """A git repository opened once; holds the persistent `git cat-file --batch` process for blobs."""

    def __init__(self, path: str | Path) -> None:
        if not Path(path).exists():
            raise GitError(f"{path}: no such directory; pass --repo with a git checkout")
        try:
            git_dir, bare = _run(path, ["rev-parse", "--absolute-git-dir", "--is-bare-repository"]).split(
                "\n"
            )
            top = git_dir if bare == "true" else _run(path, ["rev-parse", "--show-toplevel"])
        except (GitCommandError, ValueError) as e:
            raise GitError(
                f"{path}: not a git repository; run preflight inside a checkout or pass --repo"
            ) from e
        self.root = Path(top)
        self.git_dir = Path(git_dir)
        """Where caches that belong to this clone live (never committed, gone with the clone)."""
        self._blobs: subprocess.Popen[bytes] | None = None

    def close(self) -> None:
        """Stop the git helper process."""
        blobs, self._blobs = getattr(self, "_blobs", None), None
        if blobs is not None:
            assert blobs.stdin is not None and blobs.stdout is not None
            blobs.stdin.close()
            blobs.stdout.close()
            blobs.wait()

    def __del__(self) -> None:
        # a Repository dropped without close (gitpython's did the same) stops its cat-file
        self.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _git(self, *args: str) -> str:
        return _run(self.root, list(args))

    def commit_sha(self, ref: str) -> str | None:
        """The commit a ref names, or None if it names no commit here."""
        try:
            return self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        except GitCommandError:
            return None

    def has_commit(self, sha: str) -> bool:
        """True when the object exists locally and is a commit."""
        try:
            return self._git("cat-file", "-t", "--end-of-options", sha) == "commit"
        except GitCommandError:
            return False

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None if they share no history here."""
        try:
            return self._git("merge-base", "--end-of-options", a, b) or None
        except GitCommandError:
            return None

    def is_shallow(self) -> bool:
        """True for a shallow clone (history cut off at a depth)."""
        return self._git("rev-parse", "--is-shallow-repository") == "true"

    def is_ancestor(self, a: str, b: str) -> bool:
        """True when commit a is reachable from commit b."""
        try:
            self._git("merge-base", "--is-ancestor", "--end-of-options", a, b)
        except GitCommandError:
            return False
        return True

    def git_path(self, name: str) -> Path:
        """Where git keeps `name` (`git rev-parse --git-path`): honours core.hooksPath and worktrees."""
        found = Path(self._git("rev-parse", "--git-path", name))
        # git answers relative to the directory it ran in: the root
        return found if found.is_absolute() else self.root / found

    def work_trees(self) -> tuple[Path, ...]:
        """The repository's work trees as git lists them: the main one first, then the linked ones."""
        try:
            fields = self._git("worktree", "list", "--porcelain", "-z").split("\0")
        except GitCommandError:  # git before 2.36 has no -z here: one field per line
            fields = self._git("worktree", "list", "--porcelain").splitlines()
        return tuple(Path(field[len("worktree ") :]) for field in fields if field.startswith("worktree "))

    def commit_shas(self, *refs: str) -> tuple[str | None, ...]:
        """The commits several refs name (None where a ref names none), in one git call when all resolve."""
        try:
            out = self._git("rev-parse", "--end-of-options", *(f"{ref}^{{commit}}" for ref in refs))
        except GitCommandError:
            return tuple(self.commit_sha(ref) for ref in refs)
        lines = out.splitlines()
        return tuple(lines[1:] if lines and lines[0] == "--end-of-options" else lines)

    def default_branch(self) -> str | None:
        """origin/HEAD, else main, else master (local, then remote-tracking)."""
        candidates = (
            "refs/remotes/origin/HEAD",
            "refs/heads/main",
            "refs/heads/master",
            "refs/remotes/origin/main",
            "refs/remotes/origin/master",
        )
        present = set(self._git("for-each-ref", "--format=%(refname)", *candidates).splitlines())
        for ref in candidates:
            if ref in present and self.commit_sha(ref):
                return ref if ref.endswith("/HEAD") else ref.split("/", 2)[2]
        return None

    def boundary_commits(self, tip: str, remote: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Commits reachable from tip but from no remote-tracking ref, and their boundary parents."""
        # The hook's remote may be a URL rather than a configured name: then exclude every remote.
        known = set(self._git("remote").split())
        exclude = f"--remotes={remote}" if remote in known else "--remotes"
        # tip comes from pre-push input: after --end-of-options it can only be a revision. The
        # second --not turns the exclusion off again for it.
        out = self._git("rev-list", "--boundary", "--not", exclude, "--not", "--end-of-options", tip)
        new = tuple(line for line in out.splitlines() if line and not line.startswith("-"))
        boundary = tuple(line[1:] for line in out.splitlines() if line.startswith("-"))
        return new, boundary

    def diff_raw(self, base: str | None, head: str) -> tuple[RawChange, ...]:
        """Changed paths from base (None = empty tree) to head, with rename detection."""
        old = base if base is not None else self._git("hash-object", "-t", "tree", "/dev/null")
        out = self._git(
            "-c",
            "core.quotepath=off",
            "diff",
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            "--no-ext-diff",
            "--no-textconv",
            old,
            head,
        )
        return parse_raw_diff(out)

    def trailers(self, base: str | None, head: str, key: str) -> tuple[tuple[str, str, str], ...]:
        """(commit sha, committer email, value) of every `key: value` trailer after base up to head."""
        spec = f"{base}..{head}" if base else head
        out = self._git(
            "log",
            f"--format=%H%x00%ce%x00%(trailers:key={key},valueonly,separator=%x1f)%x1e",
            "--end-of-options",
            spec,
            "--",
        )
        found = []
        for record in out.split("\x1e"):
            sha, _, rest = record.strip().partition("\x00")
            email, _, values = rest.partition("\x00")
            found += [(sha, email, value.strip()) for value in values.split("\x1f") if value.strip()]
        return tuple(found)

    def commit_all(self, message: str, name: str = "preflight demo", email: str = "demo@example.com") -> str:
        """Stage every file in the work tree and commit it; return the commit sha."""
        self._git("add", "-A")
        self._git(
            "-c",
            f"user.name={name}",
            "-c",
            f"user.email={email}",
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        )
        return self._git("rev-parse", "HEAD")

    def switch_new_branch(self, name: str, start: str = "HEAD") -> None:
        """Create a branch at start (HEAD by default) and check it out."""
        self._git("checkout", "-q", "-b", name, start)

    def apply(self, patch: Path) -> None:
        """Apply a patch file (git diff output) to the work tree; GitError when it does not apply."""
        try:
            self._git("apply", str(patch))
        except GitCommandError as e:
            raise GitError(f"{patch}: does not apply to {self.root}: {e.stderr.strip()}") from e

    def file_at(self, revision: str | None, path: str) -> bytes | None:
        """A file's content at a revision, or None when it does not exist there."""
        if revision is None:
            return None
        try:
            sha = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}:{path}")
        except GitCommandError:
            return None
        return self.read_blob(sha)

    def mode_at(self, revision: str | None, path: str) -> str | None:
        """The git file mode of a path at a revision (100644 a file, 120000 a symbolic link, 040000
        a directory, 160000 a submodule), or None when it does not exist there."""
        if revision is None:
            return None
        try:
            out = self._git("ls-tree", "--end-of-options", revision, "--", path)
        except GitCommandError:
            return None
        return out.split(" ", 1)[0] if out else None

    def python_files(self, revision: str) -> tuple[tuple[str, str], ...]:
        """(path, blob sha) of every .py file at a revision that is a file: a symlink's blob
        holds its target's path, which must never be parsed (see python_links)."""
        return tuple(
            (path, blob) for mode, path, blob in self._python_entries(revision) if mode != MODE_SYMLINK
        )

    def python_links(self, revision: str) -> tuple[str, ...]:
        """Paths of the .py symlinks at a revision (listed by the code index, never followed)."""
        return tuple(path for mode, path, _ in self._python_entries(revision) if mode == MODE_SYMLINK)

    def _python_entries(self, revision: str) -> list[tuple[str, str, str]]:
        """(mode, path, blob sha) of every .py blob at a revision."""
        out = self._git("ls-tree", "-r", "-z", "--full-tree", revision)
        found = []
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob" and path.endswith(".py"):
                found.append((parts[0], escape_path(path), parts[2]))
        return found

    # The work tree: read for a check of uncommitted changes, never written (no index refresh,
    # no lock: --no-optional-locks), never imported.

    def diff_worktree_raw(self, base: str | None) -> tuple[RawChange, ...]:
        """Changed paths from base (None = empty tree) to the work tree: staged and unstaged edits,
        deletions, and untracked files that are not ignored (as added; renames are detected among
        tracked files only). A version that exists only in the work tree has no blob (new_blob
        None): read it with worktree_file."""
        old = base if base is not None else self._git("hash-object", "-t", "tree", "/dev/null")
        # diff-index, not diff: `git diff` refreshes the index and writes it (taking index.lock,
        # which a git command the user runs meanwhile would trip on); diff-index goes by the stat
        # data, so a file only touched is listed too, and its bytes decide.
        out = self._git(
            "--no-optional-locks",
            "-c",
            "core.quotepath=off",
            "diff-index",
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            old,
            "--",
        )
        edited = tuple(raw for raw in parse_raw_diff(out) if not self._only_touched(raw))
        return edited + self._untracked()

    def _only_touched(self, raw: RawChange) -> bool:
        """A work-tree file listed for its stat data alone: the bytes of the base's blob."""
        if raw.status != "modified" or raw.new_blob is not None or raw.old_blob is None:
            return False
        if raw.old_mode != raw.new_mode or raw.new_path is None:
            return False
        data = self.worktree_file(raw.new_path)
        return data is not None and blob_id(data, len(raw.old_blob)) == raw.old_blob

    def _untracked(self) -> tuple[RawChange, ...]:
        """Untracked, not ignored files and links, as added (git lists no FIFO or device)."""
        out = self._git("-c", "core.quotepath=off", "ls-files", "-z", "--others", "--exclude-standard")
        found = []
        for path in out.split("\0"):
            if not path or path.endswith("/"):  # a repository of its own inside this one: not read
                continue
            mode = mode_of(self.root, path)
            if mode is not None:
                found.append(RawChange("added", None, escape_path(path), "000000", mode, None, None))
        return tuple(found)

    def untracked_files(self) -> dict[str, bytes]:
        """The bytes of each untracked, not ignored regular file (links and special files left out)."""
        found = {}
        for raw in self._untracked():
            data = self.worktree_file(raw.new_path) if raw.new_path is not None else None
            if data is not None and raw.new_path is not None:
                found[raw.new_path] = data
        return found

    def worktree_file(self, path: str) -> bytes | None:
        """A work-tree file's bytes; None unless it is a regular file inside the work tree reached
        through no symbolic link (a link is never followed, a FIFO never waited on)."""
        return read_regular(self.root, path)

    def worktree_python_files(self) -> tuple[tuple[str, str | None], ...]:
        """(path, blob sha) of every .py file of the work tree that is a file, as HEAD has them with
        the work tree's changes on top; the sha is None where the work tree's version has none
        (edited, or untracked): read it with worktree_file. Links are left out as in python_files."""
        head = self.commit_sha("HEAD")
        files: dict[str, str | None] = dict(self.python_files(head)) if head is not None else {}
        for raw in self.diff_worktree_raw(head):
            if raw.old_path is not None:
                files.pop(raw.old_path, None)
            path = raw.new_path
            if (
                path is not None
                and path.endswith(".py")
                and raw.new_mode not in (MODE_SYMLINK, MODE_SUBMODULE)
            ):
                files[path] = raw.new_blob
        return tuple(sorted(files.items()))

    def read_blob(self, sha: str) -> bytes:
        """The content of a blob; GitError when this repository does not have it."""
        if self._blobs is None:
            self._blobs = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                env=_ENV,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        assert self._blobs.stdin is not None and self._blobs.stdout is not None
        self._blobs.stdin.write(f"{sha}\n".encode())
        self._blobs.stdin.flush()
        header = self._blobs.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(
                f"{self.root}: cannot read blob {sha} ({b' '.join(header[1:]).decode() or 'no answer'})"
            )
        return _exactly(self._blobs.stdout, int(header[2]))


def _exactly(stream: IO[bytes], size: int) -> bytes:
    """size bytes of the batch answer and its closing newline."""
    data = stream.read(size + 1)
    if len(data) != size + 1:
        raise GitError(f"git cat-file --batch ended early ({len(data)} of {size + 1} bytes)")
    return data[:-1]


def init_repository(path: Path) -> Repository:
    """Create a new repository on branch main (for the demo and examples)."""
    path.mkdir(parents=True, exist_ok=True)
    _run(path, ["init", "-q", "--initial-branch=main"])
    return Repository(path)
