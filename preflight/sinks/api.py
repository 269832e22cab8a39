"""A small GitHub REST client over requests: one API root, one token, retries, pagination.

The token lives only in the session's auth object (whose repr hides it) and is sent
only to the API root: Link-header pages elsewhere are refused, and requests drops the
header on a redirect to another host. Errors name the request and the fix, never the
token.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from preflight import __version__
from preflight.errors import PreflightError
from preflight.report.escaping import terminal
from preflight.sinks.retry import SERVER_ERRORS, GitHubRetry

API_VERSION = "2022-11-28"
TIMEOUT = (10.0, 60.0)
"""(connect, read) seconds per attempt."""


class GitHubError(PreflightError):
    """The GitHub API refused or failed a request; the message says which and what to do."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status GitHub answered; None when there was no answer."""


class PermissionDenied(GitHubError):
    """403 that is no rate limit: the token may not write here (a fork's read-only token)."""


class _Bearer(requests.auth.AuthBase):
    """Authorization: Bearer <token>; as an auth object, ~/.netrc cannot replace it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<token hidden>"


class GitHub:
    """The REST API at `api_url` (https://api.github.com, or https://HOST/api/v3 on Enterprise)."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        graphql_url: str | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        retries: int = 4,
        backoff: float = 1.0,
    ) -> None:
        self.root = api_url.rstrip("/")
        self.graphql = graphql_url or graphql_for(self.root)
        self.session = requests.Session()
        self.session.auth = _Bearer(token)
        self.session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"preflight/{__version__}",
            }
        )
        retry = GitHubRetry(
            total=retries, connect=retries, read=1, backoff_factor=backoff, sleeper=sleeper, clock=clock
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def __repr__(self) -> str:
        return f"GitHub({self.root!r}, token hidden)"

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> requests.Response:
        """One request (retried by the adapter); any answer but 2xx becomes a GitHubError."""
        url = f"{self.root}{path}" if path.startswith("/") else path
        if not url.startswith(self.root + "/") and url != self.graphql:
            raise GitHubError(f"refusing to send the token to {url!r}: it is outside {self.root}")
        try:
            response = self.session.request(method, url, json=payload, timeout=TIMEOUT)
        except requests.RequestException as e:
            raise GitHubError(
                f"{method} {url}: cannot reach the GitHub API ({type(e).__name__}); check GITHUB_API_URL "
                "and the network, then re-run the job"
            ) from None  # the chained error would repeat request details; the token is never in it
        if response.status_code >= 400:
            raise _error(method, url, response)
        return response

    def json(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """call() and the decoded JSON body (None for 204 No Content)."""
        response = self.call(method, path, payload)
        return response.json() if response.content else None

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following the Link header's rel="next"."""
        url: str | None = f"{path}{'&' if '?' in path else '?'}per_page=100"
        while url is not None:
            response = self.call("GET", url)
            items = response.json()
            if not isinstance(items, list):
                raise GitHubError(f"GET {url}: expected a JSON list from GitHub, got {type(items).__name__}")
            yield from (item for item in items if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")


def graphql_for(api_url: str) -> str:
    """The GraphQL endpoint next to a REST root: /graphql, or /api/graphql on Enterprise Server."""
    root = api_url.rstrip("/")
    return f"{root[: -len('/v3')]}/graphql" if root.endswith("/api/v3") else f"{root}/graphql"


def _error(method: str, url: str, response: requests.Response) -> GitHubError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    said = body.get("message") if isinstance(body, dict) else None
    what = f"{method} {url}: GitHub answered {status}" + (f" ({terminal(str(said))[:300]})" if said else "")
    if status == 401:
        return GitHubError(f"{what}: the token was refused; pass a valid token in GITHUB_TOKEN", status)
    if status in (403, 429) and (
        response.headers.get("Retry-After") or response.headers.get("x-ratelimit-remaining") == "0"
    ):
        return GitHubError(f"{what}: rate limited past preflight's wait; re-run the job later", status)
    if status == 403:
        return PermissionDenied(f"{what}: the token may not do this", status)
    if status == 404:
        return GitHubError(
            f"{what}: check GITHUB_REPOSITORY and the pull request number, and that the token can "
            "read the repository",
            status,
        )
    if status in SERVER_ERRORS:
        return GitHubError(f"{what} after retries: GitHub is failing; re-run the job later", status)
    return GitHubError(what, status)
