"""The retry and idempotency rules, all of them: which call may be sent again, after which failure,
how long to wait, and what a 404 after a retried delete means. No I/O: `Attempts` takes each
outcome and returns a decision, and the sync and async loops in `_http.py` only carry it out.

A write that may have reached the server is never retried unless it is idempotent: a create
(POST) sent twice makes two keys, and the first one's secret is lost.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from geekai_admin._config import SystemKey
from geekai_admin._exceptions import (
    MAY_HAVE_BEEN_CREATED,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    ConfigurationError,
    RateLimitError,
)
from geekai_admin._responses import status_error
from geekai_admin._transport._body import MAX_BODY_BYTES
from geekai_admin._transport._deadline import cut_to

if TYPE_CHECKING:
    from geekai_admin._transport._call import Call

__all__ = [
    "IDEMPOTENT_METHODS",
    "MAYBE_DONE_STATUSES",
    "RETRYABLE_STATUSES",
    "UNSENT_ERRORS",
    "Attempts",
    "Done",
    "RetryPolicy",
    "parse_retry_after",
    "retryable_error",
]

logger = logging.getLogger("geekai_admin")

IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})
"""Calls that may be sent again after they may have reached the server: all but create (POST)."""
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses an idempotent call is retried on."""
MAYBE_DONE_STATUSES = frozenset({500, 502, 504})
"""Failures the server (or the one behind a gateway) may have reported after acting: 429, 503
and 408 say the request was turned away."""


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


_MAYBE_CREATED = f"; the key {MAY_HAVE_BEEN_CREATED}: look for it in the key list before creating it again"
"""Ends the message of a create that failed after it may have reached the server."""

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


class Attempts:
    """The retry state of one call: each outcome in, a decision out (a delay, or a final answer).

    With a `deadline` (seconds, for the whole call), no wait outlasts it, each attempt's timeouts
    are cut to what is left (`timeout_for`), and a failure once it has passed is the deadline's
    APITimeoutError. `clock` is the monotonic clock the deadline is read on.
    """

    __slots__ = ("_clock", "call", "deadline", "ends_at", "idempotent", "key", "maybe_done", "number", "policy")

    def __init__(
        self,
        call: Call[Any],
        key: SystemKey,
        policy: RetryPolicy,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.call = call
        self.key = key
        self.policy = policy
        self.idempotent = call.method in IDEMPOTENT_METHODS
        self.number = 0
        self.maybe_done = False
        """Whether an earlier attempt may have been carried out although it failed."""
        self.deadline = deadline
        self._clock = clock
        self.ends_at = None if deadline is None else clock() + deadline
        """When the call's deadline passes, on `clock`; None without a deadline."""

    def _left(self) -> float:
        return math.inf if self.ends_at is None else self.ends_at - self._clock()

    def timeout_for(self, timeout: httpx.Timeout) -> httpx.Timeout | None:
        """The next attempt's timeouts: `timeout`'s, none longer than what is left of the deadline
        (None: `timeout` as it is). Raises the deadline's error once nothing is left."""
        if self.ends_at is None:
            return None
        left = self._left()
        if left <= 0:
            raise self._past_deadline(sent=self.maybe_done, request=None)
        parts = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        connect, read, write, pool = (cut_to(left, part) for part in parts)
        return httpx.Timeout(connect=connect, read=read, write=write, pool=pool)

    def _past_deadline(self, *, sent: bool, request: httpx.Request | None) -> APITimeoutError:
        call = self.call
        message = (
            f"{call.method} {call.path} did not finish within its deadline of {self.deadline:g}s "
            f"({self.number + 1} attempt(s))"
        )
        if sent and not self.idempotent:
            message += _MAYBE_CREATED
        return APITimeoutError(message, request=request)

    def _retry_delay(self, hint: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None if no retry is left or allowed."""
        policy = self.policy
        if self.number >= policy.max_retries:
            return None
        if hint is not None:
            if hint > policy.max_retry_after:
                return None
            delay = hint
        else:
            delay = policy.backoff(self.number)
        # A wait the deadline would cut short is not begun: the failure in hand is the answer.
        return delay if delay < self._left() else None

    def after_error(self, error: httpx.RequestError) -> float:
        """The delay before retrying after a transport error; raises the mapped error if final."""
        call = self.call
        if self._left() <= 0:
            sent = self.maybe_done or not isinstance(error, UNSENT_ERRORS)
            raise self._past_deadline(sent=sent, request=error.request) from None
        delay = self._retry_delay(None) if retryable_error(error, idempotent=self.idempotent) else None
        if delay is None:
            kind = type(error).__name__
            text = self.key.redact(str(error))
            message = f"{call.method} {call.path} failed after {self.number + 1} attempt(s): {text or kind}"
            if not self.idempotent and not retryable_error(error, idempotent=False):
                message += _MAYBE_CREATED
            # The httpx error stays the cause for debugging, unless its own text carries the key.
            cause = None if text != str(error) else error
            cls = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
            raise cls(message, request=error.request) from cause
        if not isinstance(error, UNSENT_ERRORS):
            self.maybe_done = True
        self._log_retry(type(error).__name__, delay)
        return delay

    def after_response(self, response: httpx.Response, *, too_large: bool) -> float | Done:
        """The delay before a retry, or Done with the call's result; raises the mapped error."""
        call = self.call
        status = response.status_code
        if too_large:
            raise APIResponseValidationError(
                f"{call.method} {call.path}: response body larger than {MAX_BODY_BYTES} bytes", response=response
            )
        if 200 <= status < 300:
            try:
                return Done(call.parse(response, ""))
            except APIResponseValidationError as exc:
                unfit = exc
            raise self._scrubbed(unfit)  # outside the except block: the unscrubbed one is not its context
        if status == 404 and call.method == "DELETE" and self.maybe_done:
            # The key is gone because an earlier attempt, whose answer was lost, deleted it.
            logger.debug("%s: 404 on attempt %d: an earlier attempt already did it", call.name, self.number + 1)
            return Done(None)
        error = status_error(response, self.key)
        hint = parse_retry_after(response.headers)
        if isinstance(error, RateLimitError):
            error.retry_after = hint
        if status in RETRYABLE_STATUSES and self.idempotent:
            # A create is not retried on any status, 429 and 503 included: the request reached the
            # server, and only the server knows whether it made a key before answering.
            delay = self._retry_delay(hint)
            if delay is not None:
                self.maybe_done = self.maybe_done or status in MAYBE_DONE_STATUSES
                self._log_retry(f"HTTP {status}", delay)
                return delay
        raise error

    def _scrubbed(self, error: APIResponseValidationError) -> APIResponseValidationError:
        """The error, or a copy whose message no longer quotes the system key (a field value may)."""
        text = self.key.redact(error.message)
        return error if text == error.message else APIResponseValidationError(text, response=error.response)

    def _log_retry(self, reason: str, delay: float) -> None:
        self.number += 1
        call = self.call
        logger.debug(
            "%s: %s %s: %s; retry %d of %d in %.2fs",
            call.name,
            call.method,
            call.path,
            reason,
            self.number,
            self.policy.max_retries,
            delay,
        )


class Done:
    """The final answer of a call, as opposed to a delay before the next attempt."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value
