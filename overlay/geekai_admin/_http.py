"""Executing a Call: send, retry by the policy, cap the body, map the answer.

The decisions live in one place (`_Attempts`); the sync and async loops differ only in how they
send, read and sleep.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import zlib
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, TypeVar

import httpx

from geekai_admin._config import SystemKey
from geekai_admin._exceptions import APIConnectionError, APIResponseValidationError, APITimeoutError
from geekai_admin._operations import Call
from geekai_admin._responses import request_id, status_error
from geekai_admin._retry import RETRYABLE_STATUSES, UNSENT_ERRORS, RetryPolicy, parse_retry_after, retryable_error

__all__ = ["MAX_BODY_BYTES", "Endpoint", "send_async", "send_sync"]

T = TypeVar("T")
logger = logging.getLogger("geekai_admin")
MAX_BODY_BYTES = 8 * 1024 * 1024
"""A response larger than this is refused: no admin answer is anywhere near it."""
ACCEPT_ENCODING = "gzip, deflate"
"""What the client asks for: only the encodings it inflates within MAX_BODY_BYTES itself."""


class Endpoint:
    """What every attempt needs: where, with which key and headers, under which policy."""

    __slots__ = ("_request_headers", "base_url", "headers", "key", "policy")

    def __init__(
        self,
        base_url: str,
        key: SystemKey,
        policy: RetryPolicy,
        headers: Mapping[str, str],
        *,
        client_has_headers: bool = False,
    ) -> None:
        self.base_url = base_url
        self.key = key
        self.policy = policy
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

    def build(self, client: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        url = _parsed_url(self.base_url + call.path)
        return client.build_request(call.method, url, json=call.json, headers=self._request_headers)


@functools.lru_cache(maxsize=256)
def _parsed_url(url: str) -> httpx.URL:
    """httpx.URL is immutable: parse each URL once, not once per request (a tenth of a small call)."""
    return httpx.URL(url)


_MAYBE_DONE_STATUSES = frozenset({500, 502, 504})
"""Failures the server (or the one behind a gateway) may have reported after acting: 429, 503
and 408 say the request was turned away."""


class _Attempts:
    """The retry state of one call: each outcome in, a decision out (a delay, or a final answer)."""

    __slots__ = ("call", "endpoint", "maybe_done", "number")

    def __init__(self, endpoint: Endpoint, call: Call[Any]) -> None:
        self.endpoint = endpoint
        self.call = call
        self.number = 0
        self.maybe_done = False
        """Whether an earlier attempt may have been carried out although it failed."""

    def _retry_delay(self, hint: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None if no retry is left or allowed."""
        policy = self.endpoint.policy
        if self.number >= policy.max_retries:
            return None
        if hint is not None:
            if hint > policy.max_retry_after:
                return None
            return hint
        return policy.backoff(self.number)

    def after_error(self, error: httpx.RequestError) -> float:
        """The delay before retrying after a transport error; raises the mapped error if final."""
        call = self.call
        delay = self._retry_delay(None) if retryable_error(error, idempotent=call.idempotent) else None
        if delay is None:
            kind = type(error).__name__
            text = self.endpoint.key.redact(str(error))
            message = (
                f"{call.name}: {call.method} {call.path} failed after {self.number + 1} attempt(s): {text or kind}"
            )
            if not call.idempotent and not retryable_error(error, idempotent=False):
                message += "; the request may have been processed: check keys.list() before creating again"
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
                f"{call.name}: response body larger than {MAX_BODY_BYTES} bytes", response=response
            )
        if 200 <= status < 300:
            try:
                return Done(call.parse(response))
            except APIResponseValidationError as exc:
                unfit = exc
            raise self._scrubbed(unfit)  # outside the except block: the unscrubbed one is not its context
        if status == 404 and call.gone_means_done and self.maybe_done:
            logger.debug("%s: 404 on attempt %d: an earlier attempt already did it", call.name, self.number + 1)
            return Done(None)
        error = status_error(response, self.endpoint.key)
        if status in RETRYABLE_STATUSES and call.idempotent:
            # A create is not retried on any status, 429 and 503 included: the request reached the
            # server, and only the server knows whether it made a key before answering.
            delay = self._retry_delay(parse_retry_after(response.headers))
            if delay is not None:
                self.maybe_done = self.maybe_done or status in _MAYBE_DONE_STATUSES
                self._log_retry(f"HTTP {status}", delay)
                return delay
        raise error

    def _scrubbed(self, error: APIResponseValidationError) -> APIResponseValidationError:
        """The error, or a copy whose message no longer quotes the system key (a field value may)."""
        text = self.endpoint.key.redact(error.message)
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
            self.endpoint.policy.max_retries,
            delay,
        )


class Done:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


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


class _TooLarge(Exception):
    """The body passed MAX_BODY_BYTES while being read."""


