"""AsyncGeekAIAdmin over both of its transports, against a real HTTP server on loopback.

Every test that takes `transport` runs twice: over httpx's own async transport (the default) and
over the opt-in aiohttp transport (`aiohttp_transport()`, the `aiohttp` extra). The aiohttp
transport cannot run on httpx.MockTransport, so the fake API (tests.support.fake_api) serves on
a loopback socket here.
"""

from __future__ import annotations

import asyncio
import gzip
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
from geekai_admin._transport._aiohttp_transport import AiohttpTransport, httpx_error
from geekai_admin._transport._body import MAX_BODY_BYTES
from tests.geekai_admin.fakes import NO_WAIT
from tests.support.fake_api import EXAMPLE_UUID, SYSTEM_KEY, FakeAPI, Reply, refused_port

TRANSPORTS = ["httpx", "aiohttp"]


def scripted(*replies: Reply) -> FakeAPI:
    """The fake API answering every request from `replies`, in order, the last one repeating."""
    fake = FakeAPI()
    fake.inject(*replies, times=None)
    return fake


def run(
    transport: str,
    fake: FakeAPI,
    operation: Callable[[AsyncGeekAIAdmin], Awaitable[Any]],
    *,
    retry_policy: RetryPolicy = NO_WAIT,
    host: str = "127.0.0.1",
    **settings: Any,
) -> Any:
    """Run `operation` on an AsyncGeekAIAdmin over `transport`, talking to `fake` on a loopback socket."""

    async def main(base_url: str) -> Any:
        chosen = aiohttp_transport() if transport == "aiohttp" else None
        async with AsyncGeekAIAdmin(
            SYSTEM_KEY, base_url=base_url, transport=chosen, retry_policy=retry_policy, **settings
        ) as client:
            return await operation(client)

    with fake.serve() as server:
        return asyncio.run(main(server.base_url.replace("127.0.0.1", host)))


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- every operation -------------------------------------------------------------------------


def test_balance(transport: str) -> None:
    fake = FakeAPI(balance=123456.78)
    balance = run(transport, fake, lambda c: c.balance())
    assert balance.coins == Decimal("123456.78")
    assert balance.yuan == Decimal("1234.5678")
    assert fake.calls == ["GET /api/credit/balance"]


def test_every_request_carries_the_key_and_the_client_headers(transport: str) -> None:
    fake = FakeAPI()
    run(transport, fake, lambda c: c.balance(), default_headers={"X-Team": "ops"})
    (request,) = fake.log
    assert request.auth == "system"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("geekai-admin-python/")
    assert request.headers["x-team"] == "ops"


def test_list(transport: str) -> None:
    other = "223e4567-e89b-12d3-a456-426614174000"
    fake = FakeAPI()
    fake.seed(uuid=EXAMPLE_UUID, credit_used=12.3)
    fake.seed(uuid=other, credit_limit=0, expired_at="")
    keys = run(transport, fake, lambda c: c.keys.list())
    assert [k.uuid for k in keys] == [EXAMPLE_UUID, other]
    assert keys[0].credit_used == Decimal("12.3")
    assert keys[1].credit_limit is None
    assert keys[1].expires is None
    assert fake.calls == ["GET /api/api_keys"]


def test_get(transport: str) -> None:
    fake = FakeAPI()
    fake.seed(uuid=EXAMPLE_UUID, name="billing")
    key = run(transport, fake, lambda c: c.keys.get(EXAMPLE_UUID))
    assert key.name == "billing"
    assert fake.calls == [f"GET /api/api_keys/{EXAMPLE_UUID}"]


def test_create(transport: str) -> None:
    fake = FakeAPI()
    created = run(transport, fake, lambda c: c.keys.create(name="ci", credit_limit=Decimal("100.5")))
    assert isinstance(created, CreatedKey)
    assert created.secret == fake.secret_of(created.uuid)
    assert fake.calls == ["POST /api/api_keys"]
    assert fake.log[0].json() == {"name": "ci", "group": "balance", "credit_limit": 100.5, "expired_at": ""}


def test_update_reads_then_writes_every_field(transport: str) -> None:
    fake = FakeAPI()
    fake.seed(uuid=EXAMPLE_UUID)
    updated = run(transport, fake, lambda c: c.keys.update(EXAMPLE_UUID, name="renamed"))
    assert updated.name == "renamed"
    assert fake.calls == [f"GET /api/api_keys/{EXAMPLE_UUID}", f"PUT /api/api_keys/{EXAMPLE_UUID}"]
    assert fake.log[1].json() == {
        "name": "renamed",
        "group": "balance",
        "credit_limit": 10000,
        "expired_at": "2026-12-31",
    }


def test_delete(transport: str) -> None:
    fake = FakeAPI()
    fake.seed(uuid=EXAMPLE_UUID)
    assert run(transport, fake, lambda c: c.keys.delete(EXAMPLE_UUID)) is None
    assert fake.calls == [f"DELETE /api/api_keys/{EXAMPLE_UUID}"]
    assert not fake.has_key(EXAMPLE_UUID)


def test_a_cookie_the_server_sets_is_never_sent_back(transport: str) -> None:
    # aiohttp's own jar ignores cookies from an IP address: a host name makes it take this one.
    fake = scripted(Reply.json({"balance": 1}, headers=(("Set-Cookie", "sid=abc; Path=/"),)))

    async def twice(client: AsyncGeekAIAdmin) -> None:
        await client.balance()
        await client.balance()

    run(transport, fake, twice, host="localhost", retry_policy=RetryPolicy())
    assert [r.headers.get("cookie") for r in fake.log] == [None, None]


