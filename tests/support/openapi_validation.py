"""A validating httpx.MockTransport: every request a client sends is checked against the spec.

    transport = validating_transport(handler)         # an httpx.MockTransport
    client = GeekAIAdmin("sk-test", base_url="https://geekai.test/api", transport=transport)

Every request the client sends through `transport` is validated (path, path parameters, query,
headers, security, JSON body) before `handler` sees it; a request the spec does not allow raises
ContractViolation (an AssertionError), which the client does not catch, so the test fails with
a message naming the operation and each violated rule.

The validator itself lives in devtools/openapi_validation.py (the live conformance run uses it
too); its names are re-exported here for the tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from devtools.openapi_validation import PATCHED_SPEC, ContractViolation, SpecValidator, spec_validator

__all__ = [
    "PATCHED_SPEC",
    "ContractViolation",
    "SpecValidator",
    "spec_validator",
    "validating_transport",
]

Handler = Callable[[httpx.Request], httpx.Response]
AsyncHandler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def validating_transport(
    handler: Handler | AsyncHandler,
    *,
    validate_responses: bool = False,
    spec: Path = PATCHED_SPEC,
) -> httpx.MockTransport:
    """An httpx.MockTransport that validates each request against the spec, then calls `handler`.

    `handler` may be sync (for httpx.Client) or async (for httpx.AsyncClient), as with
    httpx.MockTransport. With `validate_responses`, the handler's answers are checked too (off by
    default: unit tests serve deliberately broken answers).
    """
    validator = spec_validator(spec)

    def checked(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if validate_responses:
            response.read()
            validator.validate_response(request, response)
        return response

    # A coroutine function, or an object whose __call__ is one.
    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__):
        async_handler: AsyncHandler = handler  # type: ignore[assignment]

        async def handle_async(request: httpx.Request) -> httpx.Response:
            validator.validate_request(request)
            return checked(request, await async_handler(request))

        return httpx.MockTransport(handle_async)

    sync_handler: Handler = handler  # type: ignore[assignment]

    def handle(request: httpx.Request) -> httpx.Response:
        validator.validate_request(request)
        return checked(request, sync_handler(request))

    return httpx.MockTransport(handle)