class _Inflater:
    """gzip or deflate decoding that never holds more than MAX_BODY_BYTES of output.

    httpx inflates each chunk whole, and a few hundred kilobytes of gzip can inflate to gigabytes;
    here each step asks zlib for no more than what is left under the cap.
    """

    __slots__ = ("_left", "_zlib")

    def __init__(self, encoding: str) -> None:
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS)
        self._left = MAX_BODY_BYTES

    def feed(self, data: bytes) -> bytes:
        try:
            out = self._zlib.decompress(data, self._left + 1)
        except zlib.error as exc:
            raise httpx.DecodingError(f"the compressed response body cannot be decoded: {exc}") from None
        return self._counted(out)

    def flush(self) -> bytes:
        return self._counted(self._zlib.flush())

    def _counted(self, out: bytes) -> bytes:
        self._left -= len(out)
        if self._left < 0 or self._zlib.unconsumed_tail:
            raise _TooLarge
        return out


class _Meter:
    """What the body streams below do with each raw chunk: count it, and inflate it if compressed."""

    __slots__ = ("_inflater", "_size")

    def __init__(self, inflater: _Inflater | None) -> None:
        self._inflater = inflater
        self._size = 0

    def take(self, chunk: bytes) -> bytes:
        self._size += len(chunk)
        if self._size > MAX_BODY_BYTES:
            raise _TooLarge
        return chunk if self._inflater is None else self._inflater.feed(chunk)

    def rest(self) -> bytes:
        """What an inflater still holds once the raw body has ended."""
        return b"" if self._inflater is None else self._inflater.flush()


_PLAIN_ENCODINGS = frozenset({"", "identity"})
_INFLATED_ENCODINGS = frozenset({"gzip", "deflate"})


def _meter_for(response: httpx.Response) -> _Meter | None:
    """How to read the body: None to read it as is, else the _Meter to read it through.

    A plain body of declared length needs no meter: the HTTP parser reads no more than it declares
    (raises _TooLarge if that is over the cap). A gzip or deflate body is inflated here, so it
    reaches httpx decoded. Any other encoding was not asked for, and httpx would decode it without
    a bound: refused.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in _PLAIN_ENCODINGS:
        length = response.headers.get("content-length", "")
        if not length.isdigit():
            return _Meter(None)
        if int(length) > MAX_BODY_BYTES:
            raise _TooLarge
        return None
    if encoding not in _INFLATED_ENCODINGS:
        raise httpx.DecodingError(
            f"the response body is encoded with {encoding!r}, which the client did not ask for",
            request=response.request,
        )
    del response.headers["content-encoding"]
    return _Meter(_Inflater(encoding))


class _CappedSync(httpx.SyncByteStream):
    """The body stream, refused once it passes MAX_BODY_BYTES (raw, or inflated if compressed)."""

    __slots__ = ("_inner", "_meter")

    def __init__(self, inner: httpx.SyncByteStream, meter: _Meter) -> None:
        self._inner = inner
        self._meter = meter

    def __iter__(self) -> Iterator[bytes]:
        meter = self._meter
        for chunk in self._inner:
            yield meter.take(chunk)
        yield meter.rest()

    def close(self) -> None:
        self._inner.close()


class _CappedAsync(httpx.AsyncByteStream):
    """The body stream, refused once it passes MAX_BODY_BYTES (raw, or inflated if compressed)."""

    __slots__ = ("_inner", "_meter")

    def __init__(self, inner: httpx.AsyncByteStream, meter: _Meter) -> None:
        self._inner = inner
        self._meter = meter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        meter = self._meter
        async for chunk in self._inner:
            yield meter.take(chunk)
        yield meter.rest()

    async def aclose(self) -> None:
        await self._inner.aclose()


def _in_memory_fits(response: httpx.Response) -> bool:
    """A transport that answers with its body already in memory (a mock) needs no reading."""
    return len(response.content) <= MAX_BODY_BYTES


def _read_sync(response: httpx.Response) -> bool:
    """Read the body into the response; False (the rest unread) once it exceeds MAX_BODY_BYTES."""
    if response.is_stream_consumed:
        return _in_memory_fits(response)
    try:
        meter = _meter_for(response)
        if meter is not None:
            assert isinstance(response.stream, httpx.SyncByteStream)
            response.stream = _CappedSync(response.stream, meter)
        response.read()
    except _TooLarge:
        return False
    return True


async def _read_async(response: httpx.Response) -> bool:
    """Read the body into the response; False (the rest unread) once it exceeds MAX_BODY_BYTES."""
    if response.is_stream_consumed:
        return _in_memory_fits(response)
    try:
        meter = _meter_for(response)
        if meter is not None:
            assert isinstance(response.stream, httpx.AsyncByteStream)
            response.stream = _CappedAsync(response.stream, meter)
        await response.aread()
    except _TooLarge:
        return False
    return True


def send_sync(client: httpx.Client, endpoint: Endpoint, call: Call[T]) -> T:
    attempts = _Attempts(endpoint, call)
    while True:
        request = endpoint.build(client, call)
        started = time.perf_counter()
        try:
            response = client.send(request, stream=True)
            try:
                fits = _read_sync(response)
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


async def send_async(client: httpx.AsyncClient, endpoint: Endpoint, call: Call[T]) -> T:
    attempts = _Attempts(endpoint, call)
    while True:
        request = endpoint.build(client, call)
        started = time.perf_counter()
        try:
            response = await client.send(request, stream=True)
            try:
                fits = await _read_async(response)
            finally:
                await response.aclose()
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
        await asyncio.sleep(delay)
