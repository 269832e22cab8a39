"""`preflight init`: the config, the workflow and the hook, in a real git repository."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight import __version__, config, hook
from preflight.cli import main
from preflight.commands import init
from tests.conftest import commit


@pytest.fixture
def repo(git_repo: Path) -> Path:
    """A repository with a package that has a `python -m` entry point, and tests beside it."""
    commit(
        git_repo,
        {
            "shop/__init__.py": "",
            "shop/serve.py": "def main() -> None:\n    pass\n\n\nif __name__ == '__main__':\n    main()\n",
            "src/billing/__init__.py": "",
            "tests/__init__.py": "",
            "tests/test_shop.py": "def test_it() -> None:\n    pass\n",
        },
    )
    return git_repo


def test_writes_a_config_that_loads_and_the_workflow(repo: Path, golden: Callable[[str, str], None]) -> None:
    out = io.StringIO()
    assert init.run(repo, False, False, out, {}) == 0
    text = (repo / ".preflight.yml").read_text(encoding="utf-8")
    golden("init.preflight.yml", text)
    loaded = config.parse(text, ".preflight.yml")
    assert loaded.snapshot == ".preflight/snapshot" and loaded.gate.mode == "advisory"
    assert "  billing: {}" in text and "  shop: {}" in text and "tests: {}" not in text
    assert "main shop.serve" in text
    workflow = (repo / ".github" / "workflows" / "preflight.yml").read_text(encoding="utf-8")
    golden("init.workflow.yml", workflow)
    # Nothing for the reader to replace: the pinned distribution, installed with pip.
    assert "OWNER" not in workflow
    assert f"python -m pip install {init.REQUIREMENT}\n" in workflow
    assert f"preflight-risk-gate=={__version__}" == init.REQUIREMENT
    assert [line for line in workflow.splitlines() if "PyPI" in line] == [
        f"      # Not on PyPI yet: this install fails until {init.REQUIREMENT} is published."
    ]
    printed = out.getvalue()
    assert "wrote .preflight.yml" in printed and "collect --help" in printed
    assert f"Gate your pushes too: {hook.invocation(None)} hook install" in printed
    assert not (repo / ".git" / "hooks" / "pre-push").exists()


def test_again_changes_nothing_and_never_overwrites_without_force(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--repo", str(repo)]) == 0
    written = (repo / ".preflight.yml").stat().st_mtime_ns
    capsys.readouterr()
    assert main(["init", "--repo", str(repo)]) == 0
    assert (repo / ".preflight.yml").stat().st_mtime_ns == written
    assert capsys.readouterr().out.count("is up to date") == 2
    (repo / ".preflight.yml").write_text("gate:\n  mode: blocking\n", encoding="utf-8")
    (repo / ".github" / "workflows" / "preflight.yml").unlink()
    assert main(["init", "--repo", str(repo)]) == 2
    err = capsys.readouterr().err
    assert str(repo / ".preflight.yml") in err and "--force" in err
    assert (repo / ".preflight.yml").read_text(encoding="utf-8") == "gate:\n  mode: blocking\n"
    assert not (repo / ".github" / "workflows" / "preflight.yml").exists()  # nothing written
    assert main(["init", "--repo", str(repo), "--force"]) == 0
    assert "replaced .preflight.yml" in capsys.readouterr().out
    assert (repo / ".github" / "workflows" / "preflight.yml").is_file()


def test_hook_installs_the_pre_push_hook(repo: Path) -> None:
    out = io.StringIO()
    assert init.run(repo, True, False, out, {}) == 0
    assert hook.is_ours(repo / ".git" / "hooks" / "pre-push")
    assert "pre-push hook installed" in out.getvalue() and "Gate your pushes" not in out.getvalue()
    assert init.run(repo, True, False, io.StringIO(), {}) == 0  # again: updated in place


def test_without_packages_it_says_so(git_repo: Path) -> None:
    out = io.StringIO()
    assert init.run(git_repo, False, False, out, {}) == 0
    text = (git_repo / ".preflight.yml").read_text(encoding="utf-8")
    assert config.parse(text, ".preflight.yml").calls == () and "\nservices:" not in text
    assert "No Python package was found" in out.getvalue()
