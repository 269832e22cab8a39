"""sinks/retry: GitHub's rate limits taught to urllib3's Retry, with a recorded sleep."""

from __future__ import annotations

import pytest
from urllib3.exceptions import MaxRetryError
from urllib3.response import HTTPResponse

from preflight.sinks.retry import MAX_WAIT, GitHubRetry

NOW = 1_000_000.0


def retry(slept: list[float] | None = None, **kwargs: float) -> GitHubRetry:
    sink = [] if slept is None else slept
    return GitHubRetry(sleeper=sink.append, clock=lambda: NOW, total=5, **kwargs)


def answer(status: int, **headers: str) -> HTTPResponse:
    return HTTPResponse(body=b"", status=status, headers=headers)


def test_only_rate_limits_ask_for_a_wait() -> None:
    assert retry().rate_limit_wait(answer(502)) is None
    assert retry().rate_limit_wait(answer(200)) is None
    # a 403 without rate-limit headers is a permission error: no wait, answered at once
    assert retry().rate_limit_wait(answer(403)) is None


def test_retry_after_then_the_reset_time() -> None:
    assert retry().rate_limit_wait(answer(403, **{"Retry-After": "7"})) == 7.0
    reset = answer(403, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)})
    assert retry().rate_limit_wait(reset) == 31.0
    passed = answer(429, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 30)})
    assert retry().rate_limit_wait(passed) == 1.0


def test_unreadable_headers_fall_back() -> None:
    unknown_reset = answer(403, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": "soon"})
    assert retry().rate_limit_wait(unknown_reset) == 60.0
    bad_retry_after = answer(429, **{"Retry-After": "not a date"})
    assert retry(backoff_factor=2.0).rate_limit_wait(bad_retry_after) == 2.0
    assert retry(backoff_factor=2.0).rate_limit_wait(answer(429)) == 2.0


def test_backoff_doubles_from_the_first_retry_and_is_capped() -> None:
    first = retry(backoff_factor=1.0)
    assert first.backoff() == 1.0
    second = first.increment("GET", "/x", answer(502))
    third = second.increment("GET", "/x", answer(502))
    assert (second.backoff(), third.backoff()) == (1.0, 2.0)
    capped = retry(backoff_factor=1000.0, backoff_max=5.0)
    assert capped.backoff() == 5.0


def test_new_copies_keep_the_sleeper_clock_and_limit() -> None:
    slept: list[float] = []
    original = retry(slept, max_wait=12.0)
    copy = original.increment("GET", "/x", answer(503))
    assert copy is not original
    assert (copy.sleeper, copy.clock, copy.max_wait) == (original.sleeper, original.clock, 12.0)


def test_sleep_waits_as_the_answer_says_through_the_sleeper() -> None:
    slept: list[float] = []
    retry(slept).sleep(answer(429, **{"Retry-After": "3"}))
    retry(slept, backoff_factor=0.5).sleep(answer(502))
    retry(slept, backoff_factor=0.0).sleep(answer(502))
    assert slept == [3.0, 0.5]


def test_a_permission_403_or_a_late_reset_is_not_retried() -> None:
    with pytest.raises(MaxRetryError, match="403 is not retried"):
        retry().increment("POST", "/x", answer(403))
    late = answer(403, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW + MAX_WAIT) + 60)})
    with pytest.raises(MaxRetryError):
        retry().increment("POST", "/x", late)
    soon = answer(403, **{"Retry-After": "5"})
    assert retry().increment("POST", "/x", soon).total == 4
