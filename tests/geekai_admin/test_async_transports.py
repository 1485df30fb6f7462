"""AsyncGeekAIAdmin over both of its transports, against a real HTTP server on loopback.

Every test that takes `transport` runs twice: over httpx's own async transport (the default) and
over the opt-in aiohttp transport (`aiohttp_transport()`, the `aiohttp` extra). The aiohttp
transport cannot run on httpx.MockTransport, so the server here is a small scripted asyncio
HTTP/1.1 server on 127.0.0.1 that records what it receives.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import json
import ssl
import sys
import types
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import httpx
import pytest

from geekai_admin import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncGeekAIAdmin,
    AuthenticationError,
    ConfigurationError,
    CreatedKey,
    NotFoundError,
    RetryPolicy,
    aiohttp_transport,
)
from geekai_admin._aiohttp_transport import AiohttpTransport, httpx_error
from geekai_admin._body import MAX_BODY_BYTES
from tests.geekai_admin.fakes import NO_WAIT, SECRET, SYSTEM_KEY, UUID, key_json
from tests.support.http_wire import read_request

TRANSPORTS = ["httpx", "aiohttp"]


@dataclasses.dataclass(frozen=True)
class Reply:
    """One scripted answer: a status and JSON body, or `drop` (close without answering).

    `close`: close the connection after answering (for a body shorter than its Content-Length).
    """

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False
    delay: float = 0.0
    chunked: bool = False
    close: bool = False


@dataclasses.dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Server:
    """Answers from a script in order (the last reply repeats) and records every request."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [Reply(body={})]
        self.received: list[Received] = []
        self.base_url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                wire = await read_request(reader)
                if wire is None:
                    return
                self.received.append(Received(wire.method, wire.target, wire.headers, wire.body))
                reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                if reply.drop:
                    return
                writer.write(self._encode(reply))
                await writer.drain()
                if reply.close:
                    return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    def _encode(reply: Reply) -> bytes:
        content = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
        head = [f"HTTP/1.1 {reply.status} X", "Content-Type: application/json"]
        head += [f"{name}: {value}" for name, value in reply.headers]
        if reply.chunked:
            head.append("Transfer-Encoding: chunked")
            size = 1024 * 1024
            pieces = [content[i : i + size] for i in range(0, len(content), size)]
            payload = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
        else:
            if not any(name.lower() == "content-length" for name, _ in reply.headers):
                head.append(f"Content-Length: {len(content)}")
            payload = content
        return ("\r\n".join(head) + "\r\n\r\n").encode() + payload

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Server]:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/api"
        async with server:
            yield self
            server.close()

    @property
    def calls(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.received]


def run(
    transport: str,
    server: Server,
    operation: Callable[[AsyncGeekAIAdmin], Awaitable[Any]],
    *,
    retry_policy: RetryPolicy = NO_WAIT,
    **settings: Any,
) -> Any:
    """Run `operation` on an AsyncGeekAIAdmin over `transport`, talking to `server`."""

    async def main() -> Any:
        async with server.running():
            chosen = aiohttp_transport() if transport == "aiohttp" else None
            async with AsyncGeekAIAdmin(
                SYSTEM_KEY, base_url=server.base_url, transport=chosen, retry_policy=retry_policy, **settings
            ) as client:
                return await operation(client)

    return asyncio.run(main())


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- every operation -------------------------------------------------------------------------


def test_balance(transport: str) -> None:
    server = Server(Reply(body={"balance": 123456.78}))
    balance = run(transport, server, lambda c: c.balance())
    assert balance.coins == Decimal("123456.78")
    assert balance.yuan == Decimal("1234.5678")
    assert server.calls == ["GET /api/credit/balance"]


def test_every_request_carries_the_key_and_the_client_headers(transport: str) -> None:
    server = Server(Reply(body={"balance": 1}))
    run(transport, server, lambda c: c.balance(), default_headers={"X-Team": "ops"})
    headers = server.received[0].headers
    assert headers["authorization"] == f"Bearer {SYSTEM_KEY}"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("geekai-admin-python/")
    assert headers["x-team"] == "ops"


def test_list(transport: str) -> None:
    other = "223e4567-e89b-12d3-a456-426614174000"
    server = Server(Reply(body={"data": [key_json(), key_json(uuid=other, credit_limit=0, expired_at="")]}))
    keys = run(transport, server, lambda c: c.keys.list())
    assert [k.uuid for k in keys] == [UUID, other]
    assert keys[0].credit_used == Decimal("12.3")
    assert keys[1].credit_limit is None
    assert keys[1].expires is None
    assert server.calls == ["GET /api/api_keys"]


