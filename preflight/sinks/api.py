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
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from preflight import __version__
from preflight.errors import PreflightError
from preflight.report.escaping import terminal
from preflight.sinks.retry import SERVER_ERRORS, GitHubRetry

API_VERSION = "2022-11-28"
TIMEOUT = (10.0, 60.0)
"""(connect, read) seconds per attempt."""
MAX_PAGES = 300
"""Pages of one listing followed at most (30,000 items): a Link header that never ends is refused."""
REDACTED = "***"


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

    def redact(self, text: str) -> str:
        """text without the token (as sent, or URL-quoted): an error body may echo the request."""
        for secret in {self._token, quote(self._token, safe="")}:
            if secret:
                text = text.replace(secret, REDACTED)
        return text

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
        self._auth = _Bearer(token)
        self.session.auth = self._auth
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
            error = _error(method, url, response)
            raise type(error)(self._auth.redact(str(error)), error.status)
        return response

    def url(self, path: str) -> str:
        """The full URL of an API path (what error messages name)."""
        return f"{self.root}{path}" if path.startswith("/") else path

    def json(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """call() and the decoded JSON body (None for 204 No Content)."""
        return self._decode(method, self.call(method, path, payload))

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following the Link header's rel="next".

        A next link to a page already read, or more than MAX_PAGES pages, is an error: a broken
        proxy or API answering so would otherwise keep the job paging until it times out."""
        start = f"{path}{'&' if '?' in path else '?'}per_page=100"
        first = self.url(start)
        url: str | None = start
        seen: set[str] = set()
        while url is not None:
            full = self.url(url)
            if full in seen:
                raise GitHubError(
                    f"GET {first}: GitHub's Link header repeats a page ({full}); check GITHUB_API_URL "
                    "and any proxy in front of the API, then re-run the job"
                )
            if len(seen) >= MAX_PAGES:
                raise GitHubError(
                    f"GET {first}: more than {MAX_PAGES} pages; check GITHUB_API_URL and any proxy in "
                    "front of the API (the Link header never ends), then re-run the job"
                )
            seen.add(full)
            response = self.call("GET", url)
            items = self._decode("GET", response)
            if not isinstance(items, list):
                raise GitHubError(f"GET {full}: expected a JSON list from GitHub, got {type(items).__name__}")
            yield from (item for item in items if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")

    def _decode(self, method: str, response: requests.Response) -> Any:
        """The JSON body, None when empty; an HTML login page or proxy error is a GitHubError."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise GitHubError(
                f"{method} {response.url}: GitHub answered {response.status_code} with {terminal(kind)[:60]}, "
                "not JSON (a proxy, captive portal or wrong GITHUB_API_URL?); set GITHUB_API_URL to the "
                "REST API root (https://api.github.com, or https://HOST/api/v3)",
                response.status_code,
            ) from None


def answer_id(answer: Any, method: str, url: str, what: str) -> int:
    """The `id` of a created or updated object; GitHubError naming the endpoint when there is none."""
    found = answer.get("id") if isinstance(answer, dict) else None
    if isinstance(found, int) and not isinstance(found, bool):
        return found
    raise GitHubError(
        f"{method} {url}: GitHub's answer has no {what} id; check GITHUB_API_URL and any proxy in front "
        "of the API, then re-run the job"
    )


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
    if status == 422:
        return GitHubError(f"{what}: {_refused(body)}", status)
    return GitHubError(what, status)


_FIXES = {
    "head_sha": "push the head commit to GitHub first (a check run needs a commit GitHub has)",
    "body": "the report is over GitHub's size limit; read the full report in the job summary",
    "annotations": "GitHub takes at most 50 annotations per request (a preflight bug: please report it)",
}


def _refused(body: object) -> str:
    """What a 422 (Validation Failed) refused, field by field, and how to fix it."""
    errors = body.get("errors") if isinstance(body, dict) else None
    details, fixes = [], []
    for error in errors if isinstance(errors, list) else ():
        if isinstance(error, dict):
            field = str(error.get("field") or error.get("resource") or "request")
            said = error.get("message") or error.get("code") or "invalid"
            details.append(f"{field}: {said}")
            if field in _FIXES and _FIXES[field] not in fixes:
                fixes.append(_FIXES[field])
        elif isinstance(error, str):
            details.append(error)
    refused = terminal("; ".join(details))[:300] if details else "no details given"
    fix = "; ".join(fixes) or (
        "check GITHUB_REPOSITORY, the pull request number and the head commit, and that they belong "
        "together; if they do, please report it"
    )
    return f"GitHub refused the request's content ({refused}): {fix}"
