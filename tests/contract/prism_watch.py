"""Watching the exchanges with Prism: every response is checked for a reported violation.

Prism (started with --errors) answers a request the spec does not allow with 422, and reports
any other violation it notices (security, for one) in an `sl-violations` response header. The
transports below sit under the client being tested (the overlay or the generated client), see
every response before the client does, and raise ContractViolation on either sign: the client
does not catch an AssertionError, so the test fails there, with Prism's own explanation.
"""

from __future__ import annotations

import dataclasses
import json

import httpx

from tests.support.openapi_validation import ContractViolation

__all__ = ["AsyncWatchedTransport", "Exchange", "PrismWatch", "WatchedTransport"]


@dataclasses.dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    request_body: bytes
    request_headers: httpx.Headers
    status: int
    violations: str | None


def _flagged(response: httpx.Response) -> bool:
    return response.status_code == 422 or "sl-violations" in response.headers


def _violations(response: httpx.Response) -> str | None:
    """Prism's report of what was wrong, or None if it reported nothing (the body read if flagged)."""
    if not _flagged(response):
        return None
    header = response.headers.get("sl-violations")
    parts = []
    if header is not None:
        parts.append(f"sl-violations: {header}")
    if response.status_code == 422:
        try:
            detail = json.loads(response.content).get("validation", response.text)
        except ValueError:
            detail = response.text
        parts.append(f"422: {detail}")
    return "; ".join(parts)


class PrismWatch:
    """Records every exchange with Prism; `strict` (the default) fails on the first violation."""

    def __init__(self, *, strict: bool = True) -> None:
        self.strict = strict
        self.exchanges: list[Exchange] = []

    def _record(self, request: httpx.Request, response: httpx.Response) -> None:
        violations = _violations(response)
        self.exchanges.append(
            Exchange(
                method=request.method,
                path=request.url.path,
                request_body=request.content,
                request_headers=request.headers,
                status=response.status_code,
                violations=violations,
            )
        )
        if violations is not None and self.strict:
            raise ContractViolation(
                f"{request.method} {request.url} (body {request.content[:300]!r})", [f"Prism reports {violations}"]
            )

    def see(self, request: httpx.Request, response: httpx.Response) -> None:
        if _flagged(response):
            response.read()
        self._record(request, response)

    async def asee(self, request: httpx.Request, response: httpx.Response) -> None:
        if _flagged(response):
            await response.aread()
        self._record(request, response)

    @property
    def violations(self) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.violations is not None]

    def transport(self) -> WatchedTransport:
        return WatchedTransport(self)

    def async_transport(self) -> AsyncWatchedTransport:
        return AsyncWatchedTransport(self)


class WatchedTransport(httpx.BaseTransport):
    def __init__(self, watch: PrismWatch) -> None:
        self._watch = watch
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        self._watch.see(request, response)
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncWatchedTransport(httpx.AsyncBaseTransport):
    def __init__(self, watch: PrismWatch) -> None:
        self._watch = watch
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        await self._watch.asee(request, response)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
