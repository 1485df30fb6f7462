"""httpx-aiohttp's transport, keeping no cookies, with the errors the retry rules need mapped right.

httpx-aiohttp maps every aiohttp.ClientConnectionError to httpx.ConnectTimeout, a connect
failure, which the retry rules take to mean "nothing was sent": a create would then be retried
after the server dropped the connection mid-request, and could make a second key. Here only a
failure to connect counts as one; a dropped connection, a reset or a read timeout is an error
after sending, retried only for idempotent requests, as on httpx's own transport. Like the httpx
clients the overlay builds, its aiohttp session keeps no cookies. Imported only through
geekai_admin._transport._aiohttp.aiohttp_transport(): it needs the `aiohttp` extra.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
import httpx_aiohttp

from geekai_admin._transport._body import stream_of

__all__ = ["AiohttpTransport", "httpx_error"]


def httpx_error(error: BaseException) -> httpx.TransportError | None:
    """The httpx error for an aiohttp error (or one httpx-aiohttp mapped from it); None: leave it."""
    cause = error if isinstance(error, aiohttp.ClientError) else error.__cause__
    if not isinstance(cause, aiohttp.ClientError):
        return None
    message = str(cause) or type(cause).__name__
    kind: type[httpx.TransportError]
    if isinstance(cause, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        kind = httpx.ProxyError
    elif isinstance(cause, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError  # DNS, refused, TLS handshake: nothing was sent
    elif isinstance(cause, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout  # waiting for a pool slot or the connect: nothing was sent
    elif isinstance(cause, aiohttp.ServerTimeoutError):
        kind = httpx.ReadTimeout
    elif isinstance(cause, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        kind = httpx.RemoteProtocolError
    elif isinstance(cause, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        kind = httpx.ReadError  # reset, broken pipe, truncated body: may have been processed
    else:
        kind = httpx.TransportError
    return None if type(error) is kind else kind(message)


class _Body(httpx.AsyncByteStream):
    """The response body, with errors while reading it mapped like those while sending."""

    __slots__ = ("_inner",)

    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except (httpx.TransportError, aiohttp.ClientError) as error:
            mapped = httpx_error(error)
            if mapped is None:
                raise
            raise mapped from error

    async def aclose(self) -> None:
        await self._inner.aclose()


class AiohttpTransport(httpx_aiohttp.AiohttpTransport):
    def get_client(self) -> aiohttp.ClientSession:
        """httpx-aiohttp's session, its connector moved into one that keeps no cookies."""
        # The connector carries the transport's settings (connection limit, keepalive expiry, TLS
        # context); httpx-aiohttp's session adds only aiohttp's default cookie jar. detach() marks
        # that session closed (no unclosed-session warning) and leaves the connector open.
        built = super().get_client()
        connector = built.connector
        built.detach()
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except (httpx.TransportError, aiohttp.ClientError) as error:
            mapped = httpx_error(error)
            if mapped is None:
                raise
            raise mapped from error
        response.stream = _Body(stream_of(response, httpx.AsyncByteStream))
        return response
