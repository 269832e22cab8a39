"""The pre-push hook file: the command it runs, installing beside a foreign hook, uninstalling."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from preflight import hook
from preflight.errors import PreflightError


def test_command_falls_back_to_isolated_interpreter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path))  # no console script there
    assert hook.command() == (sys.executable, ("-I", "-m", "preflight"))
    text = hook.script(*hook.command())
    assert f"preflight={sys.executable}\n" in text and '"$preflight" -I -m preflight hook run' in text


def test_command_refuses_an_interpreter_that_cannot_import_preflight(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nexit 1\n")  # stands in for an interpreter without preflight installed
    python.chmod(0o755)
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path / "bin"))
    monkeypatch.setattr("sys.executable", str(python))
    with pytest.raises(PreflightError, match="not installed in the environment"):
        hook.command()


# --- hook run: what it reads -----------------------------------------------------------------------


def test_install_writes_an_executable_script_and_uninstall_removes_it(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hook.install(hooks, hook.script("/bin/true"))
    installed = hooks / "pre-push"
    assert hook.is_ours(installed) and installed.stat().st_mode & 0o111
    hook.uninstall(hooks)
    assert not installed.exists()


def test_a_foreign_hook_is_chained_and_a_second_one_refused(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "pre-push").write_text("#!/bin/sh\necho first\n")
    hook.install(hooks, hook.script("/bin/true"))
    assert (hooks / hook.CHAINED).read_text() == "#!/bin/sh\necho first\n"
    assert not hook.is_ours(hooks / hook.CHAINED)
    (hooks / "pre-push").write_text("#!/bin/sh\necho second\n")
    with pytest.raises(PreflightError, match="--force"):
        hook.install(hooks, hook.script("/bin/true"))
