"""Which two revisions get compared: explicit refs, defaults, GitHub Actions, shallow clones, pre-push."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.changes.changeset import analyze, compute
from preflight.changes.revisions import resolve, resolve_pre_push
from preflight.errors import GitError, InputError
from preflight.models import ChangeKind, RevisionRange
from preflight.repository import ZERO_OID, Repository
from tests.conftest import commit, git


def _forked(repo: Path) -> tuple[str, str, str]:
    """main: c1, fork, m3; feature: fork, f1. Returns (fork, main, feature); HEAD left on feature."""
    commit(repo, {"a.txt": "1\n"})
    fork = commit(repo, {"a.txt": "2\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    feature = commit(repo, {"f.txt": "f\n"})
    git(repo, "checkout", "-q", "main")
    main = commit(repo, {"a.txt": "3\n"})
    git(repo, "checkout", "-q", "feature")
    return fork, main, feature


def _bare_origin(tmp_path: Path, repo: Path) -> Path:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    return origin


def _event(tmp_path: Path, payload: object) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(path)}


# --- explicit --base / --head -------------------------------------------------------------------


def test_explicit_base_and_head_resolve_to_shas(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "1\n"})
    second = commit(git_repo, {"a.txt": "2\n"})
    with Repository(git_repo) as repo:
        rng = resolve(repo, first, second, {})
    assert rng == RevisionRange(first, second, first, second, first, "explicit")


def test_explicit_base_branch_that_diverged_uses_fork_point(git_repo: Path) -> None:
    fork, main, feature = _forked(git_repo)
    with Repository(git_repo) as repo:
        rng = resolve(repo, "main", "feature", {})
    assert rng == RevisionRange("main", "feature", main, feature, fork, "explicit")


def test_explicit_base_wins_over_github_actions(git_repo: Path, tmp_path: Path) -> None:
    fork, main, _ = _forked(git_repo)
    environ = _event(tmp_path, {"pull_request": {"base": {"sha": "f" * 40}}})
    with Repository(git_repo) as repo:
        rng = resolve(repo, "main", None, environ)
    assert (rng.source, rng.base_sha, rng.merge_base) == ("explicit", main, fork)


# --- defaults -------------------------------------------------------------------------------------


def test_default_head_is_HEAD(git_repo: Path) -> None:
    first = commit(git_repo, {"a.txt": "1\n"})
    second = commit(git_repo, {"a.txt": "2\n"})
    with Repository(git_repo) as repo:
        rng = resolve(repo, first, None, {})
    assert (rng.head, rng.head_sha) == ("HEAD", second)


def test_default_base_is_merge_base_with_main(git_repo: Path) -> None:
    fork, main, feature = _forked(git_repo)
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, {})
    assert rng == RevisionRange("main", "HEAD", main, feature, fork, "default-branch")


def test_default_base_prefers_origin_head_over_main(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})  # local main stays here
    git(git_repo, "checkout", "-q", "-b", "develop")
    develop = commit(git_repo, {"a.txt": "develop\n"})
    _bare_origin(tmp_path, git_repo)
    git(git_repo, "push", "-q", "origin", "main", "develop")
    git(git_repo, "fetch", "-q", "origin")
    git(git_repo, "remote", "set-head", "origin", "develop")
    git(git_repo, "checkout", "-q", "-b", "feature")
    feature = commit(git_repo, {"f.txt": "f\n"})
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, {})
    assert rng == RevisionRange(
        "refs/remotes/origin/HEAD", "HEAD", develop, feature, develop, "default-branch"
    )


def test_default_base_falls_back_to_master(tmp_path: Path) -> None:
    repo_dir = tmp_path / "old"
    repo_dir.mkdir()
    git(repo_dir, "init", "-q", "-b", "master")
    base = commit(repo_dir, {"a.txt": "1\n"})
    git(repo_dir, "checkout", "-q", "-b", "feature")
    feature = commit(repo_dir, {"a.txt": "2\n"})
    with Repository(repo_dir) as repo:
        rng = resolve(repo, None, None, {})
    assert rng == RevisionRange("master", "HEAD", base, feature, base, "default-branch")


def test_default_base_falls_back_to_origin_main_without_local_main(git_repo: Path, tmp_path: Path) -> None:
    base = commit(git_repo, {"a.txt": "1\n"})
    _bare_origin(tmp_path, git_repo)
    git(git_repo, "push", "-q", "origin", "main")
    git(git_repo, "fetch", "-q", "origin")
    git(git_repo, "checkout", "-q", "-b", "feature")
    git(git_repo, "branch", "-q", "-D", "main")
    feature = commit(git_repo, {"a.txt": "2\n"})
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, {})
    assert rng == RevisionRange("origin/main", "HEAD", base, feature, base, "default-branch")


def test_no_default_branch_asks_for_base(tmp_path: Path) -> None:
    repo_dir = tmp_path / "trunk"
    repo_dir.mkdir()
    git(repo_dir, "init", "-q", "-b", "trunk")
    commit(repo_dir, {"a.txt": "1\n"})
    with Repository(repo_dir) as repo, pytest.raises(GitError, match="--base"):
        resolve(repo, None, None, {})


# --- bad refs and bad directories -----------------------------------------------------------------


def test_unknown_base_ref_is_named(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    with Repository(git_repo) as repo, pytest.raises(GitError, match="'no-such-branch'") as info:
        resolve(repo, "no-such-branch", None, {})
    assert "--base" in str(info.value)


def test_unknown_head_ref_is_named(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    with Repository(git_repo) as repo, pytest.raises(GitError, match=r"'v9\.9'") as info:
        resolve(repo, "main", "v9.9", {})
    assert "--head" in str(info.value)


def test_empty_repository_has_no_head(git_repo: Path) -> None:
    with Repository(git_repo) as repo, pytest.raises(GitError, match="'HEAD'"):
        resolve(repo, None, None, {})


def test_plain_directory_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        Repository(plain)


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="no such directory"):
        Repository(tmp_path / "missing")


def test_unrelated_histories_share_no_history(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    git(git_repo, "checkout", "-q", "--orphan", "other")
    git(git_repo, "rm", "-q", "-rf", ".")
    commit(git_repo, {"b.txt": "b\n"})
    with Repository(git_repo) as repo, pytest.raises(GitError, match="share no history"):
        resolve(repo, "main", "other", {})


# --- GitHub Actions -------------------------------------------------------------------------------


def test_github_pull_request_event_gives_base_sha(git_repo: Path, tmp_path: Path) -> None:
    fork, main, feature = _forked(git_repo)
    environ = _event(tmp_path, {"pull_request": {"base": {"sha": main}}})
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, environ)
    assert rng == RevisionRange(main, "HEAD", main, feature, fork, "github-event")


def test_github_push_event_uses_before(git_repo: Path, tmp_path: Path) -> None:
    before = commit(git_repo, {"a.txt": "1\n"})
    commit(git_repo, {"a.txt": "2\n"})
    after = commit(git_repo, {"a.txt": "3\n"})
    environ = _event(tmp_path, {"before": before, "after": after})
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, environ)
    assert rng == RevisionRange(before, "HEAD", before, after, before, "github-event")


def test_github_zero_before_falls_back_to_base_ref(git_repo: Path, tmp_path: Path) -> None:
    fork, main, feature = _forked(git_repo)
    environ = _event(tmp_path, {"before": ZERO_OID}) | {"GITHUB_BASE_REF": "main"}
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, environ)
    assert rng == RevisionRange("main", "HEAD", main, feature, fork, "github-base-ref")


def test_github_base_ref_prefers_origin_tracking_branch(git_repo: Path, tmp_path: Path) -> None:
    pushed = commit(git_repo, {"a.txt": "1\n"})
    _bare_origin(tmp_path, git_repo)
    git(git_repo, "push", "-q", "origin", "main")
    git(git_repo, "fetch", "-q", "origin")
    commit(git_repo, {"a.txt": "local only\n"})  # local main moves past origin/main
    git(git_repo, "checkout", "-q", "-b", "feature", pushed)
    feature = commit(git_repo, {"f.txt": "f\n"})
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "main"}
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, environ)
    assert rng == RevisionRange("origin/main", "HEAD", pushed, feature, pushed, "github-base-ref")


def test_github_base_ref_not_fetched_says_how(git_repo: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "release"}
    with Repository(git_repo) as repo, pytest.raises(GitError, match="fetch-depth: 0") as info:
        resolve(repo, None, None, environ)
    assert "'release'" in str(info.value)


def test_github_base_sha_missing_from_clone(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    missing = "1234567890abcdef1234567890abcdef12345678"
    environ = _event(tmp_path, {"pull_request": {"base": {"sha": missing}}})
    with Repository(git_repo) as repo, pytest.raises(GitError, match="fetch-depth: 0") as info:
        resolve(repo, None, None, environ)
    assert missing in str(info.value)


def test_github_push_before_missing_from_clone(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    missing = "1234567890abcdef1234567890abcdef12345678"
    environ = _event(tmp_path, {"before": missing})
    with Repository(git_repo) as repo, pytest.raises(GitError, match="fetch-depth: 0"):
        resolve(repo, None, None, environ)


def test_github_bad_event_json_names_path(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    path = tmp_path / "broken-event.json"
    path.write_text("{not json", encoding="utf-8")
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(path)}
    with Repository(git_repo) as repo, pytest.raises(InputError) as info:
        resolve(repo, None, None, environ)
    assert str(path) in str(info.value)
    assert "not valid JSON" in str(info.value)


def test_github_unreadable_event_names_path(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    path = tmp_path / "no-such-event.json"
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(path)}
    with Repository(git_repo) as repo, pytest.raises(InputError, match="cannot read") as info:
        resolve(repo, None, None, environ)
    assert str(path) in str(info.value)


def test_github_event_ignored_outside_actions(git_repo: Path, tmp_path: Path) -> None:
    fork, _, _ = _forked(git_repo)
    environ = _event(tmp_path, {"pull_request": {"base": {"sha": "f" * 40}}})
    del environ["GITHUB_ACTIONS"]
    with Repository(git_repo) as repo:
        rng = resolve(repo, None, None, environ)
    assert (rng.source, rng.merge_base) == ("default-branch", fork)


def test_github_malformed_pull_request_base_is_input_error(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.txt": "1\n"})
    environ = _event(tmp_path, {"pull_request": {"base": None}})
    with Repository(git_repo) as repo, pytest.raises(InputError):
        resolve(repo, None, None, environ)


# --- shallow clones -------------------------------------------------------------------------------


def _upstream_with_feature(tmp_path: Path) -> tuple[Path, str]:
    """main: c1..c5; feature forked at c2 with two commits. Returns (upstream, c2)."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    commit(upstream, {"a.txt": "c1\n"})
    c2 = commit(upstream, {"a.txt": "c2\n"})
    git(upstream, "checkout", "-q", "-b", "feature")
    commit(upstream, {"f.txt": "f1\n"})
    commit(upstream, {"f.txt": "f2\n"})
    git(upstream, "checkout", "-q", "main")
    for n in (3, 4, 5):
        commit(upstream, {"a.txt": f"c{n}\n"})
    return upstream, c2


