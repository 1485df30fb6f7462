"""Reading a response body whole, never more than MAX_BODY_BYTES of it, compressed or not.

httpx inflates each chunk whole, and a few hundred kilobytes of gzip can inflate to gigabytes: the
client asks only for gzip or deflate (ACCEPT_ENCODING) and inflates them here, a bounded step at a
time. A body in any other encoding was not asked for and is refused.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import httpx

__all__ = ["ACCEPT_ENCODING", "MAX_BODY_BYTES", "read_async", "read_sync", "stream_of"]

S = TypeVar("S", httpx.SyncByteStream, httpx.AsyncByteStream)

MAX_BODY_BYTES = 8 * 1024 * 1024
"""A response larger than this is refused: no admin answer is anywhere near it."""
ACCEPT_ENCODING = "gzip, deflate"
"""What the client asks for: only the encodings it inflates within MAX_BODY_BYTES itself."""


class _TooLarge(Exception):
    """The body passed MAX_BODY_BYTES while being read."""


class _PastDeadline(Exception):
    """The call's deadline passed while the body was arriving."""


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
    """What the body streams below do with each raw chunk: count it, inflate it if compressed, and
    refuse it once the call's deadline (`ends_at`, on time.monotonic) has passed."""

    __slots__ = ("_ends_at", "_inflater", "_size")

    def __init__(self, inflater: _Inflater | None, ends_at: float | None = None) -> None:
        self._inflater = inflater
        self._ends_at = ends_at
        self._size = 0

    def take(self, chunk: bytes) -> bytes:
        self._size += len(chunk)
        if self._size > MAX_BODY_BYTES:
            raise _TooLarge
        if self._ends_at is not None and time.monotonic() >= self._ends_at:
            raise _PastDeadline
        return chunk if self._inflater is None else self._inflater.feed(chunk)

    def rest(self) -> bytes:
        """What an inflater still holds once the raw body has ended."""
        return b"" if self._inflater is None else self._inflater.flush()


_PLAIN_ENCODINGS = frozenset({"", "identity"})
_INFLATED_ENCODINGS = frozenset({"gzip", "deflate"})


def _meter_for(response: httpx.Response, ends_at: float | None = None) -> _Meter | None:
    """How to read the body: None to read it as is, else the _Meter to read it through.

    A plain body of declared length needs no meter: the HTTP parser reads no more than it declares
    (raises _TooLarge if that is over the cap). A gzip or deflate body is inflated here, so it
    reaches httpx decoded. Any other encoding was not asked for, and httpx would decode it without
    a bound: refused. With `ends_at`, every body is read through a _Meter, which watches the deadline.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in _PLAIN_ENCODINGS:
        length = response.headers.get("content-length", "")
        if not length.isdigit():
            return _Meter(None, ends_at)
        if int(length) > MAX_BODY_BYTES:
            raise _TooLarge
        return None if ends_at is None else _Meter(None, ends_at)
    if encoding not in _INFLATED_ENCODINGS:
        raise httpx.DecodingError(
            f"the response body is encoded with {encoding!r}, which the client did not ask for",
            request=response.request,
        )
    del response.headers["content-encoding"]
    return _Meter(_Inflater(encoding), ends_at)


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


def stream_of(response: httpx.Response, kind: type[S]) -> S:
    """The response's body stream, which a sync transport makes sync and an async one async."""
    stream = response.stream
    if not isinstance(stream, kind):
        raise TypeError(f"expected a {kind.__name__} body stream, the transport gave a {type(stream).__name__}")
    return stream


def _in_memory_fits(response: httpx.Response) -> bool:
    """A transport that answers with its body already in memory (a mock) needs no reading."""
    return len(response.content) <= MAX_BODY_BYTES


def read_sync(response: httpx.Response, ends_at: float | None = None) -> bool:
    """Read the body into the response; False (the rest unread) once it exceeds MAX_BODY_BYTES.

    With `ends_at` (a time.monotonic() instant: the call's deadline), the clock is read between
    chunks, and a body still arriving then is a ReadTimeout: a server that trickles its answer
    keeps each read under the read timeout, and only this bounds the whole. (The async client
    bounds the whole exchange with asyncio.timeout instead.)
    """
    if response.is_stream_consumed:
        return _in_memory_fits(response)
    try:
        meter = _meter_for(response, ends_at)
        if meter is not None:
            response.stream = _CappedSync(stream_of(response, httpx.SyncByteStream), meter)
        response.read()
    except _TooLarge:
        return False
    except _PastDeadline:
        message = "the deadline passed while the response body was arriving"
        raise httpx.ReadTimeout(message, request=response.request) from None
    return True


async def read_async(response: httpx.Response) -> bool:
    """Read the body into the response; False (the rest unread) once it exceeds MAX_BODY_BYTES."""
    if response.is_stream_consumed:
        return _in_memory_fits(response)
    try:
        meter = _meter_for(response)
        if meter is not None:
            response.stream = _CappedAsync(stream_of(response, httpx.AsyncByteStream), meter)
        await response.aread()
    except _TooLarge:
        return False
    return True