def test_get(transport: str) -> None:
    server = Server(Reply(body={"data": key_json(name="billing")}))
    key = run(transport, server, lambda c: c.keys.get(UUID))
    assert key.name == "billing"
    assert server.calls == [f"GET /api/api_keys/{UUID}"]


def test_create(transport: str) -> None:
    server = Server(Reply(body={"data": key_json(raw_value=SECRET), "message": "ok"}))
    created = run(transport, server, lambda c: c.keys.create(name="ci", credit_limit=Decimal("100.5")))
    assert isinstance(created, CreatedKey)
    assert created.secret == SECRET
    assert server.calls == ["POST /api/api_keys"]
    assert server.received[0].json() == {"name": "ci", "group": "balance", "credit_limit": 100.5, "expired_at": ""}


def test_update_reads_then_writes_every_field(transport: str) -> None:
    server = Server(Reply(body={"data": key_json()}), Reply(body={"message": "success"}))
    updated = run(transport, server, lambda c: c.keys.update(UUID, name="renamed"))
    assert updated.name == "renamed"
    assert server.calls == [f"GET /api/api_keys/{UUID}", f"PUT /api/api_keys/{UUID}"]
    assert server.received[1].json() == {
        "name": "renamed",
        "group": "balance",
        "credit_limit": 10000,
        "expired_at": "2026-12-31",
    }


def test_delete(transport: str) -> None:
    server = Server(Reply(body={"message": "success"}))
    assert run(transport, server, lambda c: c.keys.delete(UUID)) is None
    assert server.calls == [f"DELETE /api/api_keys/{UUID}"]


def test_a_cookie_the_server_sets_is_never_sent_back(transport: str) -> None:
    # aiohttp's own jar ignores cookies from an IP address: a host name makes it take this one.
    server = Server(Reply(body={"balance": 1}, headers=(("Set-Cookie", "sid=abc; Path=/"),)))

    async def main() -> None:
        async with server.running():
            chosen = aiohttp_transport() if transport == "aiohttp" else None
            base_url = server.base_url.replace("127.0.0.1", "localhost")
            async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url, transport=chosen) as client:
                await client.balance()
                await client.balance()

    asyncio.run(main())
    assert [r.headers.get("cookie") for r in server.received] == [None, None]


# --- errors, retries, limits -----------------------------------------------------------------


def test_an_error_status_is_typed_and_the_key_scrubbed(transport: str) -> None:
    server = Server(
        Reply(401, {"code": "unauthorized", "message": f"bad key {SYSTEM_KEY}"}, headers=(("X-Request-Id", "r-1"),))
    )
    with pytest.raises(AuthenticationError) as caught:
        run(transport, server, lambda c: c.balance())
    assert caught.value.code == "unauthorized"
    assert caught.value.request_id == "r-1"
    assert SYSTEM_KEY not in str(caught.value)
    assert len(server.received) == 1


def test_not_found(transport: str) -> None:
    server = Server(Reply(404, {"code": "not_found", "message": "no such key"}))
    with pytest.raises(NotFoundError, match="no such key"):
        run(transport, server, lambda c: c.keys.get(UUID))


def test_a_retryable_status_is_retried(transport: str) -> None:
    server = Server(Reply(503, {"message": "busy"}), Reply(body={"balance": 7}))
    assert run(transport, server, lambda c: c.balance()).coins == 7
    assert len(server.received) == 2


def test_a_dropped_connection_is_retried_for_a_read(transport: str) -> None:
    server = Server(Reply(drop=True), Reply(body={"balance": 7}))
    assert run(transport, server, lambda c: c.balance()).coins == 7
    assert len(server.received) == 2


def test_a_create_is_not_retried_once_the_connection_drops_after_sending(transport: str) -> None:
    # The server got the request: a second POST could create a second key (httpx-aiohttp alone
    # reports this as a connect timeout, which would be retried).
    server = Server(Reply(drop=True), Reply(body={"data": key_json(raw_value=SECRET)}))
    with pytest.raises(APIConnectionError) as caught:
        run(transport, server, lambda c: c.keys.create(name="ci"))
    assert not isinstance(caught.value, APITimeoutError)
    assert server.calls == ["POST /api/api_keys"]


def test_a_refused_connection_is_a_connection_error_after_retries(transport: str) -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        chosen = aiohttp_transport() if transport == "aiohttp" else None
        async with AsyncGeekAIAdmin(
            SYSTEM_KEY, base_url=f"http://127.0.0.1:{port}/api", transport=chosen, retry_policy=NO_WAIT
        ) as client:
            await client.keys.create(name="ci")  # nothing was sent: even a create may be retried

    with pytest.raises(APIConnectionError, match=r"after 3 attempt\(s\)"):
        asyncio.run(main())


