"""Every git call preflight makes goes through this module (gitpython underneath)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git
from gitdb.util import hex_to_bin

from preflight.errors import GitError

ZERO_OID = "0" * 40

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


class Repository:
    """A git repository opened once; holds gitpython's persistent cat-file process."""

    def __init__(self, path: str | Path) -> None:
        try:
            self._repo = git.Repo(path, search_parent_directories=True)
        except git.NoSuchPathError as e:
            raise GitError(f"{path}: no such directory; pass --repo with a git checkout") from e
        except git.InvalidGitRepositoryError as e:
            raise GitError(
                f"{path}: not a git repository; run preflight inside a checkout or pass --repo"
            ) from e
        self.root = Path(self._repo.working_tree_dir or self._repo.git_dir)
        self.git_dir = Path(self._repo.git_dir)
        """Where caches that belong to this clone live (never committed, gone with the clone)."""

    def close(self) -> None:
        """Stop the git helper processes."""
        self._repo.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _git(self, *args: str) -> str:
        return str(self._repo.git.execute(["git", *args]))

    def commit_sha(self, ref: str) -> str | None:
        """The commit a ref names, or None if it names no commit here."""
        try:
            return self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        except git.GitCommandError:
            return None

    def has_commit(self, sha: str) -> bool:
        """True when the object exists locally and is a commit."""
        try:
            return self._git("cat-file", "-t", sha) == "commit"
        except git.GitCommandError:
            return False

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None if they share no history here."""
        try:
            return self._git("merge-base", a, b) or None
        except git.GitCommandError:
            return None

    def is_shallow(self) -> bool:
        """True for a shallow clone (history cut off at a depth)."""
        return self._git("rev-parse", "--is-shallow-repository") == "true"

    def is_ancestor(self, a: str, b: str) -> bool:
        """True when commit a is reachable from commit b."""
        try:
            self._git("merge-base", "--is-ancestor", a, b)
        except git.GitCommandError:
            return False
        return True

    def commit_shas(self, *refs: str) -> tuple[str | None, ...]:
        """The commits several refs name (None where a ref names none), in one git call when all resolve."""
        try:
            out = self._git("rev-parse", "--end-of-options", *(f"{ref}^{{commit}}" for ref in refs))
        except git.GitCommandError:
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
        out = self._git("rev-list", "--boundary", tip, "--not", exclude)
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

    def trailers(self, base: str | None, head: str, key: str) -> tuple[tuple[str, str], ...]:
        """(commit sha, value) of every `key: value` trailer in the commits after base up to head."""
        spec = f"{base}..{head}" if base else head
        out = self._git(
            "log", f"--format=%H%x00%(trailers:key={key},valueonly,separator=%x1f)%x1e", spec, "--"
        )
        found = []
        for record in out.split("\x1e"):
            sha, _, values = record.strip().partition("\x00")
            found += [(sha, value.strip()) for value in values.split("\x1f") if value.strip()]
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

    def switch_new_branch(self, name: str) -> None:
        """Create a branch at HEAD and check it out."""
        self._git("checkout", "-q", "-b", name)

    def file_at(self, revision: str | None, path: str) -> bytes | None:
        """A file's content at a revision, or None when it does not exist there."""
        if revision is None:
            return None
        try:
            sha = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}:{path}")
        except git.GitCommandError:
            return None
        return self.read_blob(sha)

    def python_files(self, revision: str) -> tuple[tuple[str, str], ...]:
        """(path, blob sha) of every .py file at a revision."""
        out = self._git("ls-tree", "-r", "-z", "--full-tree", revision)
        files = []
        for entry in out.split("\0"):
            meta, _, path = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob" and path.endswith(".py"):
                files.append((path, parts[2]))
        return tuple(files)

    def read_blob(self, sha: str) -> bytes:
        """The content of a blob."""
        return bytes(self._repo.odb.stream(hex_to_bin(sha)).read())


def parse_raw_diff(out: str) -> tuple[RawChange, ...]:
    """Parse `git diff --raw -z` output into RawChange values."""
    fields = out.split("\0")
    changes: list[RawChange] = []
    i = 0
    while i < len(fields) and fields[i].startswith(":"):
        old_mode, new_mode, old_blob, new_blob, status = fields[i][1:].split(" ")
        letter = status[0]
        if letter in "RC":
            old_path, new_path = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old_path = new_path = fields[i + 1]
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


def init_repository(path: Path) -> Repository:
    """Create a new repository on branch main (for the demo and examples)."""
    git.Repo.init(path, initial_branch="main")
    return Repository(path)
