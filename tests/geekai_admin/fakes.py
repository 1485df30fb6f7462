"""Test doubles for the overlay's unit tests: a recording fake server and a sync/async driver.

Every request the driver's clients send is validated against the patched spec (openapi-core)
before the fake server sees it.

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
from tests.support.openapi_validation import validating_transport

SYSTEM_KEY = "sysk-Unit-Test-Secret-0123456789abcdef"
SECRET = "sk-Full-Created-Secret-fedcba9876543210"
UUID = "123e4567-e89b-12d3-a456-426614174000"
BASE_URL = "https://geekai.co/api"
NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0)


def key_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": UUID,
        "name": "ci",
        "value": "sk-Ab3x****Yz9Q",
        "group": {"name": "balance", "alias": "均衡", "desc": "balanced"},
        "credit_limit": 10000,
        "credit_used": 12.3,
        "expired_at": "2026-12-31",
        "expired": False,
        "status": True,
        "last_used_at": "2026-11-20T08:30:00+08:00",
        "created_at": "2026-01-15T10:00:00Z",
    }
    body.update(overrides)
    return body


Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Answers requests in order from a script (the last answer repeats) and records them."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [httpx.Response(200, json={})]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            # A fresh copy each time: a response object can be read only once, and answers repeat.
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)
        return answer(request)

    @property
    def methods(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


class Driver:
    """Runs one operation through the sync or the async client, built on a FakeServer."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def __call__(
        self,
        server: FakeServer | Callable[[httpx.Request], httpx.Response],
        operation: Callable[[Any], Any],
        *,
        api_key: str = SYSTEM_KEY,
        base_url: str = BASE_URL,
        retry_policy: RetryPolicy | None = NO_WAIT,
        **settings: Any,
    ) -> Any:
        transport = validating_transport(server)  # every request is checked against the patched spec
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
