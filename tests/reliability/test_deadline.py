"""The deadline: one call, its retries and the waits between them, bounded in all, over real sockets.

A per-read timeout cannot stop a server that sends one byte every so often (each read is quick)
nor a 503 storm with Retry-After: 0 (each attempt is quick): the deadline does. Each case records
whether the call ended by its deadline (plus a margin for a loaded machine) in the figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from geekai_admin import (
    MAY_HAVE_BEEN_CREATED,
    APITimeoutError,
    AsyncGeekAIAdmin,
    ConfigurationError,
    GeekAIAdmin,
    InternalServerError,
    RetryPolicy,
    aiohttp_transport,
    surely_not_created,
)
from tests.reliability.figures import FIGURES
from tests.support.fake_api import SYSTEM_KEY, LoopbackServer, Reply, status, unaccepted_port

DEADLINE = 1.0
MARGIN = 1.5
"""How late past its deadline a call may end here: one loaded scheduler's worth, not a read timeout."""
GENEROUS = httpx.Timeout(10.0)
"""Per-step timeouts far above the deadline: only the deadline can end these calls in time."""


def _timed(mode: str, base_url: str, operation: Callable[[Any], Any], **settings: Any) -> tuple[float, BaseException]:
    """Run `operation` through the sync or async client; (seconds taken, the exception it raised)."""
    settings = {"deadline": DEADLINE, "timeout": GENEROUS, **settings}
    deadline = settings["deadline"]
    started = time.monotonic()
    try:
        if mode == "sync":
            with GeekAIAdmin(SYSTEM_KEY, base_url=base_url, **settings) as client:
                operation(client)
        else:
            if mode == "aiohttp":
                settings["transport"] = aiohttp_transport()

            async def run() -> None:
                async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url, **settings) as client:
                    await operation(client)

            asyncio.run(run())
    except Exception as error:  # returned for the test to judge
        elapsed = time.monotonic() - started
        FIGURES.deadline_calls += 1
        FIGURES.deadline_overruns += elapsed > deadline + MARGIN
        return elapsed, error
    pytest.fail("the call finished: the fault did not hold it past its deadline")


MODES = ["sync", "async", "aiohttp"]


@pytest.mark.parametrize("mode", MODES)
def test_a_trickling_answer_cannot_outlast_the_deadline(mode: str, fault_server: LoopbackServer) -> None:
    # About 40 bytes at 0.3 s each: 12 s, every read well inside the 10 s read timeout.
    fault_server.fake.inject(Reply("trickle", delay=0.3), method="GET")
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.balance())
    assert isinstance(error, APITimeoutError)
    assert str(error).startswith("GET /credit/balance did not finish within its deadline of 1s")
    assert elapsed < DEADLINE + MARGIN


@pytest.mark.parametrize("mode", MODES)
def test_a_create_past_its_deadline_says_it_may_have_been_processed(mode: str, fault_server: LoopbackServer) -> None:
    fault_server.fake.inject(Reply("trickle", delay=0.3), method="POST")
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.keys.create(name="ci"))
    assert isinstance(error, APITimeoutError)
    assert f"the key {MAY_HAVE_BEEN_CREATED}: look for it in the key list before creating it again" in str(error)
    assert fault_server.fake.count("POST") == 1  # never sent again
    assert elapsed < DEADLINE + MARGIN


SHORT = 0.5
"""The deadline of the cases that hold the head back: the whole case takes about this long."""


@pytest.mark.parametrize("mode", MODES)
def test_a_trickling_head_cannot_outlast_the_deadline(mode: str, fault_server: LoopbackServer) -> None:
    # The status line and headers (over 100 bytes) at 0.2 s a byte: over 20 s, each read far inside
    # the 10 s read timeout. Before the head is whole the client has no response to watch.
    fault_server.fake.inject(Reply("trickle_head", delay=0.2), method="GET")
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.keys.list(), deadline=SHORT)
    assert isinstance(error, APITimeoutError)
    assert str(error).startswith("GET /api_keys did not finish within its deadline of 0.5s")
    assert elapsed < SHORT + MARGIN


