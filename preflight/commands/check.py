"""`preflight check`: the whole pipeline; the exit code is the gate."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from preflight import event, pipeline
from preflight.commands import Target
from preflight.errors import InputError
from preflight.files import write_atomic
from preflight.models import CheckResult
from preflight.report.formats import RENDERERS, render
from preflight.repository import Repository
from preflight.sinks import Outcome

FORMATS = tuple(RENDERERS)


@dataclass(frozen=True, slots=True)
class GitHubRun:
    """--github: what to publish besides annotations, the step summary and outputs."""

    comment: bool = True
    """The sticky pull-request comment (--comment/--no-comment)."""
    check_run: bool = False
    """A check run with annotations (--check-run)."""


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """Everything `preflight check` (and the hook, and the demo) is asked to do."""

    target: Target
    fmt: str = "markdown"
    """One of FORMATS."""
    output: Path | None = None
    """--output; None: standard output."""
    color: bool = False
    """Terminal colors in text and compact output."""
    stages: pipeline.Options = field(default_factory=pipeline.Options)
    github: GitHubRun | None = None
    """--github: publish to GitHub Actions; None: the report alone."""


@dataclass(frozen=True, slots=True)
class Checked:
    """A finished check: what it decided and its exit code."""

    results: tuple[CheckResult, ...]
    """One result per revision range."""
    exit_code: int
    """0 pass, 1 a range failed the gate."""


def run(
    options: CheckOptions,
    out: TextIO,
    environ: Mapping[str, str],
    err: TextIO | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Check every range and write the report; exit 1 if any range fails the gate."""
    return check(options, out, environ, err, now).exit_code


def check(
    options: CheckOptions,
    out: TextIO,
    environ: Mapping[str, str],
    err: TextIO | None = None,
    now: datetime.datetime | None = None,
) -> Checked:
    """Run the pipeline for every range, write the report, then publish to GitHub when asked
    (the GitHub sink says what it did on err, else on out)."""
    sink = None
    if options.github is not None:  # its environment (the event included) is validated before any work
        from preflight.sinks.github import GitHubSink

        sink = GitHubSink(environ, out, err or out, options.github.comment, options.github.check_run)
    calls = options.stages.calls
    if calls is not None and not calls.is_file():
        raise InputError(f"--calls {calls}: no such file; pass a CSV with columns qualname,calls_per_min")
    found = sink.context.event if sink is not None else event.read(environ)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    with Repository(options.target.repo_dir) as repo:
        ranges = options.target.ranges(repo, environ, found)
        stages = pipeline.prepare(repo, ranges, options.stages, environ, found)
        results = tuple(pipeline.check(stages, revisions, now) for revisions in ranges)
    markdown = _markdown(results) if sink is not None or options.fmt == "markdown" else ()
    report = "".join(_report(options, results, markdown))
    if options.output is not None:
        write_atomic(options.output, report)
    else:
        out.write(report)
    code = 0 if all(r.decision.passed for r in results if r.changes.files or options.fmt == "json") else 1
    if sink is not None:  # after the report is written: a sink never changes the gate's exit code
        sink.publish(Outcome(results, code, options.output, markdown))
    return Checked(results, code)


def _markdown(results: tuple[CheckResult, ...]) -> tuple[str, ...]:
    """The Markdown report of every result, rendered once for the report and the sink."""
    return tuple(render(result, "markdown") for result in results)


def _report(options: CheckOptions, results: tuple[CheckResult, ...], markdown: tuple[str, ...]) -> list[str]:
    """The report's part for each range."""
    parts = []
    for number, result in enumerate(results):
        if not result.changes.files and options.fmt != "json":
            parts.append("nothing to check: no files changed\n")
        elif options.fmt == "markdown":
            parts.append(markdown[number])
        else:
            parts.append(render(result, options.fmt, options.color))
    return parts
