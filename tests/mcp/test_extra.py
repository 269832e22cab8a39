"""Without the [mcp] extra, `preflight mcp` says which extra to install (exit 2), and the rest of
preflight never imports the SDK.

The environment is real, not a patched import: this virtual environment's packages without the
SDK, as symbolic links, run with `python -S` and the checkout on PYTHONPATH."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.conftest import commit
from tests.mcp.conftest import ROOT, environment


def _without_the_sdk(site: Path) -> Path:
    site.mkdir()
    for source in dict.fromkeys((sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])):
        for entry in Path(source).iterdir():
            if entry.name.split("-")[0].split(".")[0].lower() == "mcp" or (site / entry.name).exists():
                continue
            (site / entry.name).symlink_to(entry)
    return site


def test_mcp_without_the_extra_names_it(git_repo: Path, tmp_path: Path) -> None:
    commit(git_repo, {"app.py": "def run():\n    return 1\n"})
    site = _without_the_sdk(tmp_path / "site")
    env = {**environment(), "PYTHONPATH": f"{site}:{ROOT}", "PYTHONNOUSERSITE": "1"}
    probe = subprocess.run(
        [sys.executable, "-S", "-c", "import importlib.util as u; print(u.find_spec('mcp'))"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert probe.stdout.strip() == "None"

    done = subprocess.run(
        [sys.executable, "-S", "-m", "preflight", "mcp", "--repo", str(git_repo)],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "preflight: error: preflight mcp (the MCP server for coding agents) needs mcp, which this install "
        "does not have; install the [mcp] extra: pip install 'preflight-risk-gate[mcp]'\n"
    )
    assert done.stdout == ""

    helped = subprocess.run(
        [sys.executable, "-S", "-m", "preflight", "mcp", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert helped.returncode == 0 and "get_function_context" in helped.stdout
