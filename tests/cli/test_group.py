"""The `preflight` group: --version, --help, --verbose."""

from __future__ import annotations

from tests.cli.helpers import run_cli


def test_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("preflight, version ")
