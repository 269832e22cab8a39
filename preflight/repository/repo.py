"""A git repository opened once (gitpython underneath): refs, diffs, trees, blobs, commits."""

from __future__ import annotations

from pathlib import Path

import git
from gitdb.util import hex_to_bin

from preflight.errors import GitError
from preflight.repository.raw_diff import MODE_SYMLINK, RawChange, escape_path, parse_raw_diff


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
            return self._git("cat-file", "-t", "--end-of-options", sha) == "commit"
        except git.GitCommandError:
            return False

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None if they share no history here."""
        try:
            return self._git("merge-base", "--end-of-options", a, b) or None
        except git.GitCommandError:
            return None

    def is_shallow(self) -> bool:
        """True for a shallow clone (history cut off at a depth)."""
        return self._git("rev-parse", "--is-shallow-repository") == "true"

    def is_ancestor(self, a: str, b: str) -> bool:
        """True when commit a is reachable from commit b."""
        try:
            self._git("merge-base", "--is-ancestor", "--end-of-options", a, b)
        except git.GitCommandError:
            return False
        return True

    def git_path(self, name: str) -> Path:
        """Where git keeps `name` (`git rev-parse --git-path`): honours core.hooksPath and worktrees."""
        found = Path(self._git("rev-parse", "--git-path", name))
        # git answers relative to the directory it ran in, which gitpython sets to the working dir.
        return found if found.is_absolute() else Path(self._repo.working_dir) / found

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
        except git.GitCommandError as e:
            raise GitError(f"{patch}: does not apply to {self.root}: {e.stderr.strip()}") from e

    def file_at(self, revision: str | None, path: str) -> bytes | None:
        """A file's content at a revision, or None when it does not exist there."""
        if revision is None:
            return None
        try:
            sha = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}:{path}")
        except git.GitCommandError:
            return None
        return self.read_blob(sha)

    def mode_at(self, revision: str | None, path: str) -> str | None:
        """The git file mode of a path at a revision (100644 a file, 120000 a symbolic link, 040000
        a directory, 160000 a submodule), or None when it does not exist there."""
        if revision is None:
            return None
        try:
            out = self._git("ls-tree", "--end-of-options", revision, "--", path)
        except git.GitCommandError:
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

    def read_blob(self, sha: str) -> bytes:
        """The content of a blob."""
        return bytes(self._repo.odb.stream(hex_to_bin(sha)).read())


def init_repository(path: Path) -> Repository:
    """Create a new repository on branch main (for the demo and examples)."""
    git.Repo.init(path, initial_branch="main")
    return Repository(path)
