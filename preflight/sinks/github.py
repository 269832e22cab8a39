"""`check --github`: annotations, step summary and outputs always; the PR comment and check run
when the token may write.

Everything that needs no token is written first, so a read-only token (pull requests
from forks), a missing token or a failing API never loses the report: the job still
has the annotations, the summary, the outputs and the gate's exit code, and stderr
says what was skipped and why.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from preflight import event as events
from preflight.errors import InputError
from preflight.event import Event
from preflight.sinks import Outcome, checkruns, comments, workflow
from preflight.sinks.api import GitHub, PermissionDenied

DEFAULT_API = "https://api.github.com"
FORKS = (
    "a read-only token, as GitHub gives to pull requests from forks; the report is in the job summary, "
    "the annotations and the exit code. To comment on fork pull requests, use the two-workflow pattern "
    "(docs/github-actions.md#pull-requests-from-forks in preflight's repository)"
)
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class ActionsEnvironment:
    """What GitHub Actions tells a step through its environment."""

    repository: str | None
    """owner/name from GITHUB_REPOSITORY."""
    api_url: str
    """GITHUB_API_URL (https://HOST/api/v3 on GitHub Enterprise Server)."""
    graphql_url: str | None
    token: str | None = field(repr=False)
    """GITHUB_TOKEN (or GH_TOKEN); never printed."""
    pull_request: int | None
    """The pull request's number from the event payload; None on push and other events."""
    head_sha: str | None
    """The commit a check run belongs to: the pull request's head, else GITHUB_SHA."""
    summary: Path | None
    output: Path | None
    event: Event = field(default_factory=Event)
    """The event payload, parsed once for the whole run."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ActionsEnvironment:
        """Read and validate the environment; a malformed value is refused before any work."""
        repository = environ.get("GITHUB_REPOSITORY") or None
        if repository is not None and not _REPOSITORY.fullmatch(repository):
            raise InputError(
                f"GITHUB_REPOSITORY={repository!r}: expected OWNER/NAME, as GitHub Actions sets it"
            )
        api_url = environ.get("GITHUB_API_URL") or DEFAULT_API
        if not api_url.startswith(("https://", "http://")):
            raise InputError(f"GITHUB_API_URL={api_url!r}: expected an http(s) URL such as {DEFAULT_API}")
        token = (environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or "").strip() or None
        if token is not None and (not token.isprintable() or " " in token):
            # requests would quote the header value, token included, in its error message
            raise InputError("GITHUB_TOKEN contains spaces or control characters; pass the token alone")
        event = events.read(environ)
        return cls(
            repository=repository,
            api_url=api_url,
            graphql_url=environ.get("GITHUB_GRAPHQL_URL") or None,
            token=token,
            pull_request=event.number,
            head_sha=event.head_sha if event.head_sha is not None else environ.get("GITHUB_SHA") or None,
            summary=_path(environ.get("GITHUB_STEP_SUMMARY")),
            output=_path(environ.get("GITHUB_OUTPUT")),
            event=event,
        )

    def client(self, sleeper: Callable[[float], None] = time.sleep) -> GitHub:
        """A REST client with this context's API root and token."""
        assert self.token is not None
        return GitHub(self.api_url, self.token, graphql_url=self.graphql_url, sleeper=sleeper)


class GitHubSink:
    """The Sink for GitHub Actions."""

    def __init__(
        self,
        environ: Mapping[str, str],
        out: TextIO,
        err: TextIO,
        comment: bool = True,
        check_run: bool = False,
        sleeper: Callable[[float], None] = time.sleep,
    ) -> None:
        self.context = ActionsEnvironment.from_environ(environ)
        self.out, self.err = out, err
        self.comment, self.check_run, self.sleeper = comment, check_run, sleeper

    def publish(self, outcome: Outcome) -> None:
        """Annotations, summary and outputs; then the comment and check run when possible."""
        reports = list(outcome.markdown)
        found = workflow.annotate(outcome.results)
        lines, dropped = workflow.annotation_commands(found)
        self.out.write("".join(line + "\n" for line in lines))
        if dropped:
            self._say(
                f"{dropped} more changed functions than the runner shows annotations for (see the report)"
            )
        if self.context.summary is not None:
            workflow.append_summary(self.context.summary, reports)
        if self.context.output is not None:
            workflow.write_outputs(
                self.context.output, workflow.outputs(outcome.results, outcome.worst(), outcome.report)
            )
        wanted = [name for name, on in (("comment", self.comment), ("check run", self.check_run)) if on]
        if not wanted or not reports:
            return
        skipped = self._missing()
        if skipped:
            self._say(f"no {' or '.join(wanted)}: {skipped}")
            return
        with self.context.client(self.sleeper) as api:
            if self.comment:
                self._comment(api, "\n---\n\n".join(reports))
            if self.check_run:
                self._check_run(api, outcome, reports, found)

    def _missing(self) -> str | None:
        if self.context.token is None:
            return "no token in GITHUB_TOKEN (the action's github-token input)"
        if self.context.repository is None:
            return "GITHUB_REPOSITORY is not set (run inside GitHub Actions)"
        return None

    def _comment(self, api: GitHub, body: str) -> None:
        number, repository = self.context.pull_request, self.context.repository
        if number is None or repository is None:
            self._say("no comment: the event is not a pull request (the report is in the job summary)")
            return
        try:
            posted = comments.upsert(api, repository, number, body, comments.viewer(api))
        except PermissionDenied as e:
            self._degrade(f"the token cannot comment on pull request #{number} ({e})")
            return
        extra = f", removed {posted.removed} duplicate(s)" if posted.removed else ""
        self._say(f"{posted.action} the pull request comment {posted.url}{extra}")

    def _check_run(
        self, api: GitHub, outcome: Outcome, reports: list[str], found: list[workflow.Annotation]
    ) -> None:
        repository, sha = self.context.repository, self.context.head_sha
        if repository is None or sha is None:
            self._say("no check run: neither the event nor GITHUB_SHA names the head commit")
            return
        try:
            run_id = checkruns.create(api, repository, sha, outcome.results, "\n".join(reports), found)
        except PermissionDenied as e:
            self._degrade(f"the token cannot create check runs ({e})")
            return
        self._say(f"created check run {run_id} with {len(found)} annotation(s)")

    def _degrade(self, what: str) -> None:
        """Say it on stderr and as a notice in the run's summary; the exit code stays the gate's."""
        self._say(f"{what}: {FORKS}")
        self.out.write(
            workflow.command("notice", {"title": "preflight: read-only token"}, f"{what}: {FORKS}") + "\n"
        )

    def _say(self, message: str) -> None:
        self.err.write(f"preflight: {message}\n")


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
