"""Atomic writes: nothing half-written, and the permissions the user's umask gives (not tempfile's 0600)."""

from __future__ import annotations

import os
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.files import OutputError, write_atomic
from preflight.runtime import snapshot


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_written_file_is_readable_by_others_under_umask_022(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "reports" / "report.md"
    write_atomic(target, "# report\n")
    assert target.read_text(encoding="utf-8") == "# report\n"
    assert mode(target) == 0o644
    write_atomic(target, "executable\n", 0o755)
    assert mode(target) == 0o755


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    write_atomic(target, "good\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "bad \ud800\n")  # a lone surrogate cannot be encoded
    assert target.read_text(encoding="utf-8") == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_a_snapshot_directory_gets_the_umask_mode(tmp_path: Path, umask_022: None) -> None:
    out = tmp_path / "snapshot"
    snapshot.write(snapshot.Snapshot({}, {}), out)
    assert mode(out) == 0o755
    assert all(mode(p) == 0o644 for p in out.iterdir())


def _read_fifo(fifo: Path, into: list[str]) -> threading.Thread:
    """A reader on the other end of a named pipe, as `--output FIFO` users have."""

    def read() -> None:
        with fifo.open(encoding="utf-8") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = _read_fifo(fifo, got)
    write_atomic(fifo, "# report\n")
    reader.join(timeout=10)
    assert got == ["# report\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]  # no temporary left beside it


def test_a_link_to_a_character_device_is_written_through(tmp_path: Path) -> None:
    # The link stands in for `--output /dev/null`: writing to /dev/null itself would, before the
    # fix, replace the machine's /dev/null (the tests run as root).
    link = tmp_path / "null"
    link.symlink_to(os.devnull)
    write_atomic(link, "discarded\n")
    assert link.is_symlink() and os.readlink(link) == os.devnull
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_directory_is_refused_by_name_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "reports"
    target.mkdir()
    (target / "keep.md").write_text("kept\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"reports: is a directory, not a file"):
        write_atomic(target, "# report\n")
    assert (target / "keep.md").read_text(encoding="utf-8") == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        with pytest.raises(OutputError, match="is a socket"):
            write_atomic(path, "x\n")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_a_link_to_a_file_writes_the_file_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "report.md"
    real.parent.mkdir()
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "report.md"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new\n"


def test_a_dangling_link_is_refused_and_kept(tmp_path: Path) -> None:
    link = tmp_path / "report.md"
    link.symlink_to(tmp_path / "gone" / "report.md")
    with pytest.raises(OutputError, match=r"a symlink to .*gone/report.md, which does not exist"):
        write_atomic(link, "new\n")
    assert link.is_symlink() and not (tmp_path / "gone").exists()


def test_a_file_in_the_parent_path_is_an_error_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match=r"file/report.md: cannot be written \(Not a directory\)"):
        write_atomic(tmp_path / "file" / "report.md", "x\n")
    with pytest.raises(OSError):  # still an OSError, which cache writers ignore
        write_atomic(tmp_path / "file" / "report.md", "x\n")


def test_read_regular_reads_only_a_regular_file(tmp_path: Path) -> None:
    from preflight.files import read_regular

    (tmp_path / "f").write_bytes(b"data")
    (tmp_path / "link").symlink_to(tmp_path / "f")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")  # never waited on
    assert read_regular(tmp_path / "f") == b"data"
    assert read_regular(tmp_path / "link") == b"data"
    assert read_regular(tmp_path / "link", follow_links=False) is None
    assert read_regular(tmp_path / "f", follow_links=False) == b"data"
    for other in ("dir", "fifo", "missing"):
        assert read_regular(tmp_path / other) is None, other
    assert read_regular("/dev/zero") is None  # a device would never end
