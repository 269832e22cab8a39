"""The `preflight` command group that every command module adds to."""

from __future__ import annotations

import click

from preflight import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="preflight")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """preflight: a pre-flight risk gate for pull requests."""
    ctx.obj = {"verbose": verbose}
