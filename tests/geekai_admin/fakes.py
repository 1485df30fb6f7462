"""Helpers of the overlay's unit tests: scripts for the one fake API, and a sync/async driver.

The fake is tests.support.fake_api's. Every request the driver's clients send is validated
against the patched spec (openapi-core) before the fake sees it.

Every test that takes `drive` runs twice, once through GeekAIAdmin and once through
AsyncGeekAIAdmin, with the same expectations: the two share one implementation.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from geekai_admin import AsyncGeekAIAdmin, GeekAIAdmin, RetryPolicy
from tests.support.fake_api import EXAMPLE_UUID, SYSTEM_KEY, FakeAPI, Reply
from tests.support.openapi_validation import validating_transport

__all__ = ["BASE_URL", "NO_WAIT", "SECRET", "SYSTEM_KEY", "UUID", "Driver", "ok", "scripted", "texts"]

UUID = EXAMPLE_UUID
SECRET = "sk-Full-Created-Secret-fedcba9876543210"
BASE_URL = "https://geekai.co/api"
NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0)

Answer = httpx.Response | BaseException


def scripted(*answers: Answer) -> FakeAPI:
    """The fake API answering every request from a script, in order, the last answer repeating.

    An `httpx.Response` is sent as it is, an exception raised; nothing reaches the key store.
    With no answers, every request gets `200 {}`.
    """
    fake = FakeAPI()
    replies = [
        Reply.raising(answer) if isinstance(answer, BaseException) else Reply.from_response(answer)
        for answer in answers
    ]
    fake.inject(*(replies or [Reply.json({})]), times=None)
    return fake


class Driver:
    """Runs one operation through the sync or the async client, on the fake API's MockTransport."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def __call__(
        self,
        fake: FakeAPI,
        operation: Callable[[Any], Any],
        *,
        api_key: str = SYSTEM_KEY,
        base_url: str = BASE_URL,
        retry_policy: RetryPolicy | None = NO_WAIT,
        **settings: Any,
    ) -> Any:
        transport = validating_transport(fake.respond)  # every request is checked against the patched spec
        if self.mode == "sync":
            with GeekAIAdmin(
                api_key, base_url=base_url, transport=transport, retry_policy=retry_policy, **settings
            ) as client:
                return operation(client)

        async def run() -> Any:
            async with AsyncGeekAIAdmin(
                api_key, base_url=base_url, transport=transport, retry_policy=retry_policy, **settings
            ) as client:
                result = operation(client)
                return await result if inspect.isawaitable(result) else result

        return asyncio.run(run())


def ok(body: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(200, json={} if body is None else body, headers=headers)


def texts(values: Iterable[object]) -> str:
    return "\n".join(f"{v!s}\n{v!r}" for v in values)
