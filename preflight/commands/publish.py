"""`preflight publish`: post a pull_request run's JSON report as the sticky PR comment.

The posting half of the fork-safe two-workflow pattern: a `workflow_run` workflow that
downloads the report artifact of the `pull_request` run and posts it, without checking
out or running the pull request's code. That run executed the pull request's code and,
on a fork, the fork's own copy of the workflow, so the artifact is untrusted: whatever
the fork wrote in it must not become text the bot says. So publish never posts the
artifact's text. It reads the JSON report (`check --format json`), validates it against
the shipped schema, rebuilds the check result and renders the comment with the same
escaping `check` uses: names, paths and telemetry strings cannot become mentions, links,
images or HTML, and the verdict and score shown are the document's fields. It posts only
for the commit the triggering run checked (`workflow_run.head_sha`, set by GitHub), on a
pull request whose head is still that commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from preflight.errors import InputError
from preflight.event import TriggeringRun
from preflight.models import CheckResult
from preflight.report import escaping, from_json
from preflight.report.markdown import MARKER, render_check
from preflight.sinks import comments
from preflight.sinks.api import GitHubError, PermissionDenied
from preflight.sinks.github import ActionsEnvironment

HOW = "pass the report.json that `preflight check --format json --output FILE` wrote (the action's report-format: json)"


def run(
    report: Path,
    pull_request: int | None,
    environ: Mapping[str, str],
    err: TextIO,
    sleeper: Callable[[float], None] = time.sleep,
) -> int:
    """Create or update the comment; 0 when posted or deliberately skipped."""
    result = read_report(report)
    context = ActionsEnvironment.from_environ(environ)
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
    triggering = context.event.workflow_run
    head = result.changes.revisions.head_sha
    if triggering is not None:
        _check_artifact(report, head, number, triggering)
    body = render_check(result) + provenance(triggering)
    try:
        with context.client(sleeper) as api:
            pull = api.json("GET", f"/repos/{context.repository}/pulls/{number}")
            pull_head = pull.get("head") if isinstance(pull, dict) else None
            sha = pull_head.get("sha") if isinstance(pull_head, dict) else None
            if sha != head:
                err.write(
                    f"preflight: not posted: pull request #{number}'s head is {escaping.terminal(str(sha))[:12]}, "
                    f"but the report was made for {head[:12]} (the pull request moved on, or the "
                    "artifact names another pull request)\n"
                )
                return 0
            posted = comments.upsert(api, context.repository, number, body, comments.viewer(api))
    except PermissionDenied as e:
        raise GitHubError(
            f"{e}; give the posting workflow `permissions: pull-requests: write`", e.status
        ) from None
    err.write(f"preflight: {posted.action} the pull request comment {posted.url}\n")
    return 0


def read_report(report: Path) -> CheckResult:
    """The check result in the artifact's JSON report, schema-checked; InputError says what is wrong."""
    try:
        with report.open("rb") as handle:
            data = handle.read(from_json.MAX_BYTES + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--report {report}: cannot read it ({e}); {HOW}") from e
    if any(line.strip() == MARKER for line in text.splitlines()[:3]):
        raise InputError(
            f"--report {report}: a Markdown report; publish never posts an artifact's text, it renders "
            f"the comment again from the JSON report: {HOW}"
        )
    try:
        return from_json.loads(text, f"--report {report}")
    except ValueError as e:
        raise InputError(f"{escaping.terminal(str(e))}; {HOW}") from e


def _check_artifact(report: Path, head: str, number: int, triggering: TriggeringRun) -> None:
    """The artifact must be the triggering run's report, about the pull request it names."""
    if head != triggering.head_sha:
        raise InputError(
            f"--report {report}: made for commit {head[:12]}, but the triggering run checked "
            f"{triggering.head_sha[:12]}: it is not that run's report; upload the report.json of "
            "the same run (actions/download-artifact with run-id: github.event.workflow_run.id)"
        )
    if triggering.pull_requests and number not in triggering.pull_requests:
        shown = ", ".join(f"#{n}" for n in triggering.pull_requests)
        raise InputError(
            f"--pull-request {number}: the triggering run belongs to pull request {shown}; pass the "
            "number the pull_request workflow saved"
        )


def provenance(triggering: TriggeringRun | None) -> str:
    """A closing line for a fork's report: its run executed the fork's workflow, so its numbers are
    the fork's word; a reviewer should know that before trusting the verdict."""
    if triggering is None or triggering.head_repository in (None, triggering.repository):
        return ""
    fork = escaping.markdown(triggering.head_repository or "", 100)
    run = f" {triggering.run_id}" if triggering.run_id is not None else ""
    return (
        f"\n_Rendered by `preflight publish` from the JSON report of workflow run{run}, which the fork "
        f"{fork} ran with the workflow files of its own commit: if the pull request changes "
        ".github/workflows, the numbers above are the fork's, not preflight's._\n"
    )
