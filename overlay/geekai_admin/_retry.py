"""When to retry and how long to wait: pure functions, shared by the sync and async loops.

A write that may have reached the server is never retried unless it is idempotent: a create
(POST) sent twice makes two keys, and the first one's secret is lost.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from geekai_admin._exceptions import ConfigurationError

__all__ = ["RETRYABLE_STATUSES", "UNSENT_ERRORS", "RetryPolicy", "parse_retry_after", "retryable_error"]

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: min(initial_delay * 2**n, max_delay) * U(0.75, 1).

    A server's Retry-After (or retry-after-ms) is honoured when present, up to max_retry_after
    seconds; a longer wait is not retried but raised, with the hint on the exception. max_retries
    has no upper bound: no wait is longer than max_delay, however many came before.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ConfigurationError(f"max_retries must be a whole number >= 0, got {self.max_retries!r}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise ConfigurationError(f"{name} must be a finite number of seconds >= 0, got {value!r}")

    def backoff(self, retry_number: int, rand: Callable[[], float] = random.random) -> float:
        """The wait before retry number `retry_number` (0-based) when the server gave no hint."""
        try:
            delay = min(math.ldexp(self.initial_delay, retry_number), self.max_delay)
        except OverflowError:  # initial_delay * 2**retry_number is past any float, so past max_delay
            delay = self.max_delay
        return delay * (0.75 + 0.25 * rand())


def parse_retry_after(headers: httpx.Headers, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait per `retry-after-ms`, or `Retry-After` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - now()
        return max(seconds, 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport errors raised before the request left: the server cannot have acted on it."""


def retryable_error(error: httpx.RequestError, *, idempotent: bool) -> bool:
    """Whether a transport failure may be retried.

    A connect failure (or no free connection) means nothing was sent: safe for any method. Anything later (a reset, a
    timeout while waiting for the answer) may follow a request the server processed: only an
    idempotent request may be sent again.
    """
    if isinstance(error, UNSENT_ERRORS):
        return True
    if not idempotent:
        return False
    return isinstance(error, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)
