"""The pure parts of the retry policy."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from geekai_admin import MAY_HAVE_BEEN_CREATED, APITimeoutError, InternalServerError, RetryPolicy
from geekai_admin import _calls as ops
from geekai_admin._config import SystemKey
from geekai_admin._transport._retry import Attempts, parse_retry_after, retryable_error

NOW = 1_800_000_000.0
REQUEST = httpx.Request("POST", "https://geekai.co/api/api_keys")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "5"}, 5.0),
        ({"Retry-After": " 1.5 "}, 1.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-3"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "x", "Retry-After": "2"}, 2.0),
        ({"retry-after-ms": "-1", "Retry-After": "2"}, 2.0),
        ({"Retry-After": email.utils.formatdate(NOW + 12, usegmt=True)}, 12.0),
        ({"Retry-After": email.utils.formatdate(NOW - 60, usegmt=True)}, 0.0),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers), now=lambda: NOW) == expected


def test_backoff_is_capped_and_jittered_downwards_only() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0)
    assert [policy.backoff(n, rand=lambda: 1.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.backoff(0, rand=lambda: 0.0) == 0.375


@pytest.mark.parametrize("retry_number", [1024, 1100, 10**6])
def test_backoff_stays_capped_however_many_retries_came_before(retry_number: int) -> None:
    # 2**n is past any float from n = 1024 on.
    assert RetryPolicy().backoff(retry_number, rand=lambda: 1.0) == 8.0
    assert RetryPolicy().backoff(retry_number, rand=lambda: 0.0) == 6.0
    assert RetryPolicy(initial_delay=0.0, max_delay=8.0).backoff(retry_number) == 0.0


def test_max_retries_has_no_upper_bound() -> None:
    # Each wait is at most max_delay: a large count rides out a long outage, it is not a mistake.
    policy = RetryPolicy(max_retries=10**6)
    assert policy.backoff(policy.max_retries - 1, rand=lambda: 1.0) == policy.max_delay


@pytest.mark.parametrize(
    ("error", "idempotent", "retry"),
    [
        (httpx.ConnectError("x", request=REQUEST), False, True),
        (httpx.ConnectTimeout("x", request=REQUEST), False, True),
        (httpx.PoolTimeout("x", request=REQUEST), False, True),
        (httpx.ReadTimeout("x", request=REQUEST), False, False),
        (httpx.WriteError("x", request=REQUEST), False, False),
        (httpx.ReadTimeout("x", request=REQUEST), True, True),
        (httpx.ReadError("x", request=REQUEST), True, True),
        (httpx.RemoteProtocolError("x", request=REQUEST), True, True),
        (httpx.UnsupportedProtocol("x", request=REQUEST), True, False),
        (httpx.LocalProtocolError("x", request=REQUEST), True, False),
    ],
)
def test_which_transport_errors_are_retried(error: httpx.RequestError, idempotent: bool, retry: bool) -> None:
    assert retryable_error(error, idempotent=idempotent) is retry


# --- the deadline, on a clock the test turns -------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _attempts(method: str, clock: Clock, deadline: float | None = 10.0, **policy: float) -> Attempts:
    call = ops.list_keys() if method == "GET" else ops.create(name="ci")
    return Attempts(call, SystemKey("sk-test"), RetryPolicy(**policy), deadline, clock)  # type: ignore[arg-type]


def test_each_attempt_gets_no_more_time_than_is_left() -> None:
    clock = Clock()
    attempts = _attempts("GET", clock)
    assert attempts.timeout_for(httpx.Timeout(60.0, connect=5.0)) == httpx.Timeout(
        connect=5.0, read=10.0, write=10.0, pool=10.0
    )
    clock.now += 8.5
    assert attempts.timeout_for(httpx.Timeout(60.0, connect=5.0)) == httpx.Timeout(1.5)
    clock.now += 1.5
    with pytest.raises(APITimeoutError, match=r"^GET /api_keys did not finish within its deadline of 10s"):
        attempts.timeout_for(httpx.Timeout(60.0))


def test_without_a_deadline_the_timeouts_are_the_clients() -> None:
    assert _attempts("GET", Clock(), deadline=None).timeout_for(httpx.Timeout(60.0)) is None


def test_a_wait_the_deadline_would_cut_short_is_not_begun() -> None:
    clock = Clock()
    attempts = _attempts("GET", clock, max_retries=5, initial_delay=4.0, max_delay=4.0)
    failure = httpx.Response(503, request=httpx.Request("GET", "https://geekai.co/api/api_keys"))
    assert 3.0 <= attempts.after_response(failure, too_large=False) <= 4.0  # type: ignore[operator]
    clock.now += 7.0  # 3 s left: less than the next wait
    with pytest.raises(InternalServerError):
        attempts.after_response(failure, too_large=False)


def test_a_create_cut_by_its_deadline_may_have_made_the_key() -> None:
    clock = Clock()
    attempts = _attempts("POST", clock)
    clock.now += 10.0
    with pytest.raises(APITimeoutError) as caught:
        attempts.after_error(httpx.ReadTimeout("slow", request=REQUEST))
    assert str(caught.value) == (
        "POST /api_keys did not finish within its deadline of 10s (1 attempt(s)); "
        f"the key {MAY_HAVE_BEEN_CREATED}: look for it in the key list before creating it again"
    )
    unsent = _attempts("POST", clock)
    clock.now += 10.0
    with pytest.raises(APITimeoutError) as never_sent:  # never connected: nothing to check
        unsent.after_error(httpx.ConnectTimeout("no", request=REQUEST))
    assert str(never_sent.value) == "POST /api_keys did not finish within its deadline of 10s (1 attempt(s))"
