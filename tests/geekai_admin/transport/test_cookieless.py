"""The clients GeekAIAdmin builds keep no cookies; a client passed in keeps its own."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from geekai_admin import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._transport._cookieless import CookielessAsyncClient, CookielessClient
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, Reply


def cookie_server() -> FakeAPI:
    """The fake API setting a cookie on every answer; its log shows each request's Cookie header."""
    fake = FakeAPI()
    fake.inject(Reply("ok", headers=(("set-cookie", "session=abc; Path=/"),)), times=None)
    return fake


def cookie_headers(fake: FakeAPI) -> list[str | None]:
    return [entry.headers.get("cookie") for entry in fake.log]


def test_a_built_sync_client_sends_no_cookie_it_was_given() -> None:
    server = cookie_server()
    with GeekAIAdmin(SYSTEM_KEY, transport=server.mock_transport()) as client:
        client.balance()
        client.balance()
    assert cookie_headers(server) == [None, None]


def test_a_built_async_client_sends_no_cookie_it_was_given() -> None:
    server = cookie_server()

    async def main() -> None:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=server.mock_transport()) as client:
            await client.balance()
            await client.balance()

    asyncio.run(main())
    assert cookie_headers(server) == [None, None]


def test_a_client_passed_in_keeps_its_cookies() -> None:
    server = cookie_server()
    with (
        httpx.Client(transport=server.mock_transport()) as http,
        GeekAIAdmin(SYSTEM_KEY, http_client=http) as client,
    ):
        client.balance()
        client.balance()
    assert cookie_headers(server) == [None, "session=abc"]


@pytest.mark.parametrize("cls", [CookielessClient, CookielessAsyncClient])
def test_the_cookieless_clients_refuse_a_jar(cls: type[httpx.Client] | type[httpx.AsyncClient]) -> None:
    client = cls()
    assert len(client.cookies) == 0
    client.cookies.set("session", "abc")
    assert len(client.cookies) == 0
    with pytest.raises(AttributeError, match="keeps no cookies"):
        client.cookies = {"session": "abc"}
