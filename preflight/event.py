"""The GitHub Actions event (the JSON file at GITHUB_EVENT_PATH), read and parsed once per run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import InputError


@dataclass(frozen=True, slots=True)
class TriggeringRun:
    """What GitHub says about the workflow_run that made an artifact: trusted, GitHub sets it."""

    head_sha: str
    """The commit that run checked."""
    pull_requests: tuple[int, ...]
    """The pull requests GitHub associates with the run (empty for pull requests from forks)."""
    head_repository: str | None
    """owner/name the run's commit came from: a fork's name when it is a fork."""
    repository: str | None
    """owner/name of the repository the run belongs to."""
    run_id: int | None


@dataclass(frozen=True, slots=True)
class Event:
    """The fields of the event payload preflight reads; every one None (or empty) outside Actions."""

    path: str | None = None
    """GITHUB_EVENT_PATH, as messages name it."""
    pull_request: bool = False
    """The payload describes a pull request (it has a pull_request object)."""
    number: int | None = None
    """pull_request.number."""
    base_sha: str | None = None
    """pull_request.base.sha, when it is a string."""
    head_sha: str | None = None
    """pull_request.head.sha, when it is a string."""
    labels: tuple[str, ...] = ()
    """The pull request's label names."""
    before: str | None = None
    """A push event's previous commit (`before`), when it is a string."""
    workflow_run: TriggeringRun | None = None
    """The workflow_run that triggered this job (workflow_run events)."""


def read(environ: Mapping[str, str]) -> Event:
    """The event of the running job; an empty Event outside Actions. InputError when unreadable."""
    path = environ.get("GITHUB_EVENT_PATH")
    return parse(load(path), path)


def load(path: str | None) -> dict[str, object]:
    """The event payload as JSON, {} without a path or when it is not an object."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"GITHUB_EVENT_PATH={path}: cannot read it ({e.strerror})") from e
    except ValueError as e:
        raise InputError(f"GITHUB_EVENT_PATH={path}: not valid JSON ({e})") from e
    return data if isinstance(data, dict) else {}


def parse(payload: Mapping[str, object], path: str | None = None) -> Event:
    """The Event of a payload: fields of the wrong type are absent."""
    pull = payload.get("pull_request")
    if not isinstance(pull, dict):
        pull = None
    number = pull.get("number") if pull is not None else None
    labels = pull.get("labels") if pull is not None else None
    before = payload.get("before")
    return Event(
        path=path,
        pull_request=pull is not None,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        base_sha=_sha(pull, "base"),
        head_sha=_sha(pull, "head"),
        labels=tuple(
            label["name"]
            for label in (labels if isinstance(labels, list) else [])
            if isinstance(label, dict) and isinstance(label.get("name"), str)
        ),
        before=before if isinstance(before, str) else None,
        workflow_run=_triggering(payload.get("workflow_run")),
    )


def _sha(pull: dict[str, object] | None, end: str) -> str | None:
    found = pull.get(end) if pull is not None else None
    sha = found.get("sha") if isinstance(found, dict) else None
    return sha if isinstance(sha, str) else None


def _triggering(found: object) -> TriggeringRun | None:
    if not isinstance(found, dict):
        return None
    sha = found.get("head_sha")
    if not isinstance(sha, str) or not sha:
        return None
    pulls = found.get("pull_requests")
    numbers = tuple(
        p["number"]
        for p in (pulls if isinstance(pulls, list) else [])
        if isinstance(p, dict) and isinstance(p.get("number"), int)
    )
    run_id = found.get("id")
    return TriggeringRun(
        head_sha=sha,
        pull_requests=numbers,
        head_repository=_full_name(found.get("head_repository")),
        repository=_full_name(found.get("repository")),
        run_id=run_id if isinstance(run_id, int) and not isinstance(run_id, bool) else None,
    )


def _full_name(repository: object) -> str | None:
    name = repository.get("full_name") if isinstance(repository, dict) else None
    return name if isinstance(name, str) else None
