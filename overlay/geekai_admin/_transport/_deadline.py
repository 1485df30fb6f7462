"""The sync client's socket waits, each cut to what is left of the call's deadline.

httpcore waits for a response head one socket read at a time, each bounded by the read timeout
alone: a server that sends its status line and headers a byte at a time keeps every read short
and the whole without end, and no response exists yet to watch. So the httpcore connection pools
of a sync client send through `_Backend`: every connect, read, write and TLS handshake waits no
longer than what is left of the deadline of the call in progress (`running_until`), and one that
starts after it raises httpcore's timeout, which httpx maps to its own. Without a call in progress
(a client used directly, or a call without a deadline) the waits are httpcore's, unchanged.

The async clients need none of this: asyncio.timeout_at bounds their whole exchange.
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

__all__ = ["bound_by_deadline", "cut_to", "running_until", "wait_limit"]

_ENDS_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar("geekai_admin_ends_at", default=None)
"""The time.monotonic() instant the sync call in progress on this thread must end by."""


@contextlib.contextmanager
def running_until(ends_at: float | None) -> Iterator[None]:
    """Every socket wait of the sync call inside ends by `ends_at` (None: no deadline)."""
    token = _ENDS_AT.set(ends_at)
    try:
        yield
    finally:
        _ENDS_AT.reset(token)


def cut_to(left: float, timeout: float | None) -> float:
    """The rule of every wait under a deadline: `timeout` (None: no limit), but never past the
    `left` seconds left of the deadline."""
    return left if timeout is None else min(timeout, left)


def wait_limit(timeout: float | None, ends_at: float | None, expired: type[Exception]) -> float | None:
    """The longest the next wait may take: `timeout` (None: no limit), cut to what is left until
    `ends_at` (a time.monotonic() instant; None: no deadline). Raises `expired` once none is left."""
    if ends_at is None:
        return timeout
    left = ends_at - time.monotonic()
    if left <= 0:
        raise expired("the call's deadline passed")
    return cut_to(left, timeout)


def _limit(timeout: float | None, expired: type[Exception]) -> float | None:
    return wait_limit(timeout, _ENDS_AT.get(), expired)


class _Stream(httpcore.NetworkStream):
    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _limit(timeout, httpcore.ConnectTimeout))
        return _Stream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _limit(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _limit(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_by_deadline(client: httpx.Client) -> None:
    """Route the client's httpcore pools (its transport and mounts, proxies included) through
    _Backend. A transport of another kind (a mock, a custom one) is left as it is: its body is
    still cut at the deadline between chunks (`_body.read_sync`), but not its head."""
    # httpx offers no public way to choose the pool's network backend: its private attributes
    # are read here, and anything of an unexpected shape is left alone.
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None) if isinstance(transport, httpx.HTTPTransport) else None
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
