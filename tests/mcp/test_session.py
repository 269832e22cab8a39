"""The server's state (mcp/session.py) and its sentences (mcp/summaries.py), without the SDK: the
snapshot and the work tree's code index stay in memory until their files change."""

from __future__ import annotations

import datetime
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from preflight.commands import demo
from preflight.errors import InputError
from preflight.mcp import summaries
from preflight.mcp.session import Session
from tests.conftest import commit

NOW = datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc)


@pytest.fixture
def session(git_repo: Path) -> Iterator[Session]:
    shutil.copytree(demo.EXAMPLE / "snapshot", git_repo / "snapshot")
    commit(git_repo, {"shop/__init__.py": "", "shop/cart.py": "def get_cart(user):\n    return []\n"})
    found = Session(git_repo, git_repo / "snapshot", None, {}, lambda: NOW)
    yield found
    found.close()


def test_the_snapshot_is_kept_until_its_files_change(session: Session) -> None:
    first = session.snapshot()
    assert session.snapshot() is first
    meta = first.location / "meta.json"
    os.utime(meta, ns=(meta.stat().st_atime_ns, meta.stat().st_mtime_ns + 1_000_000_000))
    again = session.snapshot()
    assert again is not first and again.prepared.rates == first.prepared.rates


def test_the_code_index_is_kept_until_the_work_tree_changes(session: Session) -> None:
    head = session.worktree()
    first = session.code_index(session.repo, head, session.patterns)
    assert session.code_index(session.repo, head, session.patterns) is first
    assert "shop.cart.get_cart" in first.graph.functions
    (session.repo_dir / "shop/cart.py").write_text(
        "def get_cart(user):\n    return load(user)\n\n\ndef load(user):\n    return []\n", encoding="utf-8"
    )
    edited = session.code_index(session.repo, head, session.patterns)
    assert edited is not first and "shop.cart.load" in edited.graph.edges["shop.cart.get_cart"]


def test_the_next_code_index_resumes_from_the_one_held_in_memory(
    session: Session, git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like the hook's resident process, the server keeps the solved program: after an edit it
    resumes from memory, even with the pack on disk gone (a plain run would solve from scratch)."""
    from preflight.callgraph import cache

    monkeypatch.setattr(cache, "_held", {})
    # enough other code that the edit leaves most of the program as it was (else: solved from scratch)
    commit(git_repo, {f"shop/page{i}.py": f"def page{i}():\n    return str({i})\n" for i in range(12)})
    head = session.worktree()
    session.code_index(session.repo, head, session.patterns)
    (cache.default_cache_dir(session.repo) / cache.PACK).unlink()
    (session.repo_dir / "shop/cart.py").write_text(
        "def get_cart(user):\n    return load(user)\n\n\ndef load(user):\n    return []\n", encoding="utf-8"
    )
    edited = session.code_index(session.repo, head, session.patterns)
    assert edited.stats.solve == "incremental"
    assert "shop.cart.load" in edited.graph.edges["shop.cart.get_cart"]


def test_paths_are_the_repositorys(session: Session) -> None:
    root = Path(os.path.realpath(session.repo.root))
    assert session.relative(str(root / "shop" / "cart.py")) == "shop/cart.py"
    assert session.relative("./shop/cart.py") == "shop/cart.py"
    with pytest.raises(InputError, match="outside the repository"):
        session.relative("/etc/passwd")
    os.symlink(root / "shop" / "cart.py", root / "link.py")
    with pytest.raises(InputError, match="a regular file, not a link"):
        session.function("link.py::get_cart")
    assert session.function(f"{root}/shop/cart.py::get_cart").qualname == "shop.cart.get_cart"


def test_a_session_without_a_snapshot_says_how_to_get_one(git_repo: Path) -> None:
    commit(git_repo, {"a.py": "x = 1\n"})
    found = Session(git_repo, None, None, {}, lambda: NOW)
    try:
        with pytest.raises(InputError, match=r"no runtime snapshot: .*`preflight collect`"):
            found.snapshot()
    finally:
        found.close()


def test_summaries_are_at_most_six_plain_sentences() -> None:
    assert summaries.text(["one", None, "two.", "", *(f"s{n}" for n in range(10))]) == (
        "one. two. s0. s1. s2. s3."
    )
    assert summaries.listing(["a"]) == "a"
    assert summaries.listing(["a", "b"]) == "a and b"
    assert summaries.listing(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
    assert [summaries.share(v) for v in (None, 0, 0.185, 0.0035)] == ["unknown", "0.0%", "18.5%", "0.35%"]
    assert [summaries.rate(v) for v in (None, 1234.5, 42.34, 0.05)] == ["unknown", "1,234", "42.3", "0.05"]
    assert summaries.breach({"breach_probability": 0.4, "breach_before": 0.0}) == "breach probability 40.0%"
    assert summaries.breach({"breach_probability": 1.0, "breach_before": 1.0}) == (
        "breach probability 100.0%; it exhausts its budget without this change"
    )
    assert (
        summaries.breach({"breach_probability": None, "breach_before": None}) == "breach probability unknown"
    )
    assert summaries.freshness(None) == "No runtime data was given: traffic, latency and SLOs are unknown"
    fresh = {"location": "snap", "window_end": "2026-11-22T09:29:42+00:00", "age_hours": 3.0}
    assert (
        summaries.freshness(fresh)
        == "From the runtime snapshot snap, telemetry up to 2026-11-22 09:29 UTC, 3.0 hours old"
    )
    assert summaries.stale(fresh) is None
    assert "stale after 7 days" in (summaries.stale({**fresh, "age_hours": 200.0}) or "")
    assert summaries.name("evil\x1b[31mname") == "evil\\x1b[31mname"