def test_a_trickling_head_is_cut_through_an_http_client_passed_in(fault_server: LoopbackServer) -> None:
    fault_server.fake.inject(Reply("trickle_head", delay=0.2), method="GET")
    with httpx.Client(timeout=GENEROUS) as http:
        elapsed, error = _timed("sync", fault_server.base_url, lambda c: c.balance(), deadline=SHORT, http_client=http)
    assert isinstance(error, APITimeoutError)
    assert elapsed < SHORT + MARGIN


@pytest.mark.parametrize("mode", MODES)
def test_a_create_whose_head_trickles_may_have_made_the_key(mode: str, fault_server: LoopbackServer) -> None:
    fault_server.fake.inject(Reply("trickle_head", delay=0.2), method="POST")
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.keys.create(name="ci"), deadline=SHORT)
    assert isinstance(error, APITimeoutError)
    assert f"the key {MAY_HAVE_BEEN_CREATED}" in str(error)
    assert not surely_not_created(error)
    assert fault_server.fake.count("POST") == 1  # never sent again
    assert elapsed < SHORT + MARGIN


@pytest.mark.parametrize("mode", MODES)
def test_a_connection_never_accepted_is_cut_at_the_deadline(mode: str) -> None:
    with unaccepted_port() as port:
        elapsed, error = _timed(mode, f"http://127.0.0.1:{port}", lambda c: c.balance(), deadline=SHORT)
    assert isinstance(error, APITimeoutError)
    assert str(error).startswith("GET /credit/balance did not finish within its deadline of 0.5s")
    assert elapsed < SHORT + MARGIN


@pytest.mark.parametrize("mode", MODES)
def test_a_held_answer_is_cut_at_the_deadline_not_the_read_timeout(mode: str, fault_server: LoopbackServer) -> None:
    fault_server.fake.inject(Reply("slow", delay=5.0), method="GET")
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.keys.list())
    assert isinstance(error, APITimeoutError)
    assert "deadline of 1s" in str(error)
    assert elapsed < DEADLINE + MARGIN


@pytest.mark.parametrize("mode", MODES)
def test_a_storm_of_quick_refusals_ends_at_the_deadline(mode: str, fault_server: LoopbackServer) -> None:
    fault_server.fake.inject(status(503, Retry_After="0"), times=None)
    policy = RetryPolicy(max_retries=1_000_000, initial_delay=0.0, max_delay=0.0)
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.keys.list(), retry_policy=policy)
    # The deadline's own error, or the last 503 when the deadline passed while it was on its way.
    assert isinstance(error, APITimeoutError | InternalServerError)
    assert fault_server.fake.count() > 1  # it did retry, until the deadline
    assert elapsed < DEADLINE + MARGIN


@pytest.mark.parametrize("mode", MODES)
def test_a_backoff_longer_than_what_is_left_is_not_begun(mode: str, fault_server: LoopbackServer) -> None:
    fault_server.fake.inject(status(503), times=None)
    policy = RetryPolicy(max_retries=5, initial_delay=30.0, max_delay=30.0)
    elapsed, error = _timed(mode, fault_server.base_url, lambda c: c.balance(), retry_policy=policy)
    assert isinstance(error, InternalServerError)  # the failure in hand, at once
    assert fault_server.fake.count() == 1
    assert elapsed < DEADLINE


@pytest.mark.parametrize("deadline", [0, -1, float("inf"), float("nan"), True, "5"])
def test_a_deadline_that_makes_no_sense_is_refused(deadline: object) -> None:
    for client_class in (GeekAIAdmin, AsyncGeekAIAdmin):
        with pytest.raises(ConfigurationError, match="deadline must be a positive number of seconds or None"):
            client_class(SYSTEM_KEY, deadline=deadline)  # type: ignore[arg-type]


def test_the_deadline_is_shown_and_none_by_default() -> None:
    with GeekAIAdmin(SYSTEM_KEY) as plain, GeekAIAdmin(SYSTEM_KEY, deadline=2) as bounded:
        assert (plain.deadline, bounded.deadline) == (None, 2.0)