def test_a_read_timeout_is_a_timeout_error(transport: str) -> None:
    server = Server(Reply(body={"balance": 1}, delay=1.0))
    with pytest.raises(APITimeoutError):
        run(transport, server, lambda c: c.balance(), retry_policy=RetryPolicy(max_retries=0), timeout=0.2)


def test_a_body_over_the_cap_is_refused(transport: str) -> None:
    big = b'{"balance": 1, "pad": "' + b"x" * (MAX_BODY_BYTES + 1024) + b'"}'
    server = Server(Reply(raw=big, chunked=True))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(transport, server, lambda c: c.balance())


def test_a_compressed_body_that_inflates_past_the_cap_is_refused(transport: str) -> None:
    bomb = gzip.compress(b'{"balance": 1, "pad": "' + b"0" * (4 * MAX_BODY_BYTES) + b'"}')
    server = Server(Reply(raw=bomb, headers=(("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb))))))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(transport, server, lambda c: c.balance())


def test_a_compressed_body_is_decoded(transport: str) -> None:
    packed = gzip.compress(b'{"balance": 42}')
    server = Server(Reply(raw=packed, headers=(("Content-Encoding", "gzip"),), chunked=True))
    assert run(transport, server, lambda c: c.balance()).coins == 42


def test_a_declared_length_over_the_cap_is_refused_unread(transport: str) -> None:
    server = Server(Reply(raw=b"{}", headers=(("Content-Length", str(MAX_BODY_BYTES + 1)),)), Reply(body={}))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(transport, server, lambda c: c.balance())


def test_a_truncated_body_is_a_connection_error(transport: str) -> None:
    server = Server(Reply(raw=b'{"balance": 1', headers=(("Content-Length", "100"),), close=True))
    with pytest.raises(APIConnectionError):
        run(transport, server, lambda c: c.balance(), retry_policy=RetryPolicy(max_retries=0))


# --- the aiohttp extra -----------------------------------------------------------------------


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "geekai_admin._aiohttp_transport", raising=False)
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'geekai-admin\[aiohttp\]'"):
        aiohttp_transport()


def test_the_transport_takes_limits_and_tls_settings_into_a_session_without_cookies() -> None:
    context = ssl.create_default_context()
    transport = aiohttp_transport(limits=httpx.Limits(max_connections=3, keepalive_expiry=7.0), verify=context)
    assert isinstance(transport, AiohttpTransport)

    async def main() -> None:
        session = transport.get_client()
        try:
            assert isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
            connector = session.connector
            assert isinstance(connector, aiohttp.TCPConnector)
            assert connector.limit == 3
            assert connector._keepalive_timeout == 7.0  # no public accessor for these two
            assert connector._ssl is context
        finally:
            await session.close()

    asyncio.run(main())


_KEY = types.SimpleNamespace(host="127.0.0.1", port=1, ssl=None)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (aiohttp.ClientConnectorError(_KEY, ConnectionRefusedError(111, "refused")), httpx.ConnectError),  # type: ignore[arg-type]
        (aiohttp.ClientProxyConnectionError(_KEY, OSError(1, "proxy")), httpx.ProxyError),  # type: ignore[arg-type]
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
        (aiohttp.ServerTimeoutError("timeout"), httpx.ReadTimeout),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
        (aiohttp.ClientPayloadError("truncated"), httpx.ReadError),
        (aiohttp.ClientError("other"), httpx.TransportError),
    ],
)
def test_aiohttp_errors_map_to_what_the_retry_rules_expect(error: Exception, expected: type[Exception]) -> None:
    mapped = httpx_error(error)
    assert type(mapped) is expected
    wrapped = httpx.ConnectTimeout("as httpx-aiohttp reports it")
    wrapped.__cause__ = error
    again = httpx_error(wrapped)
    assert (again is None) if expected is httpx.ConnectTimeout else (type(again) is expected)


def test_errors_from_elsewhere_are_left_alone() -> None:
    assert httpx_error(ValueError("not aiohttp")) is None
    assert httpx_error(httpx.ReadError("no cause")) is None


def test_an_error_while_reading_the_body_is_mapped_too() -> None:
    from geekai_admin._aiohttp_transport import _Body  # noqa: PLC0415 - a private helper, tested alone

    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"{"
            error = httpx.ConnectTimeout("as httpx-aiohttp reports a reset")
            raise error from aiohttp.ClientOSError(104, "reset")

    async def read() -> bytes:
        return b"".join([chunk async for chunk in _Body(Broken())])

    with pytest.raises(httpx.ReadError, match="reset"):
        asyncio.run(read())
