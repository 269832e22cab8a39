"""Golden PR comments from real runs (issue 16 point 4): a static-only check of a real git
repository, and the demo's hot-checkout-path scenario with its recorded snapshot."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from preflight.cli import main
from tests.conftest import commit

UTILS = '''"""Output helpers."""


def echo(message, nl=True):
    return message + ("\\n" if nl else "")


def style(text, fg=None):
    return text if fg is None else f"<{fg}>{text}"
'''
CLI = """import click

from app.utils import echo, style


@click.command()
def main():
    echo(style("hello", fg="red"))


def banner(title):
    return echo(title.upper())
"""
TESTS = """from app.utils import echo


def test_echo():
    assert echo("a") == "a\\n"
"""
HEAD = {
    # a break (nl is now keyword-only and err is required), a compatible edit, a test edit
    "app/utils.py": UTILS.replace(
        "def echo(message, nl=True):", "def echo(message, err, *, nl=True):"
    ).replace(
        "def style(text, fg=None):", "def style(text: str, fg: str | None = None, bold: bool = False) -> str:"
    ),
    "app/cli.py": CLI.replace("return echo(title.upper())", "return echo(title.upper(), False)"),
    "tests/test_utils.py": TESTS.replace('echo("a")', 'echo("a", False)'),
}


def shas(text: str) -> str:
    """The report with its commits named by role: a repository built in a test has new shas each run."""
    text = re.sub(r"Compared [0-9a-f]{12}\.\.[0-9a-f]{12}", "Compared BASE..HEAD", text)
    return re.sub(r"\(base [0-9a-f]{40} ", "(base BASE ", text)


def test_static_comment(
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    golden: Callable[[str, str], None],
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    base = commit(
        git_repo,
        {"app/__init__.py": "", "app/utils.py": UTILS, "app/cli.py": CLI, "tests/test_utils.py": TESTS},
    )
    commit(git_repo, HEAD)
    assert main(["check", "--repo", str(git_repo), "--base", base, "--format", "markdown"]) == 0
    out = shas(capsys.readouterr().out)
    golden("check-static.md", out)
    headline = out.split("\n\n", 1)[0].splitlines()[1:]  # from the `###` line, the marker left out
    assert len(headline) < 5 and headline[0].startswith("### ")


def test_demo_comment_with_a_snapshot(tmp_path: Path, golden: Callable[[str, str], None]) -> None:
    assert main(["demo", "--output-dir", str(tmp_path), "--scenario", "hot-checkout-path"]) == 0
    out = (tmp_path / "reports" / "hot-checkout-path.md").read_text(encoding="utf-8")
    # the demo's repository is built anew in a temporary directory: its shas and path vary
    out = re.sub(r"(Runtime data: )\S+(/shop/snapshot)", r"\1OUTPUT\2", shas(out))
    golden("check-snapshot.md", out)
    assert len(out) <= 15_000
