"""Regenerate the generated parts of README.md: command help and snapshot schema tables.

Usage: python scripts/readme.py [--check]   (tests/test_readme.py runs the check)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

from preflight.cli import cli
from preflight.runtime.schema import TABLES

README = Path(__file__).resolve().parent.parent / "README.md"


def help_block(name: str) -> str:
    """`preflight [NAME] --help` at a fixed width."""
    args = [name] if name else []
    output = CliRunner().invoke(cli, [*args, "--help"], prog_name="preflight", terminal_width=100).output
    return f"<!-- help:{name} -->\n```text\n{output}```"


def schema_block(table: str) -> str:
    """The columns of one snapshot table as a Markdown table."""
    rows = [f"| `{column}` | {dtype} | {meaning} |" for column, (dtype, meaning) in TABLES[table].items()]
    return (
        f"<!-- schema:{table} -->\n| column | type | meaning |\n|---|---|---|\n"
        + "\n".join(rows)
        + "\n<!-- /schema -->"
    )


def render(text: str) -> str:
    """README text with every generated block brought up to date."""
    text = re.sub(r"<!-- help:(\S*) -->\n```text\n.*?```", lambda m: help_block(m.group(1)), text, flags=re.S)
    return re.sub(
        r"<!-- schema:(\S+) -->\n.*?<!-- /schema -->", lambda m: schema_block(m.group(1)), text, flags=re.S
    )


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        return 0 if fresh == current else 1
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
