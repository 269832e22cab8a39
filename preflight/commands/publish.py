"""`preflight publish`: post an already-rendered Markdown report as the sticky PR comment.

The posting half of the fork-safe two-workflow pattern: a `workflow_run` workflow that
downloads the report artifact of the `pull_request` run and posts it, without checking
out or running the pull request's code. The artifact comes from a run that executed
the pull request's workflow, so it is untrusted: the body must carry preflight's
marker, is cut to GitHub's limit, and on a `workflow_run` event it is posted only if
the pull request's head is the commit that run checked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from preflight.changes.revisions import read_event
from preflight.errors import InputError
from preflight.report.markdown import MARKER
from preflight.sinks import comments
from preflight.sinks.api import GitHubError, PermissionDenied
from preflight.sinks.github import Context


def run(
    report: Path,
    pull_request: int | None,
    environ: Mapping[str, str],
    err: TextIO,
    sleeper: Callable[[float], None] = time.sleep,
) -> int:
    """Create or update the comment; 0 when posted or deliberately skipped."""
    body = _read(report)
    context = Context.from_environ(environ)
    number = pull_request or context.pull_request
    if number is None:
        raise InputError(
            "--pull-request is missing and the event is not a pull request; pass the number the "
            "pull_request workflow saved next to the report"
        )
    if context.token is None or context.repository is None:
        raise InputError(
            "GITHUB_TOKEN and GITHUB_REPOSITORY must be set: run inside GitHub Actions with "
            "`permissions: pull-requests: write`"
        )
    run_head = _workflow_run_head(environ)
    try:
        with context.client(sleeper) as api:
            if run_head is not None:
                pull = api.json("GET", f"/repos/{context.repository}/pulls/{number}")
                head = pull.get("head") if isinstance(pull, dict) else None
                sha = head.get("sha") if isinstance(head, dict) else None
                if sha != run_head:
                    err.write(
                        f"preflight: not posted: pull request #{number}'s head is {str(sha)[:12]}, but the "
                        f"report was made for {run_head[:12]} (the pull request moved on, or the artifact "
                        "names another pull request)\n"
                    )
                    return 0
            posted = comments.upsert(api, context.repository, number, body, comments.viewer(api))
    except PermissionDenied as e:
        raise GitHubError(
            f"{e}; give the posting workflow `permissions: pull-requests: write`", e.status
        ) from None
    err.write(f"preflight: {posted.action} the pull request comment {posted.url}\n")
    return 0


def _read(report: Path) -> str:
    try:
        body = report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"--report {report}: cannot read it ({e}); pass the report.md the check wrote"
        ) from e
    if not any(line.strip() == MARKER for line in body.splitlines()):
        raise InputError(
            f"--report {report}: not a preflight Markdown report (no {MARKER} line); pass the file "
            "`preflight check --format markdown --output FILE` wrote"
        )
    return body


def _workflow_run_head(environ: Mapping[str, str]) -> str | None:
    """The commit the triggering run checked (workflow_run events), trusted: GitHub sets it."""
    run = read_event(environ.get("GITHUB_EVENT_PATH")).get("workflow_run")
    sha = run.get("head_sha") if isinstance(run, dict) else None
    return sha if isinstance(sha, str) and sha else None
