"""The generated client is safe on its own: a finite default timeout, no token in repr()."""

from __future__ import annotations

import httpx

from geekai_admin_api import AuthenticatedClient, Client
from geekai_admin_api.client import DEFAULT_TIMEOUT

TOKEN = "sys-Secret-Token-123"


def test_the_default_timeout_is_finite() -> None:
    client = AuthenticatedClient(base_url="https://geekai.co/api", token=TOKEN)
    timeout = client.get_httpx_client().timeout
    assert timeout == DEFAULT_TIMEOUT
    assert timeout.read is not None
    assert timeout.connect is not None


def test_the_token_is_sent_but_never_shown() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"balance": 1})

    client = AuthenticatedClient(base_url="https://geekai.co/api", token=TOKEN, headers={"X-Extra": "1"})
    client.set_httpx_client(httpx.Client(base_url="https://geekai.co/api", transport=httpx.MockTransport(handler)))
    client.get_async_httpx_client()  # built with the auth header
    assert TOKEN not in repr(client)
    assert TOKEN not in str(client)
    assert client.get_async_httpx_client().headers["authorization"] == f"Bearer {TOKEN}"


def test_with_headers_keeps_the_token_out_of_repr() -> None:
    client = AuthenticatedClient(base_url="https://x.test", token=TOKEN).with_headers({"A": "b"})
    assert TOKEN not in repr(client)
    assert client.get_httpx_client().headers["authorization"] == f"Bearer {TOKEN}"
    assert client.get_httpx_client().headers["a"] == "b"


def test_plain_client_sends_no_authorization() -> None:
    client = Client(base_url="https://x.test")
    assert "authorization" not in client.get_httpx_client().headers
