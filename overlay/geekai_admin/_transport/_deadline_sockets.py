"""The sync client's socket waits, each cut to what is left of the call's deadline.

httpcore waits for a response head one socket read at a time, each bounded by the read timeout
alone: a server that sends its status line and headers a byte at a time keeps every read short
and the whole without end, and no response exists yet to watch. So the httpcore connection pools
of a sync client built with a deadline send through `_Backend`: every connect, read, write and TLS
handshake waits no longer than what is left of the deadline of the call in progress
(`_deadline.running_until`), and one that starts after it raises httpcore's timeout, which httpx
maps to its own. Without a call in progress (a client used directly, or a call without a deadline)
the waits are httpcore's, unchanged.

The async clients need none of this: asyncio.timeout_at bounds their whole exchange. This module
imports httpcore, which `import httpx` does not: it is loaded only when such a client is built.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from geekai_admin._transport._deadline import wait_limit as _limit

__all__ = ["bound_by_deadline"]


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