def test_shallow_clone_without_merge_base_says_how_to_deepen(tmp_path: Path) -> None:
    upstream, _ = _upstream_with_feature(tmp_path)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{upstream}", str(shallow))
    with Repository(shallow) as repo:
        assert repo.is_shallow()
        with pytest.raises(GitError) as info:
            resolve(repo, "origin/main", "origin/feature", {})
    assert "fetch-depth: 0" in str(info.value)
    assert "--deepen" in str(info.value)


def test_shallow_clone_resolves_after_unshallow(tmp_path: Path) -> None:
    upstream, c2 = _upstream_with_feature(tmp_path)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{upstream}", str(shallow))
    git(shallow, "fetch", "-q", "--unshallow")
    with Repository(shallow) as repo:
        assert not repo.is_shallow()
        rng = resolve(repo, "origin/main", "origin/feature", {})
    assert rng.merge_base == c2
    assert rng.source == "explicit"


def test_shallow_clone_unknown_ref_suggests_deepening(tmp_path: Path) -> None:
    upstream, _ = _upstream_with_feature(tmp_path)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{upstream}", str(shallow))
    with Repository(shallow) as repo, pytest.raises(GitError, match="fetch-depth: 0") as info:
        resolve(repo, "origin/feature", None, {})
    assert "'origin/feature'" in str(info.value)


