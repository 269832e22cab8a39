"""urllib3's Retry taught GitHub's rate limits, with an injectable sleep.

urllib3 already retries 5xx with exponential backoff and honours Retry-After; GitHub
adds two things it cannot know: a 403 is either a rate limit (Retry-After, or
`x-ratelimit-remaining: 0` with the reset time in `x-ratelimit-reset`) or a permission
error that must be answered at once (a fork's read-only token), and a primary rate
limit names the epoch second it resets instead of a delay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

SERVER_ERRORS = frozenset({500, 502, 503, 504})
RATE_LIMITED = frozenset({403, 429})
MAX_WAIT = 300.0
"""Seconds preflight waits for a rate limit to reset; a later reset is reported instead."""


class GitHubRetry(Retry):
    """Retry 5xx and rate limits (never a permission 403), sleeping through `sleeper`."""

    def __init__(
        self,
        *,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_wait: float = MAX_WAIT,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status_forcelist", SERVER_ERRORS | RATE_LIMITED)
        # POST and PATCH too: a comment created twice by a retried POST is removed by the re-list.
        kwargs.setdefault("allowed_methods", None)
        kwargs.setdefault("raise_on_status", False)  # the caller turns the last answer into an error
        super().__init__(**kwargs)
        self.sleeper = sleeper
        self.clock = clock
        self.max_wait = max_wait

    def new(self, **kw: Any) -> GitHubRetry:
        """A copy with updated counters, keeping the sleeper and clock (urllib3 copies on every retry)."""
        retry = super().new(**kw)
        retry.sleeper, retry.clock, retry.max_wait = self.sleeper, self.clock, self.max_wait
        return retry

    def rate_limit_wait(self, response: BaseHTTPResponse) -> float | None:
        """Seconds GitHub asks to wait before the next request; None when the answer is no rate limit."""
        if response.status not in RATE_LIMITED:
            return None
        headers = response.headers
        retry_after = headers.get("Retry-After")
        if retry_after:
            try:
                return self.parse_retry_after(retry_after)
            except InvalidHeader:
                return self.backoff()
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(0.0, float(headers.get("x-ratelimit-reset", "")) - self.clock()) + 1.0
            except ValueError:
                return 60.0  # GitHub's documented advice when the reset time is unknown
        return self.backoff() if response.status == 429 else None

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> GitHubRetry:
        """Count a retry; a permission 403, or a limit resetting after max_wait, is answered at once."""
        if response is not None and response.status in RATE_LIMITED:
            wait = self.rate_limit_wait(response)
            if wait is None or wait > self.max_wait:
                # MaxRetryError with raise_on_status=False makes urllib3 return this response as is.
                raise MaxRetryError(_pool, url, ResponseError(f"{response.status} is not retried"))  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        """Wait as the rate limit says, else backoff_factor * 2**(n-1) after the n-th failure."""
        wait = self.rate_limit_wait(response) if response is not None else None
        wait = self.backoff() if wait is None else wait
        if wait > 0:
            self.sleeper(wait)

    def backoff(self) -> float:
        """Exponential backoff from the first retry on (urllib3's own skips the first wait)."""
        return float(min(self.backoff_max, self.backoff_factor * 2 ** max(0, len(self.history) - 1)))
