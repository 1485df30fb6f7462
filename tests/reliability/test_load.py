"""Load: 1,000 async calls, at most 32 at a time, against the fake API with 5% injected 503s.

Every call ends in a result or a typed error; nothing else escapes; no key is made twice; and
once the client is closed no file descriptor and no server-side connection is left over.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from geekai_admin import AsyncGeekAIAdmin, CreatedKey, GeekAIError, RetryPolicy
from tests.reliability.figures import FIGURES
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, LoopbackServer, Reply

CALLS = 1000
CONCURRENCY = 32
INJECTED_503_RATE = 0.05
READ_KEYS = 10
"""Seeded keys that get and update use; the next ones are deleted, one call each."""
POLICY = RetryPolicy(max_retries=2, initial_delay=0.001, max_delay=0.01)


@pytest.fixture
def load_server() -> Iterator[LoopbackServer]:
    """A server of its own: its connection count belongs to this test alone."""
    server = LoopbackServer(FakeAPI(seed=2024)).start()
    try:
        yield server
    finally:
        server.stop()


def _settled(read: Callable[[], int], target: int) -> int:
    """`read()` once it is down to `target`, or its last value after 5 s."""
    for _ in range(500):
        value = read()
        if value <= target:
            break
        time.sleep(0.01)
    return value


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _wait_until_closed(server: LoopbackServer) -> int:
    """The server's open connections once it has seen the client's closes (bounded: 5 s)."""
    return _settled(lambda: server.open_connections, 0)


async def _one(client: AsyncGeekAIAdmin, n: int, read_keys: list[str], delete_keys: list[str]) -> object:
    kind = n % 10
    if kind < 4:
        return await client.balance()
    if kind < 5:
        return await client.keys.list()
    if kind < 6:
        return await client.keys.get(read_keys[n % len(read_keys)])
    if kind < 7:
        return await client.keys.update(read_keys[n % len(read_keys)], name=f"load-{n}")
    if kind < 8:
        return await client.keys.create(name=f"load-{n}", credit_limit=n)
    await client.keys.delete(delete_keys.pop())
    return None


async def _load(base_url: str, calls: int, read_keys: list[str], delete_keys: list[str]) -> list[object]:
    limit = asyncio.Semaphore(CONCURRENCY)
    timeout = httpx.Timeout(10.0, connect=5.0)

    async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url, timeout=timeout, retry_policy=POLICY) as client:

        async def bounded(n: int) -> object:
            async with limit:
                return await _one(client, n, read_keys, delete_keys)

        return await asyncio.gather(*(bounded(n) for n in range(calls)), return_exceptions=True)


def test_thousand_async_calls_with_injected_503s(load_server: LoopbackServer) -> None:
    server, fake = load_server, load_server.fake
    deletes = sum(1 for n in range(CALLS) if n % 10 >= 8)
    seeded = fake.reset(seeded=READ_KEYS + deletes + 2)
    # Warm up once (imports, SSL context, the loop's first run) so only the load is measured.
    asyncio.run(_load(server.base_url, 4, seeded[:READ_KEYS], []))
    assert _wait_until_closed(server) == 0
    fake.inject_randomly(INJECTED_503_RATE, Reply("status", status=503))
    created_before, requests_before = fake.created, fake.count()
    fds_before = _open_fds()

    outcomes = asyncio.run(_load(server.base_url, CALLS, seeded[:READ_KEYS], seeded[READ_KEYS:]))

    open_after = _wait_until_closed(server)
    # The server shares the process, and a socket it let go of may close a loop pass later; a
    # leaked descriptor never comes back, so waiting for the count to return hides nothing.
    fds_after = _settled(_open_fds, fds_before)
    unhandled = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, GeekAIError)]
    typed = [o for o in outcomes if isinstance(o, GeekAIError)]
    creates = sum(isinstance(o, CreatedKey) for o in outcomes)
    made = fake.created - created_before
    injected = fake.injected
    FIGURES.load_calls = CALLS
    FIGURES.load_completed = len(outcomes)
    FIGURES.load_results = len(outcomes) - len(typed) - len(unhandled)
    FIGURES.load_typed_errors = len(typed)
    FIGURES.load_unhandled = len(unhandled)
    FIGURES.load_injected_503 = injected
    FIGURES.load_fd_delta = fds_after - fds_before
    FIGURES.load_open_connections_after = open_after
    FIGURES.load_peak_connections = server.peak_connections
    FIGURES.load_concurrency = CONCURRENCY
    FIGURES.duplicate_creates += max(0, made - creates)

    assert len(outcomes) == CALLS
    assert unhandled == []
    # A call fails only when all three of its attempts drew a 503.
    assert Counter(type(o).__name__ for o in typed) <= Counter(InternalServerError=len(typed))
    assert made == creates, "a 503 means nothing was made: one key per successful create"
    assert 0 < injected < (fake.count() - requests_before) * 0.1
    assert open_after == 0
    assert fds_after == fds_before
    assert server.peak_connections <= CONCURRENCY
