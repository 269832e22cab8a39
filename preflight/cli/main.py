"""The entry point: run a command and map every outcome to an exit code."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence

import click

from preflight.cli import history, review, runtime  # noqa: F401  (their commands join the group)
from preflight.cli.group import cli
from preflight.crash import report as _crash
from preflight.errors import PreflightError
from preflight.report import escaping


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a command and map every outcome to an exit code."""
    verbose = "-v" in (argv or sys.argv[1:]) or "--verbose" in (argv or sys.argv[1:])
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="preflight", standalone_mode=False
        )
    except PreflightError as e:
        # Messages quote paths, refs and values: one line each, or a path holding
        # "\n::error::" would be a workflow command in a CI log.
        click.echo(f"preflight: error: {escaping.terminal(str(e))}", err=True)
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:  # usage errors included
        _show(e)
        return 2
    except (KeyboardInterrupt, click.Abort):
        click.echo("preflight: interrupted", err=True)
        return 130
    except Exception:
        return _crash(verbose)
    return result if isinstance(result, int) else 0


def _show(error: click.ClickException) -> None:
    """click's own error display (usage, hint, message), the message's control characters made visible."""
    buffer = io.StringIO()
    error.show(file=buffer)
    message = error.format_message()
    before, found, after = buffer.getvalue().rpartition(message)
    shown = before + escaping.terminal(message) + after if found else escaping.lines(buffer.getvalue())
    click.echo(shown, err=True, nl=False)
