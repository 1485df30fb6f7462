"""The generated client is safe on its own: a finite default timeout, no token or created secret in repr()."""

from __future__ import annotations

import json
from http import HTTPStatus

import attrs
import httpx

from geekai_admin_api import AuthenticatedClient, Client, models
from geekai_admin_api.api.api_keys import create_api_key
from geekai_admin_api.client import DEFAULT_TIMEOUT
from geekai_admin_api.models import ApiKeyCreated, ApiKeyCreateRequest, ApiKeyCreateResponse
from geekai_admin_api.types import SECRET_FIELDS, Response

TOKEN = "sys-Secret-Token-123"
SECRET = "sk-Repr-Canary-7Qz3xW9vK2mP"
KEY_UUID = "123e4567-e89b-12d3-a456-426614174000"
COOKIE = "session=Cookie-Canary-4Hn8"
CREATED_HEADERS = {"content-type": "application/json", "set-cookie": COOKIE}
CREATED_BODY = json.dumps({"message": "ok", "data": {"uuid": KEY_UUID, "name": "ci", "raw_value": SECRET}}).encode()


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


def test_a_created_keys_secret_is_kept_but_never_shown() -> None:
    built = ApiKeyCreated(uuid=KEY_UUID, name="ci", raw_value=SECRET)
    parsed = ApiKeyCreated.from_dict({"uuid": KEY_UUID, "name": "ci", "raw_value": SECRET, "rpm_limit": 60})
    for created in (built, parsed):
        assert SECRET not in repr(created)
        assert SECRET not in str(created)
        assert SECRET not in repr([created])
        assert f"uuid='{KEY_UUID}'" in repr(created)  # only the secret is left out
        assert created.raw_value == SECRET
        assert created.to_dict()["raw_value"] == SECRET
        assert ApiKeyCreated.from_dict(created.to_dict()) == created
    assert parsed["rpm_limit"] == 60
    assert built != ApiKeyCreated(uuid=KEY_UUID, name="ci", raw_value="sk-another")  # equality still sees it


def test_no_generated_model_shows_a_secret_field() -> None:
    classes = [getattr(models, name) for name in models.__all__]
    with_secret = {cls: SECRET_FIELDS & set(attrs.fields_dict(cls)) for cls in classes if attrs.has(cls)}
    with_secret = {cls: names for cls, names in with_secret.items() if names}
    assert with_secret[ApiKeyCreated] == {"raw_value"}
    for cls, names in with_secret.items():
        model = cls(**dict.fromkeys(names, SECRET))
        assert SECRET not in repr(model), cls.__name__
        assert all(getattr(model, name) == SECRET for name in names)


def test_a_response_keeps_its_body_and_headers_but_never_shows_them() -> None:
    response: Response[None] = Response(HTTPStatus.OK, content=CREATED_BODY, headers=CREATED_HEADERS, parsed=None)
    for text in (repr(response), str(response), repr([response])):
        assert SECRET not in text
        assert COOKIE not in text
        assert "status_code=<HTTPStatus.OK: 200>" in text  # the rest is still shown
        assert "parsed=None" in text
    assert response.content == CREATED_BODY
    assert response.headers["set-cookie"] == COOKIE
    same: Response[None] = Response(HTTPStatus.OK, content=CREATED_BODY, headers=dict(CREATED_HEADERS), parsed=None)
    assert response == same  # equality still sees both
    assert response != attrs.evolve(response, content=b"{}")
    assert response != attrs.evolve(response, headers={})
    assert repr(response) == "Response(status_code=<HTTPStatus.OK: 200>, parsed=None)"


def test_a_created_keys_response_never_shows_the_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=CREATED_BODY, headers=CREATED_HEADERS)

    client = AuthenticatedClient(base_url="https://geekai.co/api", token=TOKEN)
    client.set_httpx_client(httpx.Client(base_url="https://geekai.co/api", transport=httpx.MockTransport(handler)))
    response = create_api_key.sync_detailed(client=client, body=ApiKeyCreateRequest(name="ci"))
    for text in (repr(response), str(response)):
        assert SECRET not in text
        assert COOKIE not in text
        assert TOKEN not in text
        assert KEY_UUID in text  # parsed is shown, without its raw_value
    assert SECRET.encode() in response.content
    assert isinstance(response.parsed, ApiKeyCreateResponse)
    assert isinstance(response.parsed.data, ApiKeyCreated)
    assert response.parsed.data.raw_value == SECRET
