"""repository/processes.py: the history calls as plain git processes (streamed, side by side)."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight import repository
from preflight.errors import GitError
from tests.conftest import commit, git


def test_stream_survives_a_git_that_fills_stderr_before_stdout_ends(git_repo: Path) -> None:
    """stderr used to be read only after stdout ended: 1 MB of warnings filled the pipe and hung."""
    import threading

    noisy = "!f() { head -c 1000000 /dev/zero | tr '\\0' w >&2; echo done; }; f"
    out: list[str] = []
    worker = threading.Thread(
        target=lambda: out.extend(
            repository.stream(git_repo, ["-c", f"alias.noisy={noisy}", "noisy"], "noisy")
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "git blocked on a full stderr pipe"
    assert "".join(out) == "done\n"


def test_stream_decodes_characters_split_between_reads(git_repo: Path) -> None:
    """Chunks used to be decoded one by one: a UTF-8 character across two reads became U+FFFD twice."""
    commit(git_repo, {"a.txt": "a\n"}, message="café ü 🙂")
    pieces = list(repository.stream(git_repo, ["log", "--format=%s"], "git log", chunk=1))
    assert len(pieces) > 5
    assert "".join(pieces) == "café ü 🙂\n"


def test_stream_and_git_run_raise_git_error_with_stderr(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "a\n"})
    with pytest.raises(GitError, match=r"git log nope failed in .*nope"):
        list(repository.stream_log(git_repo, "nope"))
    with pytest.raises(GitError, match="git log nope failed"):
        repository.start_authors(git_repo, "nope").text()
    with pytest.raises(GitError, match=r"unknown range 'nope\.\.HEAD'"):
        repository.rev_list(git_repo, "nope..HEAD")
    with pytest.raises(GitError, match="no merge base of 'nope' and 'HEAD'"):
        repository.merge_base_of(git_repo, "nope", "HEAD")


def test_git_runs_run_at_once_and_read_stdin(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "a\n", "b c.txt": "b\n"})
    second = commit(git_repo, {"a.txt": "aa\n"})
    runs = [
        repository.start_path_log(git_repo, [second], ["b c.txt"]),
        repository.start_head_log(git_repo, second),
    ]
    path_log, head_log = (run.text() for run in runs)
    assert path_log.startswith(f"\x1e{first}\x1f") and path_log.endswith("A\0b c.txt\0")
    assert head_log.startswith(f"\x1e{second}\x1f{first}\x1fauthor@example.com\x1f")
    lines = repository.start_line_counts(git_repo, second, ["a.txt", "b c.txt", "gone.txt"]).text()
    assert lines == f"{second}:a.txt\0" + "1\n" + f"{second}:b c.txt\0" + "1\n"


def test_merged_commits_and_common_dir(git_repo: Path) -> None:
    base = commit(git_repo, {"a.txt": "a\n"})
    git(git_repo, "checkout", "-q", "-b", "side")
    side = commit(git_repo, {"b.txt": "b\n"})
    assert repository.merged_commits(git_repo, base, side) == {side}
    assert repository.merged_commits(git_repo, base, "nope") == set()
    assert repository.common_dir(git_repo).resolve() == (git_repo / ".git").resolve()


def test_path_filters_are_found_in_the_commit_graph(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "a\n"})
    git_dir = git_repo / ".git"
    assert not repository.has_path_filters(git_repo, git_dir)
    git(git_repo, "commit-graph", "write", "--reachable")
    assert not repository.has_path_filters(git_repo, git_dir)
    git(git_repo, "commit-graph", "write", "--reachable", "--changed-paths")
    assert repository.has_path_filters(git_repo, git_dir)
    (git_dir / "objects" / "info" / "commit-graph").unlink()
    git(git_repo, "commit-graph", "write", "--reachable", "--changed-paths", "--split")
    assert repository.has_path_filters(git_repo, git_dir)
    empty = git(git_repo, "hash-object", "-w", "--stdin", stdin="")
    git(git_repo, "replace", empty, git(git_repo, "rev-parse", "HEAD:a.txt"))
    assert not repository.has_path_filters(git_repo, git_dir)  # git reads no commit-graph then


def test_a_commit_graph_written_elsewhere_is_read_by_blame(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.py": "x = 1\ny = 2\n"})
    second = commit(git_repo, {"a.py": "x = 1\ny = 3\n"})
    before = sorted(p.name for p in (git_repo / ".git" / "objects").rglob("*"))
    objects = tmp_path / "graph" / "objects"
    assert repository.write_commit_graph(git_repo, "HEAD", objects)
    assert (objects / "info" / "commit-graph").is_file()
    assert sorted(p.name for p in (git_repo / ".git" / "objects").rglob("*")) == before  # none in the repo
    plain = repository.blame_porcelain(git_repo, "HEAD", "a.py", [(2, 2)])
    assert plain is not None and plain.startswith(second)
    assert repository.blame_porcelain(git_repo, "HEAD", "a.py", [(2, 2)], objects=objects) == plain
    assert not repository.write_commit_graph(git_repo, "no-such-ref", tmp_path / "other")
