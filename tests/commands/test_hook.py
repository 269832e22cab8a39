"""The pre-push hook: install/uninstall (chaining), `hook run` input handling, real `git push`es."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from preflight import __version__, hook
from preflight.cli import main
from preflight.commands import hook as command
from preflight.errors import InputError, PreflightError
from preflight.repository import ZERO_OID
from tests.conftest import GIT_ENV, commit, git

ROOT = Path(__file__).resolve().parents[2]
# The installed hook runs the console script in a child of `git push`; it imports the tree under test.
PUSH_ENV = {**GIT_ENV, "PYTHONPATH": str(ROOT)}
OLD_HOOK = '#!/bin/sh\necho "old hook saw $1: $(cat)" >> "$(dirname "$0")/../old-hook.log"\nexit {status}\n'
BLOCKING = "gate:\n  mode: blocking\n  warn_above: 0\n  fail_above: 0\n"


def push(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`git push` in a child process, the way a developer runs it (hooks and all)."""
    return subprocess.run(
        ["git", "push", *args], cwd=repo, env={**PUSH_ENV, **env}, capture_output=True, text=True
    )


@pytest.fixture
def pushed(git_repo: Path, tmp_path: Path) -> Path:
    """A repo whose main is pushed to a bare origin (so origin/main exists)."""
    commit(git_repo, {"app/core.py": "def f():\n    return 1\n\n\ndef g():\n    return f()\n"})
    git(tmp_path, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(git_repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    git(git_repo, "push", "-q", "-u", "origin", "main")
    return git_repo


def remote_sha(repo: Path, ref: str = "main") -> str:
    return git(repo, "ls-remote", "origin", f"refs/heads/{ref}").split("\t")[0]


def hooks_dir(repo: Path) -> Path:
    return repo / ".git" / "hooks"


def check_run(
    repo: Path, stdin: str, environ: dict[str, str] | None = None, fmt: str = "json"
) -> tuple[int, str]:
    out = io.StringIO()
    code = command.run(repo, "origin", io.StringIO(stdin), environ or {}, out, fmt)
    return code, out.getvalue()


# --- install / uninstall ---------------------------------------------------------------------------


def test_install_writes_an_executable_hook_that_calls_this_preflight(
    pushed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    path = hooks_dir(pushed) / "pre-push"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and hook.MARKER in text
    exe, _ = hook.command()
    assert Path(exe).is_absolute() and f"preflight={exe}" in text
    assert path.stat().st_mode & stat.S_IXUSR
    assert "installed at" in capsys.readouterr().out
    assert not (hooks_dir(pushed) / hook.CHAINED).exists()


def test_reinstall_updates_in_place(pushed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    (hooks_dir(pushed) / "pre-push").write_text(f"#!/bin/sh\n{hook.MARKER}\n# an older version\n")
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    assert "updated at" in capsys.readouterr().out
    names = sorted(p.name for p in hooks_dir(pushed).glob("pre-push*") if p.suffix != ".sample")
    assert names == ["pre-push"]
    assert "# an older version" not in (hooks_dir(pushed) / "pre-push").read_text()


def test_install_chains_an_existing_hook_keeping_content_and_mode(pushed: Path) -> None:
    existing = hooks_dir(pushed) / "pre-push"
    existing.write_text(OLD_HOOK.format(status=0))
    existing.chmod(0o750)
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    assert main(["hook", "install", "--repo", str(pushed)]) == 0  # idempotent: still one chained hook
    chained = hooks_dir(pushed) / hook.CHAINED
    assert chained.read_text() == OLD_HOOK.format(status=0)
    assert stat.S_IMODE(chained.stat().st_mode) == 0o750
    assert hook.is_ours(existing)


def test_install_refuses_to_drop_a_second_foreign_hook_without_force(pushed: Path) -> None:
    hooks = hooks_dir(pushed)
    (hooks / "pre-push").write_text("#!/bin/sh\necho first\n")
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    (hooks / "pre-push").write_text("#!/bin/sh\necho second\n")  # another tool replaced preflight's hook
    with pytest.raises(PreflightError, match="--force"):
        hook.install(hooks, hook.script("/bin/true"))
    assert main(["hook", "install", "--repo", str(pushed)]) == 2
    assert main(["hook", "install", "--repo", str(pushed), "--force"]) == 0
    assert (hooks / hook.CHAINED).read_text() == "#!/bin/sh\necho second\n"
    assert (hooks / f"{hook.CHAINED}.bak").read_text() == "#!/bin/sh\necho first\n"


def test_uninstall_restores_the_chained_hook(pushed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hooks = hooks_dir(pushed)
    (hooks / "pre-push").write_text(OLD_HOOK.format(status=0))
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    assert main(["hook", "uninstall", "--repo", str(pushed)]) == 0
    assert (hooks / "pre-push").read_text() == OLD_HOOK.format(status=0)
    assert not (hooks / hook.CHAINED).exists()
    assert main(["hook", "uninstall", "--repo", str(pushed)]) == 0  # someone else's: left alone
    assert (hooks / "pre-push").read_text() == OLD_HOOK.format(status=0)
    (hooks / "pre-push").unlink()
    assert main(["hook", "uninstall", "--repo", str(pushed)]) == 0
    out = capsys.readouterr().out
    assert "earlier hook is back" in out and "left alone" in out and "nothing to remove" in out


def test_uninstall_without_chained_hook_removes_it(pushed: Path) -> None:
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    assert main(["hook", "uninstall", "--repo", str(pushed)]) == 0
    assert not (hooks_dir(pushed) / "pre-push").exists()


def test_install_honours_core_hooks_path(pushed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(pushed, "config", "core.hooksPath", ".githooks")
    (pushed / "app").mkdir(exist_ok=True)
    assert main(["hook", "install", "--repo", str(pushed / "app")]) == 0  # from a subdirectory
    assert hook.is_ours(pushed / ".githooks" / "pre-push")
    assert not (hooks_dir(pushed) / "pre-push").exists()
    assert "inside the work tree" in capsys.readouterr().out


def test_install_from_a_worktree_uses_the_shared_hooks(pushed: Path, tmp_path: Path) -> None:
    git(pushed, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "other")
    assert main(["hook", "install", "--repo", str(tmp_path / "wt")]) == 0
    assert hook.is_ours(hooks_dir(pushed) / "pre-push")


def test_run_checks_an_update_of_an_existing_branch(pushed: Path) -> None:
    old = remote_sha(pushed)
    new = commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    code, out = check_run(pushed, f"refs/heads/main {new} refs/heads/main {old}\n")
    doc = json.loads(out)
    assert code == 0
    assert (doc["merge_base"], doc["head"], doc["base_source"]) == (old, new, "pre-push")
    assert [f["qualname"] for f in doc["functions"]] == ["app.core.f"]


def test_run_new_branch_is_compared_with_where_it_left_the_remote(pushed: Path) -> None:
    fork = remote_sha(pushed)
    git(pushed, "checkout", "-q", "-b", "feature")
    commit(pushed, {"app/new.py": "def h():\n    return 1\n"})
    head = commit(pushed, {"app/new.py": "def h():\n    return 2\n"})
    code, out = check_run(pushed, f"refs/heads/feature {head} refs/heads/feature {ZERO_OID}\n")
    doc = json.loads(out)
    assert code == 0 and (doc["merge_base"], doc["head"]) == (fork, head)
    assert [(f["qualname"], f["kind"]) for f in doc["functions"]] == [("app.new.h", "added")]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (f"(delete) {ZERO_OID} refs/heads/old {'1' * 40}\n", "only branch deletions pushed"),
        ("\n  \n", "no refs pushed"),
        ("", "no refs pushed"),
    ],
)
def test_run_with_nothing_to_check_passes(pushed: Path, stdin: str, message: str) -> None:
    code, out = check_run(pushed, stdin)
    assert (code, out) == (0, f"preflight: nothing to check: {message}\n")


def test_run_malformed_input_is_exit_2_naming_the_line(
    pushed: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = remote_sha(pushed)
    stdin = f"refs/heads/main {sha} refs/heads/main {sha}\nrefs/heads/main garbage\n"
    with pytest.raises(InputError, match="line 2"):
        check_run(pushed, stdin)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["hook", "run", "--repo", str(pushed), "origin"]) == 2
    assert "line 2" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_run_by_hand_on_a_terminal_says_how_to_use_it(pushed: Path) -> None:
    with pytest.raises(InputError, match="hook install"):
        command.run(pushed, "origin", _Terminal(), {}, io.StringIO())


@pytest.mark.parametrize("value", ["1", "yes"])
def test_skip_variable_skips_with_one_line(pushed: Path, value: str) -> None:
    code, out = check_run(pushed, "garbage that is never read\n", {hook.SKIP_VARIABLE: value})
    assert (code, out) == (0, f"preflight: skipped (PREFLIGHT_SKIP={value}): this push was not checked\n")


def test_skip_variable_zero_does_not_skip(pushed: Path) -> None:
    with pytest.raises(InputError):
        check_run(pushed, "garbage\n", {hook.SKIP_VARIABLE: "0"})


def test_pre_commit_refs_come_from_the_environment(pushed: Path) -> None:
    old = remote_sha(pushed)
    new = commit(pushed, {"app/core.py": "def f():\n    return 3\n\n\ndef g():\n    return f()\n"})
    environ = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": old, "PRE_COMMIT_TO_REF": new}
    code, out = check_run(pushed, "not read\n", environ)
    doc = json.loads(out)
    assert code == 0 and (doc["merge_base"], doc["head"]) == (old, new)


def test_pre_commit_first_push_has_nothing_to_compare(pushed: Path) -> None:
    environ = {"PRE_COMMIT": "1", "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main"}
    code, out = check_run(pushed, "", environ)
    assert code == 0 and "a first push" in out


def test_pre_commit_without_refs_checks_head_against_the_default_branch(pushed: Path) -> None:
    git(pushed, "checkout", "-q", "-b", "feature")
    head = commit(pushed, {"app/core.py": "def f():\n    return 4\n\n\ndef g():\n    return f()\n"})
    code, out = check_run(pushed, "", {"PRE_COMMIT": "1"})
    doc = json.loads(out)
    assert code == 0 and (doc["merge_base"], doc["head"]) == (remote_sha(pushed), head)


def test_compact_output_is_a_few_lines(pushed: Path) -> None:
    old = remote_sha(pushed)
    new = commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    code, out = check_run(pushed, f"refs/heads/main {new} refs/heads/main {old}\n", fmt="compact")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("preflight PASS refs/heads/main: risk ")
    assert lines[1] == "  1 function changed in 1 file: app.core.f (modified)"
    assert lines[-1] == f"  details: preflight check --base {old[:12]} --head {new[:12]} --format text"
    assert len(lines) <= 6


# --- real pushes through the installed hook ----------------------------------------------------------


def test_failing_gate_blocks_the_push_and_passing_lets_it_through(pushed: Path) -> None:
    commit(pushed, {".preflight.yml": BLOCKING}, "blocking gate")
    git(pushed, "push", "-q", "origin", "main")  # no hook yet: the policy is on the remote's tip
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    before = remote_sha(pushed)
    commit(pushed, {"app/core.py": "def f():\n    return 5\n\n\ndef g():\n    return f()\n"})
    blocked = push(pushed, "origin", "main")
    assert blocked.returncode != 0, blocked.stderr
    assert "preflight FAIL refs/heads/main" in blocked.stderr + blocked.stdout
    assert remote_sha(pushed) == before
    skipped = push(pushed, "origin", "main", PREFLIGHT_SKIP="1")
    assert skipped.returncode == 0, skipped.stderr
    assert "preflight: skipped (PREFLIGHT_SKIP=1)" in skipped.stderr + skipped.stdout
    assert remote_sha(pushed) == git(pushed, "rev-parse", "HEAD")


def test_passing_gate_lets_a_new_branch_through(pushed: Path) -> None:
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    git(pushed, "checkout", "-q", "-b", "feature")
    head = commit(pushed, {"app/more.py": "def k():\n    return 1\n"})
    done = push(pushed, "-u", "origin", "feature")
    assert done.returncode == 0, done.stderr
    assert "preflight PASS refs/heads/feature" in done.stderr + done.stdout
    assert remote_sha(pushed, "feature") == head
    deleted = push(pushed, "origin", "--delete", "feature")
    assert deleted.returncode == 0 and "only branch deletions pushed" in deleted.stderr + deleted.stdout


@pytest.mark.parametrize("status", [0, 1])
def test_chained_hook_runs_first_with_the_same_input(pushed: Path, status: int) -> None:
    (hooks_dir(pushed) / "pre-push").write_text(OLD_HOOK.format(status=status))
    (hooks_dir(pushed) / "pre-push").chmod(0o755)
    assert main(["hook", "install", "--repo", str(pushed)]) == 0
    old = remote_sha(pushed)
    new = commit(pushed, {"app/core.py": "def f():\n    return 6\n\n\ndef g():\n    return f()\n"})
    done = push(pushed, "origin", "main")
    log = (pushed / ".git" / "old-hook.log").read_text()
    assert log == f"old hook saw origin: refs/heads/main {new} refs/heads/main {old}\n"
    assert "preflight PASS refs/heads/main" in done.stderr + done.stdout  # preflight still ran
    assert (done.returncode == 0) == (status == 0)
    assert remote_sha(pushed) == (new if status == 0 else old)


def test_hook_whose_preflight_disappeared_says_so_and_lets_the_push_through(pushed: Path) -> None:
    gone = pushed.parent / "gone" / "bin" / "preflight"
    (hooks_dir(pushed) / "pre-push").write_text(hook.script(str(gone)))
    (hooks_dir(pushed) / "pre-push").chmod(0o755)
    new = commit(pushed, {"app/core.py": "def f():\n    return 7\n\n\ndef g():\n    return f()\n"})
    done = push(pushed, "origin", "main", PATH="/usr/bin:/bin")  # no preflight on PATH either
    assert done.returncode == 0, done.stderr
    assert f"preflight: {gone} is gone, so this push was not checked" in done.stderr
    assert remote_sha(pushed) == new


def test_hook_with_the_interpreter_runs_isolated_from_the_repository(pushed: Path) -> None:
    # A package in the pushed repository named like one of preflight's imports must not be imported.
    commit(pushed, {"click/__init__.py": "raise SystemExit('imported from the repository')\n"})
    (hooks_dir(pushed) / "pre-push").write_text(hook.script(sys.executable, ("-I", "-m", "preflight")))
    (hooks_dir(pushed) / "pre-push").chmod(0o755)
    done = push(pushed, "origin", "main")
    assert done.returncode == 0, done.stderr
    assert "imported from the repository" not in done.stderr
    assert "preflight PASS refs/heads/main" in done.stderr + done.stdout


# --- pre-commit framework manifest -------------------------------------------------------------------

# pre-commit's MANIFEST_HOOK_DICT (pre_commit/clientlib.py): required keys, optional keys and types.
REQUIRED = {"id": str, "name": str, "entry": str, "language": str}
OPTIONAL = {
    "alias": str, "files": str, "exclude": str, "types": list, "types_or": list, "exclude_types": list,
    "additional_dependencies": list, "args": list, "always_run": bool, "fail_fast": bool,
    "pass_filenames": bool, "description": str, "language_version": str, "log_file": str,
    "minimum_pre_commit_version": str, "require_serial": bool, "stages": list, "verbose": bool,
}  # fmt: skip
STAGES = {
    "commit-msg", "post-checkout", "post-commit", "post-merge", "post-rewrite", "pre-commit",
    "pre-merge-commit", "pre-push", "pre-rebase", "prepare-commit-msg", "manual",
}  # fmt: skip


def test_pre_commit_manifest_offers_a_pre_push_hook() -> None:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(manifest, list) and manifest
    for entry in manifest:
        for key, kind in REQUIRED.items():
            assert isinstance(entry.get(key), kind), f"{entry.get('id')}: {key} must be a {kind.__name__}"
        for key, value in entry.items():
            assert key in REQUIRED or isinstance(value, OPTIONAL[key]), f"{entry['id']}: bad {key}"
        assert entry["language"] in {"python", "system"}
        assert set(entry["stages"]) == {"pre-push"} <= STAGES
        assert entry["pass_filenames"] is False and entry["always_run"] is True
        assert entry["entry"] == "preflight hook run"
    assert [e["id"] for e in manifest] == ["preflight", "preflight-system"]


def test_the_documented_pre_commit_config_is_the_manifests_hook_as_a_local_one() -> None:
    """docs/hooks.md's config needs no placeholder: a local hook pinning this version, else the manifest's."""
    page = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    shown = [yaml.safe_load(block) for block in re.findall(r"^```yaml\n(.*?)^```$", page, flags=re.M | re.S)]
    [config] = [block for block in shown if isinstance(block, dict) and "repos" in block]
    [repo] = config["repos"]
    assert repo["repo"] == "local" and "rev" not in repo
    [documented] = repo["hooks"]
    manifest_text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    manifest = yaml.safe_load(manifest_text)
    offered = {
        key: value
        for key, value in manifest[0].items()
        if key not in {"description", "minimum_pre_commit_version"}
    }
    assert documented.pop("additional_dependencies") == [f"preflight-risk-gate=={__version__}"]
    assert documented == offered
    assert "OWNER" not in page and "OWNER" not in manifest_text


def test_pre_commit_entry_point_exists() -> None:
    script = Path(sys.executable).parent / "preflight"
    done = subprocess.run(
        [str(script), "hook", "run", "--help"], capture_output=True, text=True, env={**PUSH_ENV}
    )
    assert done.returncode == 0 and "PRE_COMMIT_FROM_REF" in done.stdout
    assert os.access(script, os.X_OK)


def test_a_slow_code_index_is_resumed_by_the_hook_or_left_out_and_said(pushed: Path) -> None:
    from preflight.callgraph import cache
    from preflight.repository import Repository

    old = remote_sha(pushed)
    new = commit(pushed, {"app/core.py": "def f():\n    return 2\n\n\ndef g():\n    return f()\n"})
    line = f"refs/heads/main {new} refs/heads/main {old}\n"
    code, out = check_run(pushed, line, fmt="compact")
    assert code == 0 and "call graph left out" not in out
    with Repository(pushed) as repo:
        took = cache.last_build_seconds(repo)  # the build this push made, timed
        assert took is not None and 0 <= took < command.INDEX_BUDGET_S
        timing = cache.default_cache_dir(repo) / cache.TIMING
    # as a 470,000-line repository records it: with a solved program to resume from, the hook
    # resumes it (never from scratch, approximately if need be) and the call graph is in
    timing.write_text('{"seconds": 38.2, "solve": "scratch"}', encoding="utf-8")
    newer = commit(pushed, {"app/core.py": "def f():\n    return 3\n\n\ndef g():\n    return f()\n"})
    code, out = check_run(pushed, f"refs/heads/main {newer} refs/heads/main {old}\n", fmt="compact")
    assert code == 0 and "call graph left out" not in out
    # without one, the push does not wait for a rebuild from scratch
    (timing.parent / cache.PACK).unlink()
    (timing.parent / cache.RESULT).unlink()
    timing.write_text('{"seconds": 38.2, "solve": "scratch"}', encoding="utf-8")
    code, out = check_run(pushed, f"refs/heads/main {newer} refs/heads/main {old}\n", fmt="compact")
    assert code == 0
    assert out.startswith(
        "preflight: call graph left out (its last build took 38 s): callers, entry points and inferred "
        "traffic are unknown; `preflight check` builds it\n"
    )
    assert "preflight PASS" in out
    # a damaged timing is no timing: the call graph is built again
    timing.write_text("not json", encoding="utf-8")
    code, out = check_run(pushed, f"refs/heads/main {newer} refs/heads/main {old}\n", fmt="compact")
    assert code == 0 and "call graph left out" not in out
