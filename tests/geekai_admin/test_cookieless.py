"""The clients GeekAIAdmin builds keep no cookies; a client passed in keeps its own."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from geekai_admin import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._cookieless import CookielessAsyncClient, CookielessClient
from tests.geekai_admin.fakes import SYSTEM_KEY

BALANCE = {"balance": 42}


class CookieServer:
    """Sets a cookie on every answer and records the Cookie header of every request."""

    def __init__(self) -> None:
        self.cookie_headers: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.cookie_headers.append(request.headers.get("cookie"))
        return httpx.Response(200, json=BALANCE, headers={"set-cookie": "session=abc; Path=/"})


def test_a_built_sync_client_sends_no_cookie_it_was_given() -> None:
    server = CookieServer()
    with GeekAIAdmin(SYSTEM_KEY, transport=httpx.MockTransport(server)) as client:
        client.balance()
        client.balance()
    assert server.cookie_headers == [None, None]


def test_a_built_async_client_sends_no_cookie_it_was_given() -> None:
    server = CookieServer()

    async def main() -> None:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=httpx.MockTransport(server)) as client:
            await client.balance()
            await client.balance()

    asyncio.run(main())
    assert server.cookie_headers == [None, None]


def test_a_client_passed_in_keeps_its_cookies() -> None:
    server = CookieServer()
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        GeekAIAdmin(SYSTEM_KEY, http_client=http) as client,
    ):
        client.balance()
        client.balance()
    assert server.cookie_headers == [None, "session=abc"]


@pytest.mark.parametrize("cls", [CookielessClient, CookielessAsyncClient])
def test_the_cookieless_clients_refuse_a_jar(cls: type[httpx.Client] | type[httpx.AsyncClient]) -> None:
    client = cls()
    assert len(client.cookies) == 0
    client.cookies.set("session", "abc")
    assert len(client.cookies) == 0
    with pytest.raises(AttributeError, match="keeps no cookies"):
        client.cookies = {"session": "abc"}
