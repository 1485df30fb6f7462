"""The clients' life cycle: a closed client says so, and sends nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from geekai_admin import AsyncGeekAIAdmin, ClientClosedError, GeekAIAdmin, GeekAIError
from tests.geekai_admin.fakes import BASE_URL, SYSTEM_KEY, UUID
from tests.support.fake_api import FakeAPI


def test_a_closed_client_refuses_every_call_with_a_typed_error() -> None:
    fake = FakeAPI()
    client = GeekAIAdmin(SYSTEM_KEY, base_url=BASE_URL, transport=fake.mock_transport())
    client.balance()
    client.close()
    client.close()  # closing twice is harmless
    for call in (client.balance, client.keys.list, lambda: client.keys.get(UUID), lambda: client.keys.delete(UUID)):
        with pytest.raises(ClientClosedError, match="this GeekAIAdmin was closed: create a new client"):
            call()
    assert fake.count() == 1


def test_a_closed_async_client_refuses_every_call_with_a_typed_error() -> None:
    fake = FakeAPI()

    async def run() -> None:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=BASE_URL, transport=fake.mock_transport()) as client:
            await client.balance()
        with pytest.raises(ClientClosedError, match="this AsyncGeekAIAdmin was closed") as caught:
            await client.keys.list()
        assert isinstance(caught.value, GeekAIError)

    asyncio.run(run())
    assert fake.count() == 1


def test_a_client_whose_http_client_was_closed_says_so() -> None:
    fake = FakeAPI()
    http = httpx.Client(transport=fake.mock_transport())
    client = GeekAIAdmin(SYSTEM_KEY, base_url=BASE_URL, http_client=http)
    http.close()  # by its owner; before, httpx's bare RuntimeError came through
    with pytest.raises(ClientClosedError, match="has an http_client that was closed"):
        client.balance()
    assert fake.count() == 0