# --- pre-push -------------------------------------------------------------------------------------


def _pushed_repo(tmp_path: Path, repo: Path) -> str:
    """Commit once on main, push it to a bare origin; return that commit."""
    first = commit(repo, {"a.py": "def f():\n    return 1\n"})
    _bare_origin(tmp_path, repo)
    git(repo, "push", "-q", "-u", "origin", "main")
    return first


def test_pre_push_update_of_existing_branch(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    commit(git_repo, {"a.py": "def f():\n    return 2\n"})
    local = commit(git_repo, {"a.py": "def f():\n    return 3\n"})
    line = f"refs/heads/main {local} refs/heads/main {pushed}\n"
    with Repository(git_repo) as repo:
        ranges = resolve_pre_push(repo, [line], remote="origin")
    assert ranges == (RevisionRange("refs/heads/main", "refs/heads/main", pushed, local, pushed, "pre-push"),)


def test_pre_push_force_push_uses_fork_point(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    remote_tip = commit(git_repo, {"a.py": "def f():\n    return 2\n"})
    git(git_repo, "reset", "-q", "--hard", pushed)
    local = commit(git_repo, {"a.py": "def f():\n    return 3\n"})
    line = f"refs/heads/main {local} refs/heads/main {remote_tip}\n"
    with Repository(git_repo) as repo:
        (rng,) = resolve_pre_push(repo, [line], remote="origin")
    assert (rng.base_sha, rng.head_sha, rng.merge_base) == (remote_tip, local, pushed)


def test_pre_push_new_branch_starts_at_fork_point(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    git(git_repo, "checkout", "-q", "-b", "feature")
    commit(git_repo, {"b.py": "def g():\n    return 1\n"})
    local = commit(git_repo, {"b.py": "def g():\n    return 2\n"})
    line = f"refs/heads/feature {local} refs/heads/feature {ZERO_OID}\n"
    with Repository(git_repo) as repo:
        ranges = resolve_pre_push(repo, [line], remote="origin")
    assert ranges == (
        RevisionRange("refs/heads/feature", "refs/heads/feature", pushed, local, pushed, "pre-push"),
    )


def test_pre_push_new_branch_already_on_remote_is_empty(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    line = f"refs/heads/copy {pushed} refs/heads/copy {ZERO_OID}\n"
    with Repository(git_repo) as repo:
        (rng,) = resolve_pre_push(repo, [line], remote="origin")
    assert (rng.base_sha, rng.head_sha, rng.merge_base) == (pushed, pushed, pushed)


def test_pre_push_delete_has_no_range(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    line = f"(delete) {ZERO_OID} refs/heads/old {pushed}\n"
    with Repository(git_repo) as repo:
        assert resolve_pre_push(repo, [line], remote="origin") == ()


def test_pre_push_to_empty_remote_compares_with_empty_tree(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.py": "def f():\n    return 1\n"})
    local = commit(git_repo, {"b.py": "def g():\n    return 1\n"})
    _bare_origin(tmp_path, git_repo)  # nothing pushed yet: no refs/remotes/origin/*
    line = f"refs/heads/main {local} refs/heads/main {ZERO_OID}\n"
    with Repository(git_repo) as repo:
        ranges = resolve_pre_push(repo, [line], remote="origin")
    assert ranges == (RevisionRange("refs/heads/main", "refs/heads/main", None, local, None, "pre-push"),)


def test_pre_push_malformed_line_names_line_number(git_repo: Path) -> None:
    sha = commit(git_repo, {"a.txt": "1\n"})
    lines = [f"refs/heads/main {sha} refs/heads/main {sha}\n", "refs/heads/main garbage\n"]
    with Repository(git_repo) as repo, pytest.raises(InputError, match="line 2") as info:
        resolve_pre_push(repo, lines, remote="origin")
    assert "refs/heads/main garbage" in str(info.value)


def test_pre_push_blank_lines_ignored(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    local = commit(git_repo, {"a.py": "def f():\n    return 2\n"})
    lines = ["\n", "   \n", f"refs/heads/main {local} refs/heads/main {pushed}\n", ""]
    with Repository(git_repo) as repo:
        ranges = resolve_pre_push(repo, lines, remote="origin")
    assert [(r.base_sha, r.head_sha) for r in ranges] == [(pushed, local)]


def test_pre_push_several_lines_give_several_ranges(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    main = commit(git_repo, {"a.py": "def f():\n    return 2\n"})
    git(git_repo, "checkout", "-q", "-b", "feature", pushed)
    feature = commit(git_repo, {"b.py": "def g():\n    return 1\n"})
    lines = [
        f"refs/heads/main {main} refs/heads/main {pushed}\n",
        f"(delete) {ZERO_OID} refs/heads/gone {pushed}\n",
        f"refs/heads/feature {feature} refs/heads/feature {ZERO_OID}\n",
    ]
    with Repository(git_repo) as repo:
        ranges = resolve_pre_push(repo, lines, remote="origin")
    assert [(r.head, r.base_sha, r.head_sha, r.merge_base) for r in ranges] == [
        ("refs/heads/main", pushed, main, pushed),
        ("refs/heads/feature", pushed, feature, pushed),
    ]


def test_pre_push_empty_tree_range_reports_every_function_added(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"a.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n"})
    local = commit(git_repo, {"pkg/b.py": "class C:\n    def m(self):\n        return 3\n"})
    _bare_origin(tmp_path, git_repo)
    line = f"refs/heads/main {local} refs/heads/main {ZERO_OID}\n"
    with Repository(git_repo) as repo:
        (rng,) = resolve_pre_push(repo, [line], remote="origin")
        changes = compute(repo, rng)
    assert [(f.path, f.status) for f in changes.files] == [("a.py", "added"), ("pkg/b.py", "added")]
    assert [(fn.qualname, fn.kind) for fn in changes.functions] == [
        ("a.f", ChangeKind.ADDED),
        ("a.g", ChangeKind.ADDED),
        ("pkg.b.C.m", ChangeKind.ADDED),
    ]


def test_analyze_end_to_end_with_explicit_base(git_repo: Path) -> None:
    base = commit(git_repo, {"a.py": "def f():\n    return 1\n"})
    head = commit(git_repo, {"a.py": "def f():\n    return 2\n"})
    changes = analyze(git_repo, base=base, head=head)
    assert changes.revisions == RevisionRange(base, head, base, head, base, "explicit")
    assert [(fn.qualname, fn.kind) for fn in changes.functions] == [("a.f", ChangeKind.MODIFIED)]


def test_pre_push_to_a_url_excludes_every_remote(git_repo: Path, tmp_path: Path) -> None:
    pushed = _pushed_repo(tmp_path, git_repo)
    git(git_repo, "checkout", "-q", "-b", "feature")
    local = commit(git_repo, {"b.py": "def g():\n    return 1\n"})
    line = f"refs/heads/feature {local} refs/heads/feature {ZERO_OID}\n"
    with Repository(git_repo) as repo:
        (rng,) = resolve_pre_push(repo, [line], remote=f"file://{tmp_path}/elsewhere.git")
    assert (rng.base_sha, rng.head_sha, rng.merge_base) == (pushed, local, pushed)
