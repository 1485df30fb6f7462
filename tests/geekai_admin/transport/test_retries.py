"""Retries: what is retried, how often, how long it waits, and that a create is never doubled."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import httpx
import pytest

from geekai_admin import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
)
from tests.geekai_admin.fakes import SECRET, UUID, Driver, ok, scripted
from tests.support.fake_api import key_record

REQUEST = httpx.Request("GET", "https://geekai.co/api")
OPERATIONS: dict[str, Any] = {
    "balance": (lambda c: c.balance(), ok({"balance": 1})),
    "list": (lambda c: c.keys.list(), ok({"data": []})),
    "get": (lambda c: c.keys.get(UUID), ok({"data": key_record()})),
    "delete": (lambda c: c.keys.delete(UUID), ok({"message": "ok"})),
}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the client waited, without waiting them."""
    waited: list[float] = []

    async def fake_async_sleep(delay: float) -> None:
        waited.append(delay)

    monkeypatch.setattr("geekai_admin._transport._http.time.sleep", waited.append)
    monkeypatch.setattr("asyncio.sleep", fake_async_sleep)  # what the transport awaits (imported when used)
    return waited


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_idempotent_calls_recover_from_transient_statuses(
    drive: Driver, sleeps: list[float], operation: str, status: int
) -> None:
    call, success = OPERATIONS[operation]
    server = scripted(httpx.Response(status), httpx.Response(status), success)
    drive(server, call, retry_policy=RetryPolicy(max_retries=2))
    assert len(server.log) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("x"),
    ],
    ids=type,
)
def test_idempotent_calls_recover_from_transport_errors(drive: Driver, sleeps: list[float], error: Exception) -> None:
    server = scripted(error, ok({"balance": 5}))
    assert drive(server, lambda c: c.balance()).coins == 5
    assert len(server.log) == 2


def test_the_retry_budget_is_max_retries(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.Response(503))
    with pytest.raises(InternalServerError):
        drive(server, lambda c: c.keys.list(), retry_policy=None, max_retries=3)
    assert len(server.log) == 4


def test_max_retries_zero_sends_once(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.Response(503))
    with pytest.raises(InternalServerError):
        drive(server, lambda c: c.keys.list(), retry_policy=None, max_retries=0)
    assert len(server.log) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_not_retried(drive: Driver, sleeps: list[float], status: int) -> None:
    server = scripted(httpx.Response(status))
    with pytest.raises(Exception, match=f"HTTP {status}"):
        drive(server, lambda c: c.keys.get(UUID))
    assert len(server.log) == 1


def test_timeouts_that_persist_raise_a_timeout_error(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError, match=r"^GET /api_keys failed after 3 attempt\(s\): slow"):
        drive(server, lambda c: c.keys.list())
    assert len(server.log) == 3


# --- create: never twice -------------------------------------------------------------------------


CREATED = ok({"data": key_record(raw_value=SECRET)})


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_a_create_that_may_have_been_processed_is_not_retried(drive: Driver, sleeps: list[float], status: int) -> None:
    server = scripted(httpx.Response(status), CREATED)
    with pytest.raises(Exception, match=f"HTTP {status}"):
        drive(server, lambda c: c.keys.create(name="ci"))
    assert server.calls == ["POST /api/api_keys"]


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.WriteTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("closed"), APIConnectionError),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v.__name__,
)
def test_a_create_whose_answer_was_lost_is_not_retried(
    drive: Driver, sleeps: list[float], error: Exception, raised: type[Exception]
) -> None:
    server = scripted(error, CREATED)
    with pytest.raises(
        raised,
        match=r"may have been created, its secret unknown: look for it in the key list before creating it again",
    ):
        drive(server, lambda c: c.keys.create(name="ci"))
    assert len(server.log) == 1


@pytest.mark.parametrize(
    "first",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.PoolTimeout("busy"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_a_create_that_was_never_sent_is_retried(drive: Driver, sleeps: list[float], first: Any) -> None:
    server = scripted(first, CREATED)
    created = drive(server, lambda c: c.keys.create(name="ci"))
    assert created.secret == SECRET
    assert len(server.log) == 2


# --- delete: gone is done -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "done"),
    [
        (httpx.ReadError("reset"), True),
        (httpx.ReadTimeout("no answer"), True),
        (httpx.RemoteProtocolError("dropped"), True),
        (httpx.Response(502), True),
        (httpx.Response(504), True),
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("no route"), False),
        (httpx.Response(503), False),
        (httpx.Response(429), False),
    ],
    ids=["reset", "read timeout", "dropped", "502", "504", "refused", "connect timeout", "503", "429"],
)
def test_a_retried_delete_that_finds_the_key_gone(drive: Driver, sleeps: list[float], first: Any, done: bool) -> None:
    """Success only when the failed attempt may have deleted it; else the key was never there."""
    server = scripted(first, httpx.Response(404, json={"message": "no such key"}))
    if done:
        assert drive(server, lambda c: c.keys.delete(UUID)) is None
    else:
        with pytest.raises(NotFoundError, match="no such key"):
            drive(server, lambda c: c.keys.delete(UUID))
    assert len(server.log) == 2


# --- waiting ----------------------------------------------------------------------------------


def test_retry_after_seconds_is_honoured(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.Response(429, headers={"Retry-After": "3"}), ok({"data": []}))
    drive(server, lambda c: c.keys.list(), retry_policy=RetryPolicy())
    assert sleeps == [3.0]


def test_retry_after_ms_wins_over_retry_after(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.Response(503, headers={"retry-after-ms": "250", "Retry-After": "9"}), ok({"data": []}))
    drive(server, lambda c: c.keys.list(), retry_policy=RetryPolicy())
    assert sleeps == [0.25]


def test_retry_after_as_an_http_date_is_honoured(drive: Driver, sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server = scripted(httpx.Response(429, headers={"Retry-After": when}), ok({"data": []}))
    drive(server, lambda c: c.keys.list(), retry_policy=RetryPolicy())
    assert 25 < sleeps[0] <= 30


def test_a_hint_longer_than_the_cap_is_raised_not_waited(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.Response(429, headers={"Retry-After": "3600"}), ok({"data": []}))
    with pytest.raises(RateLimitError) as caught:
        drive(server, lambda c: c.keys.list(), retry_policy=RetryPolicy(max_retry_after=60))
    assert caught.value.retry_after == 3600
    assert sleeps == []
    assert len(server.log) == 1


def test_backoff_grows_exponentially_with_jitter(drive: Driver, sleeps: list[float]) -> None:
    server = scripted(httpx.Response(503))
    with pytest.raises(InternalServerError):
        drive(server, lambda c: c.keys.list(), retry_policy=RetryPolicy(max_retries=4, initial_delay=0.5, max_delay=2))
    assert len(sleeps) == 4
    for delay, nominal in zip(sleeps, [0.5, 1.0, 2.0, 2.0], strict=True):
        assert 0.75 * nominal <= delay <= nominal


def test_retries_are_logged_at_debug(drive: Driver, sleeps: list[float], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="geekai_admin")
    drive(scripted(httpx.Response(502), ok({"data": []})), lambda c: c.keys.list())
    retries = [r for r in caplog.records if "retry 1 of 2" in r.getMessage()]
    assert len(retries) == 1
    assert retries[0].levelno == logging.DEBUG
    assert "keys.list: GET /api_keys: HTTP 502" in retries[0].getMessage()


def test_an_invalid_status_is_not_a_crash(drive: Driver, sleeps: list[float]) -> None:
    with pytest.raises(BadRequestError):
        drive(scripted(httpx.Response(431)), lambda c: c.balance())
