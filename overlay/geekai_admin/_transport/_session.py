"""The connection a client owns and shares with its resources: it sends Calls, and closes what it opened."""

from __future__ import annotations

from typing import Protocol, TypeVar

import httpx

from geekai_admin._exceptions import ClientClosedError
from geekai_admin._transport._call import Call
from geekai_admin._transport._http import Endpoint, send_async, send_sync

__all__ = ["AsyncSender", "AsyncSession", "Sender", "Session"]

T = TypeVar("T")


class Sender(Protocol):
    """What a resource needs of its client: a Call sent, its mapped result back."""

    def send(self, call: Call[T], /) -> T:
        """The call's result, after the retries the policy allows."""
        ...


class AsyncSender(Protocol):
    """As Sender, awaited."""

    async def send(self, call: Call[T], /) -> T:
        """The call's result, after the retries the policy allows."""
        ...


class Session:
    """Sends Calls over one httpx.Client, under one Endpoint (sync)."""

    __slots__ = ("_closed", "_owner", "_owns_client", "endpoint", "http")

    def __init__(self, http: httpx.Client, endpoint: Endpoint, *, owns_client: bool, owner: str) -> None:
        self.http = http
        self._owns_client = owns_client
        self._owner = owner
        self._closed = False
        self.endpoint = endpoint
        if endpoint.deadline is not None:
            from geekai_admin._transport._deadline_sockets import bound_by_deadline  # noqa: PLC0415  # lazy: start-up time (httpcore)

            bound_by_deadline(http)

    def send(self, call: Call[T]) -> T:
        _check_open(self._owner, self._closed, self.http.is_closed)
        return send_sync(self.http, self.endpoint, call)

    def close(self) -> None:
        """Closes the connections, unless the httpx client was passed in: its owner closes it.
        Any call after this raises ClientClosedError."""
        self._closed = True
        if self._owns_client:
            self.http.close()


class AsyncSession:
    """Sends Calls over one httpx.AsyncClient, under one Endpoint (asyncio)."""

    __slots__ = ("_closed", "_owner", "_owns_client", "endpoint", "http")

    def __init__(self, http: httpx.AsyncClient, endpoint: Endpoint, *, owns_client: bool, owner: str) -> None:
        self.http = http
        self._owns_client = owns_client
        self._owner = owner
        self._closed = False
        self.endpoint = endpoint

    async def send(self, call: Call[T]) -> T:
        _check_open(self._owner, self._closed, self.http.is_closed)
        return await send_async(self.http, self.endpoint, call)

    async def close(self) -> None:
        """Closes the connections, unless the httpx client was passed in: its owner closes it.
        Any call after this raises ClientClosedError."""
        self._closed = True
        if self._owns_client:
            await self.http.aclose()


def _check_open(owner: str, closed: bool, http_closed: bool) -> None:
    if closed or http_closed:
        what = "was closed" if closed else "has an http_client that was closed"
        raise ClientClosedError(f"this {owner} {what}: create a new client to send requests")