# --- errors, retries, limits -----------------------------------------------------------------


def test_an_error_status_is_typed_and_the_key_scrubbed(transport: str) -> None:
    fake = scripted(
        Reply.json(
            {"code": "unauthorized", "message": f"bad key {SYSTEM_KEY}"}, 401, headers=(("X-Request-Id", "r-1"),)
        )
    )
    with pytest.raises(AuthenticationError) as caught:
        run(transport, fake, lambda c: c.balance())
    assert caught.value.code == "unauthorized"
    assert caught.value.request_id == "r-1"
    assert SYSTEM_KEY not in str(caught.value)
    assert len(fake.log) == 1


def test_not_found(transport: str) -> None:
    fake = FakeAPI(not_found=(404, {"code": "not_found", "message": "no such key"}))
    with pytest.raises(NotFoundError, match="no such key"):
        run(transport, fake, lambda c: c.keys.get(EXAMPLE_UUID))


def test_a_retryable_status_is_retried(transport: str) -> None:
    fake = FakeAPI(balance=7)
    fake.inject(Reply.json({"message": "busy"}, 503))
    assert run(transport, fake, lambda c: c.balance()).coins == 7
    assert len(fake.log) == 2


def test_a_dropped_connection_is_retried_for_a_read(transport: str) -> None:
    fake = FakeAPI(balance=7)
    fake.inject(Reply("drop"))
    assert run(transport, fake, lambda c: c.balance()).coins == 7
    assert len(fake.log) == 2


def test_a_create_is_not_retried_once_the_connection_drops_after_sending(transport: str) -> None:
    # The server got the request: a second POST could create a second key (httpx-aiohttp alone
    # reports this as a connect timeout, which would be retried).
    fake = FakeAPI()
    fake.inject(Reply("drop"))
    with pytest.raises(APIConnectionError) as caught:
        run(transport, fake, lambda c: c.keys.create(name="ci"))
    assert not isinstance(caught.value, APITimeoutError)
    assert fake.calls == ["POST /api/api_keys"]


def test_a_refused_connection_is_a_connection_error_after_retries(transport: str) -> None:
    async def main(port: int) -> None:
        chosen = aiohttp_transport() if transport == "aiohttp" else None
        async with AsyncGeekAIAdmin(
            SYSTEM_KEY, base_url=f"http://127.0.0.1:{port}/api", transport=chosen, retry_policy=NO_WAIT
        ) as client:
            await client.keys.create(name="ci")  # nothing was sent: even a create may be retried

    with refused_port() as port, pytest.raises(APIConnectionError, match=r"after 3 attempt\(s\)"):
        asyncio.run(main(port))


def test_a_read_timeout_is_a_timeout_error(transport: str) -> None:
    fake = FakeAPI(slow_seconds=1.0)
    fake.inject(Reply("slow"))
    with pytest.raises(APITimeoutError):
        run(transport, fake, lambda c: c.balance(), retry_policy=RetryPolicy(max_retries=0), timeout=0.2)


def test_a_body_over_the_cap_is_refused(transport: str) -> None:
    big = b'{"balance": 1, "pad": "' + b"x" * (MAX_BODY_BYTES + 1024) + b'"}'
    fake = scripted(Reply.raw(big, chunked=True))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(transport, fake, lambda c: c.balance())


def test_a_compressed_body_that_inflates_past_the_cap_is_refused(transport: str) -> None:
    bomb = gzip.compress(b'{"balance": 1, "pad": "' + b"0" * (4 * MAX_BODY_BYTES) + b'"}')
    fake = scripted(Reply.raw(bomb, headers=(("Content-Encoding", "gzip"), ("Content-Length", str(len(bomb))))))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(transport, fake, lambda c: c.balance())


def test_a_compressed_body_is_decoded(transport: str) -> None:
    packed = gzip.compress(b'{"balance": 42}')
    fake = scripted(Reply.raw(packed, headers=(("Content-Encoding", "gzip"),), chunked=True))
    assert run(transport, fake, lambda c: c.balance()).coins == 42


def test_a_declared_length_over_the_cap_is_refused_unread(transport: str) -> None:
    fake = FakeAPI()
    fake.inject(Reply.raw(b"{}", headers=(("Content-Length", str(MAX_BODY_BYTES + 1)),)))
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(transport, fake, lambda c: c.balance())


def test_a_truncated_body_is_a_connection_error(transport: str) -> None:
    fake = scripted(Reply.raw(b'{"balance": 1', headers=(("Content-Length", "100"),), close=True))
    with pytest.raises(APIConnectionError):
        run(transport, fake, lambda c: c.balance(), retry_policy=RetryPolicy(max_retries=0))


# --- the aiohttp extra -----------------------------------------------------------------------


def test_without_the_extra_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "geekai_admin._transport._aiohttp_transport", raising=False)
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
    from geekai_admin._transport._aiohttp_transport import _Body  # noqa: PLC0415 - a private helper, tested alone

    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"{"
            error = httpx.ConnectTimeout("as httpx-aiohttp reports a reset")
            raise error from aiohttp.ClientOSError(104, "reset")

    async def read() -> bytes:
        return b"".join([chunk async for chunk in _Body(Broken())])

    with pytest.raises(httpx.ReadError, match="reset"):
        asyncio.run(read())
