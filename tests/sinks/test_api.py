"""The REST client against the fake GitHub: retries with backoff, rate limits, errors, token hygiene."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest

from preflight.sinks.api import GitHub, GitHubError, PermissionDenied, graphql_for
from tests.sinks.conftest import APP_TOKEN, FORK_TOKEN
from tests.sinks.server import Failure, State

COMMENTS = "/repos/o/r/issues/1/comments"


def client(url: str, token: str = APP_TOKEN, now: float = 1_000_000.0) -> tuple[GitHub, list[float]]:
    """A client whose sleeps are recorded instead of slept."""
    slept: list[float] = []
    return GitHub(url, token, sleeper=slept.append, clock=lambda: now), slept


def post(api: GitHub) -> Any:
    return api.json("POST", COMMENTS, {"body": "hello"})


def test_a_502_then_success(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.failures.append(Failure("POST", "/comments$", 502))
    api, slept = client(url)
    assert post(api)["body"] == "hello"
    assert slept == [1.0]
    assert [m for m, _, _ in state.requests] == ["POST", "POST"]


def test_5xx_backs_off_exponentially_then_fails_with_a_fix(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.failures.append(Failure("GET", "/comments$", 503, times=99))
    api, slept = client(url)
    with pytest.raises(
        GitHubError, match=r"GitHub answered 503 \(Server Error\) after retries: .*re-run"
    ) as e:
        list(api.pages(COMMENTS))
    assert slept == [1.0, 2.0, 4.0, 8.0]
    assert e.value.status == 503 and len(state.requests) == 5


def test_primary_rate_limit_waits_until_the_reset(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000030"}
    state.failures.append(Failure("POST", "/comments$", 403, headers, {"message": "API rate limit exceeded"}))
    api, slept = client(url, now=1_000_000.0)
    assert post(api)["body"] == "hello"
    assert slept == [31.0]


def test_secondary_rate_limit_honours_retry_after(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.failures.append(Failure("POST", "/comments$", 429, {"Retry-After": "7"}))
    state.failures.append(Failure("POST", "/comments$", 403, {"Retry-After": "3"}))
    api, slept = client(url)
    assert post(api)["body"] == "hello"
    assert slept == [7.0, 3.0]


def test_a_rate_limit_resetting_too_late_is_reported_not_waited_for(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(1_000_000 + 3600)}
    state.failures.append(Failure("POST", "/comments$", 403, headers, {"message": "API rate limit exceeded"}))
    api, slept = client(url)
    with pytest.raises(GitHubError, match="rate limited past preflight's wait; re-run the job later"):
        post(api)
    assert slept == [] and len(state.requests) == 1


def test_a_forks_read_only_token_is_refused_at_once(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    api, slept = client(url, FORK_TOKEN)
    with pytest.raises(PermissionDenied, match=r"403 \(Resource not accessible by integration\)"):
        post(api)
    assert slept == [] and len(state.requests) == 1


def test_bodies_over_the_limit_are_refused_by_the_server(fake_github: tuple[State, str]) -> None:
    _, url = fake_github
    api, _ = client(url)
    with pytest.raises(GitHubError, match=r"422 \(Validation Failed\)") as e:
        api.json("POST", COMMENTS, {"body": "x" * 65_537})
    assert e.value.status == 422


def test_bad_credentials_say_how_to_fix(fake_github: tuple[State, str]) -> None:
    _, url = fake_github
    api, _ = client(url, "not-a-token")
    with pytest.raises(GitHubError, match=r"401 .*pass a valid token in GITHUB_TOKEN"):
        post(api)


def test_pagination_follows_link_headers(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.page_size = 2
    for i in range(5):
        state.add_comment(1, "someone", f"c{i}")
    api, _ = client(url)
    assert [c["body"] for c in api.pages(COMMENTS)] == ["c0", "c1", "c2", "c3", "c4"]
    assert [path for _, path, _ in state.requests] == [
        f"{COMMENTS}?per_page=100",
        f"{COMMENTS}?per_page=2&page=2",
        f"{COMMENTS}?per_page=2&page=3",
    ]


def test_the_token_is_never_sent_outside_the_api_root(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    evil = '<http://127.0.0.2:9/steal?page=2>; rel="next"'
    state.failures.append(Failure("GET", "/comments$", 200, {"Link": evil}, []))
    api, _ = client(url)
    with pytest.raises(
        GitHubError, match=re.escape("refusing to send the token to 'http://127.0.0.2:9/steal")
    ) as e:
        list(api.pages(COMMENTS))
    assert APP_TOKEN not in str(e.value)


def test_unreachable_api_is_an_error_without_the_token() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api, slept = client(f"http://127.0.0.1:{port}")
    with pytest.raises(GitHubError, match=r"cannot reach the GitHub API .*check GITHUB_API_URL") as e:
        post(api)
    assert len(slept) == 4  # connect errors are retried with backoff too
    assert APP_TOKEN not in str(e.value) and e.value.__cause__ is None and e.value.__suppress_context__


def test_the_token_stays_out_of_reprs_and_errors(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    api, _ = client(url, FORK_TOKEN)
    assert FORK_TOKEN not in repr(api) and FORK_TOKEN not in repr(api.session.auth)
    with pytest.raises(PermissionDenied) as e:
        post(api)
    assert FORK_TOKEN not in str(e.value) and FORK_TOKEN not in repr(e.value)
    assert state.requests[0][2] == f"Bearer {FORK_TOKEN}"  # it was sent, as a header only


def test_graphql_endpoint_of_enterprise_server() -> None:
    assert graphql_for("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_for("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"


def test_unreadable_rate_limit_headers_fall_back_to_waiting(fake_github: tuple[State, str]) -> None:
    state, url = fake_github
    state.failures.append(Failure("POST", "/comments$", 429, {"Retry-After": "soon"}))
    state.failures.append(Failure("POST", "/comments$", 403, {"x-ratelimit-remaining": "0"}))
    api, slept = client(url)
    assert post(api)["body"] == "hello"
    assert slept == [1.0, 60.0]  # backoff for the bad Retry-After; GitHub's advice without a reset time
