"""Executing a Call: build the request, send it, read the body, sleep before a retry.

Every decision (retry or not, how long to wait, what an answer means) is `_retry.Attempts`'s; the
sync and async loops here differ only in how they send, read and sleep.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from geekai_admin._config import SystemKey
from geekai_admin._responses import request_id
from geekai_admin._transport._body import ACCEPT_ENCODING, read_async, read_sync
from geekai_admin._transport._call import Call
from geekai_admin._transport._deadline import running_until
from geekai_admin._transport._retry import Attempts, Done, RetryPolicy

__all__ = ["Endpoint", "send_async", "send_sync"]

T = TypeVar("T")
logger = logging.getLogger("geekai_admin")


class Endpoint:
    """What every attempt needs: where, with which key and headers, under which policy."""

    __slots__ = ("_request_headers", "base_url", "deadline", "headers", "key", "policy")

    def __init__(
        self,
        base_url: str,
        key: SystemKey,
        policy: RetryPolicy,
        headers: Mapping[str, str],
        *,
        deadline: float | None = None,
        client_has_headers: bool = False,
    ) -> None:
        self.base_url = base_url
        self.key = key
        self.policy = policy
        self.deadline = deadline
        self.headers = {
            **headers,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "Authorization": f"Bearer {key.reveal()}",
        }
        # A client built by GeekAIAdmin carries `headers` itself (client_has_headers): merging
        # them into every request again would cost a tenth of a small call.
        self._request_headers = None if client_has_headers else self.headers

    def __repr__(self) -> str:
        return f"Endpoint(base_url={self.base_url!r}, key={self.key!r})"

    def build(self, client: httpx.Client | httpx.AsyncClient, call: Call[Any], attempts: Attempts) -> httpx.Request:
        url = _parsed_url(self.base_url + call.path)
        timeout = attempts.timeout_for(client.timeout)
        if timeout is None:
            return client.build_request(call.method, url, json=call.json, headers=self._request_headers)
        return client.build_request(call.method, url, json=call.json, headers=self._request_headers, timeout=timeout)


@functools.lru_cache(maxsize=256)
def _parsed_url(url: str) -> httpx.URL:
    """httpx.URL is immutable: parse each URL once, not once per request (a tenth of a small call)."""
    return httpx.URL(url)


def _loop_time(ends_at: float) -> float:
    """A time.monotonic() instant on the running loop's clock (asyncio.timeout_at's)."""
    import asyncio  # noqa: PLC0415  # lazy: start-up time

    return asyncio.get_running_loop().time() + (ends_at - time.monotonic())


def _log_response(endpoint: Endpoint, call: Call[Any], response: httpx.Response, started: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s: %s %s -> %d in %.1f ms (request id %s)",
            call.name,
            call.method,
            call.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            endpoint.key.redact(request_id(response) or "-"),
        )


def send_sync(client: httpx.Client, endpoint: Endpoint, call: Call[T]) -> T:
    attempts = Attempts(call, endpoint.key, endpoint.policy, endpoint.deadline)
    while True:
        request = endpoint.build(client, call, attempts)
        started = time.perf_counter()
        try:
            # The deadline bounds each socket wait, the head's included, however slowly it comes.
            with running_until(attempts.ends_at):
                response = client.send(request, stream=True)
                try:
                    fits = read_sync(response, attempts.ends_at)
                finally:
                    response.close()
        except httpx.RequestError as error:
            failure: httpx.RequestError | None = error
        else:
            failure = None
        if failure is not None:  # outside the except block: a raised error gets no implicit context
            delay = attempts.after_error(failure)
        else:
            _log_response(endpoint, call, response, started)
            outcome = attempts.after_response(response, too_large=not fits)
            if isinstance(outcome, Done):
                return outcome.value  # type: ignore[no-any-return]
            delay = outcome
        time.sleep(delay)


async def _exchange(client: httpx.AsyncClient, request: httpx.Request) -> tuple[httpx.Response, bool]:
    """The response with its body read, and whether the body fit (`read_async`)."""
    response = await client.send(request, stream=True)
    try:
        fits = await read_async(response)
    finally:
        await response.aclose()
    return response, fits


async def send_async(client: httpx.AsyncClient, endpoint: Endpoint, call: Call[T]) -> T:
    import asyncio  # noqa: PLC0415  # lazy: start-up time

    attempts = Attempts(call, endpoint.key, endpoint.policy, endpoint.deadline)
    while True:
        request = endpoint.build(client, call, attempts)
        started = time.perf_counter()
        limit = None
        try:
            if attempts.ends_at is None:  # no deadline: no timeout scope to set up and tear down each attempt
                response, fits = await _exchange(client, request)
            else:
                # The deadline bounds the whole exchange, however slowly the server sends its answer.
                async with asyncio.timeout_at(_loop_time(attempts.ends_at)) as limit:
                    response, fits = await _exchange(client, request)
        except httpx.RequestError as error:
            failure: httpx.RequestError | None = error
        except TimeoutError:
            if limit is None or not limit.expired():
                raise
            failure = httpx.ReadTimeout("the deadline passed during the exchange", request=request)
        else:
            failure = None
        if failure is not None:  # outside the except block: a raised error gets no implicit context
            delay = attempts.after_error(failure)
        else:
            _log_response(endpoint, call, response, started)
            outcome = attempts.after_response(response, too_large=not fits)
            if isinstance(outcome, Done):
                return outcome.value  # type: ignore[no-any-return]
            delay = outcome
        await asyncio.sleep(delay)
