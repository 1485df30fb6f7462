"""Settings from arguments and environment: the key, the entry point, timeouts, clients."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from geekai_admin import APIConnectionError, AsyncGeekAIAdmin, ConfigurationError, GeekAIAdmin, Region, RetryPolicy
from tests.geekai_admin.fakes import SYSTEM_KEY, ok, scripted
from tests.support.fake_api import FakeAPI


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEEKAI_SYSTEM_KEY", "GEEKAI_REGION", "GEEKAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", f"  {SYSTEM_KEY}\n")
    server = scripted(ok({"balance": 1}))
    with GeekAIAdmin(transport=server.mock_transport()) as client:
        client.balance()
    assert server.log[0].headers["authorization"] == f"Bearer {SYSTEM_KEY}"


def test_a_missing_key_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="set the GEEKAI_SYSTEM_KEY environment variable"):
        GeekAIAdmin()


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "from api_key is empty"), ("   ", "is empty"), ("a b", "whitespace"), ("ключ", "non-ASCII")],
)
def test_a_malformed_key_is_refused_without_echoing_it(key: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        GeekAIAdmin(key)
    if key.strip():
        assert key not in str(caught.value)


def test_an_empty_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", "")
    with pytest.raises(ConfigurationError, match="from GEEKAI_SYSTEM_KEY is empty"):
        GeekAIAdmin()


def test_a_key_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="api_key must be a string"):
        GeekAIAdmin(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("region", "url"),
    [(None, "https://geekai.co/api"), ("cn", "https://geekai.co/api"), ("global", "https://geekai.dev/api")],
)
def test_regions_choose_the_entry_point(region: Region | None, url: str) -> None:
    assert GeekAIAdmin(SYSTEM_KEY, region=region).base_url == url


def test_the_region_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEEKAI_REGION", "global")
    assert GeekAIAdmin(SYSTEM_KEY).base_url == "https://geekai.dev/api"


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="region must be one of cn, global; got 'eu'"):
        GeekAIAdmin(SYSTEM_KEY, region="eu")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GEEKAI_REGION", "eu", "GEEKAI_REGION must be one of cn, global; got 'eu'"),
        ("GEEKAI_BASE_URL", "geekai.co/api", "GEEKAI_BASE_URL must be an https:// URL with a host"),
        ("GEEKAI_BASE_URL", "http://example.com/api", "GEEKAI_BASE_URL 'http://example.com/api' is plain http://"),
    ],
)
@pytest.mark.parametrize("client", [GeekAIAdmin, AsyncGeekAIAdmin])
def test_a_bad_variable_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, client: Any, variable: str, value: str, message: str
) -> None:
    monkeypatch.delenv("GEEKAI_BASE_URL", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        client(SYSTEM_KEY)


def test_the_base_url_comes_from_the_environment_and_beats_the_regions_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEEKAI_BASE_URL", "https://proxy.example.com/geekai/")
    monkeypatch.setenv("GEEKAI_REGION", "global")
    assert GeekAIAdmin(SYSTEM_KEY).base_url == "https://proxy.example.com/geekai"


@pytest.mark.parametrize("variable", ["GEEKAI_BASE_URL", "GEEKAI_REGION"])
def test_an_explicit_region_beats_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "https://proxy.example.com/geekai" if variable == "GEEKAI_BASE_URL" else "cn")
    assert GeekAIAdmin(SYSTEM_KEY, region="global").base_url == "https://geekai.dev/api"


@pytest.mark.parametrize("variable", ["GEEKAI_BASE_URL", "GEEKAI_REGION"])
def test_an_explicit_base_url_beats_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "https://proxy.example.com/geekai" if variable == "GEEKAI_BASE_URL" else "global")
    assert GeekAIAdmin(SYSTEM_KEY, base_url="https://x.test/api/").base_url == "https://x.test/api"


def test_an_explicit_key_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", "sk-from-the-environment")
    server = scripted(ok({"balance": 1}))
    with GeekAIAdmin(SYSTEM_KEY, transport=server.mock_transport()) as client:
        client.balance()
    assert server.log[0].headers["authorization"] == f"Bearer {SYSTEM_KEY}"


@pytest.mark.parametrize("client_class", [GeekAIAdmin, AsyncGeekAIAdmin])
def test_region_and_base_url_together_are_refused(client_class: type[GeekAIAdmin | AsyncGeekAIAdmin]) -> None:
    with pytest.raises(ConfigurationError, match="pass region or base_url, not both"):
        client_class(SYSTEM_KEY, region="cn", base_url="https://geekai.co/api")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:4010", "http://localhost:8080/api", "http://[::1]:9000", "http://127.8.9.10", "https://x.test"],
)
def test_loopback_may_use_plain_http(url: str) -> None:
    assert GeekAIAdmin(SYSTEM_KEY, base_url=url).base_url == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://geekai.co/api", "plain http:// to a non-loopback host"),
        ("http://10.0.0.5/api", "plain http:// to a non-loopback host"),
        ("http://localhost.evil.com", "plain http:// to a non-loopback host"),
        ("ftp://geekai.co/api", "must be an https:// URL"),
        ("geekai.co/api", "must be an https:// URL"),
        ("https://user:pw@geekai.co/api", "must not carry credentials"),
        (
            "https://geekai.co/api?x=1",
            r"must not carry a query \(\?\) or a fragment \(#\).*'https://geekai.co/api\?x=1'",
        ),
        # Even empty, a query or fragment would swallow every path appended to the base URL.
        ("https://geekai.co/api?", r"must not carry a query .*'https://geekai.co/api\?'"),
        ("https://geekai.co/api#", r"or a fragment \(#\), even empty; got 'https://geekai.co/api#'"),
        ("http://127.0.0.1:4010/api?", "must not carry a query"),
        ("http://localhost/api#", "must not carry a query"),
        # A *.localhost name goes through the resolver, which need not keep it on this machine.
        ("http://api.localhost:4010/api", "plain http:// to a non-loopback host"),
        ("http://localhost./api", "plain http:// to a non-loopback host"),
        ("https://geekai.co:99999/api", "not a valid URL"),
    ],
)
def test_unsafe_base_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        GeekAIAdmin(SYSTEM_KEY, base_url=url)


def test_a_base_url_must_be_a_string() -> None:
    with pytest.raises(ConfigurationError, match="base_url must be a string"):
        GeekAIAdmin(SYSTEM_KEY, base_url=b"https://x")  # type: ignore[arg-type]


def test_the_default_timeout_is_finite() -> None:
    with GeekAIAdmin(SYSTEM_KEY) as client:
        timeout = client._session.http.timeout
    assert (timeout.connect, timeout.read) == (5.0, 60.0)


def test_a_number_sets_every_timeout_and_caps_connect() -> None:
    with GeekAIAdmin(SYSTEM_KEY, timeout=2.5) as client:
        assert (client._session.http.timeout.connect, client._session.http.timeout.read) == (2.5, 2.5)
    with GeekAIAdmin(SYSTEM_KEY, timeout=30) as client:
        assert (client._session.http.timeout.connect, client._session.http.timeout.read) == (5.0, 30.0)


@pytest.mark.parametrize(
    "timeout", [None, 0, -1, float("inf"), float("nan"), True, "10", httpx.Timeout(None), httpx.Timeout(5, read=None)]
)
def test_timeouts_that_could_hang_or_make_no_sense_are_refused(timeout: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout"):
        GeekAIAdmin(SYSTEM_KEY, timeout=timeout)  # type: ignore[arg-type]


def test_an_httpx_timeout_is_used_as_given() -> None:
    given = httpx.Timeout(3.0, connect=1.0)
    with GeekAIAdmin(SYSTEM_KEY, timeout=given) as client:
        assert client._session.http.timeout == given


def test_http_client_and_transport_are_exclusive() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        GeekAIAdmin(SYSTEM_KEY, http_client=httpx.Client(), transport=scripted().mock_transport())


def test_default_headers_cannot_smuggle_another_key() -> None:
    with pytest.raises(ConfigurationError, match="must not set Authorization"):
        GeekAIAdmin(SYSTEM_KEY, default_headers={"authorization": "Bearer other"})


def test_a_callers_http_client_is_used_and_left_open() -> None:
    server = scripted(ok({"balance": 2}))
    own = httpx.Client(transport=server.mock_transport())
    with GeekAIAdmin(SYSTEM_KEY, http_client=own) as client:
        assert client.balance().coins == 2
    assert not own.is_closed
    own.close()


def test_the_clients_own_http_client_is_closed() -> None:
    client = GeekAIAdmin(SYSTEM_KEY)
    client.close()
    assert client._session.http.is_closed


def test_async_clients_close_what_they_own_only() -> None:
    async def run() -> tuple[bool, bool]:
        own = httpx.AsyncClient()
        async with AsyncGeekAIAdmin(SYSTEM_KEY, http_client=own):
            pass
        owned = AsyncGeekAIAdmin(SYSTEM_KEY)
        await owned.close()
        left_open = not own.is_closed
        await own.aclose()
        return left_open, owned._session.http.is_closed

    assert asyncio.run(run()) == (True, True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_retries": -1}, "max_retries must be a whole number"),
        ({"max_retries": 1.5}, "max_retries must be a whole number"),
        ({"max_retries": True}, "max_retries must be a whole number"),
        ({"retry_policy": RetryPolicy}, ""),
    ],
)
def test_retry_settings_are_checked(settings: dict[str, object], message: str) -> None:
    if settings.get("retry_policy") is RetryPolicy:
        with pytest.raises(ValueError, match="initial_delay must be a finite number"):
            RetryPolicy(initial_delay=float("nan"))
        return
    with pytest.raises(ValueError, match=message):
        GeekAIAdmin(SYSTEM_KEY, **settings)  # type: ignore[arg-type]


def test_repr_shows_where_and_how_but_never_the_key() -> None:
    client = GeekAIAdmin(SYSTEM_KEY, max_retries=4)
    assert repr(client) == "GeekAIAdmin(base_url='https://geekai.co/api', max_retries=4)"
    assert client.max_retries == 4
    client.close()


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def environment_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAPI]:
    """A second fake API, on its own socket, named as the proxy for every scheme in the environment:
    whatever reaches it went through the proxy."""
    proxy = FakeAPI()
    with proxy.serve() as server:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(name.lower(), raising=False)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{server.port}")
            monkeypatch.setenv(name.lower(), f"http://127.0.0.1:{server.port}")
        yield proxy


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("client_class", [GeekAIAdmin, AsyncGeekAIAdmin])
def test_plain_http_to_loopback_never_goes_through_a_proxy(
    host: str, client_class: type[GeekAIAdmin | AsyncGeekAIAdmin], environment_proxy: FakeAPI
) -> None:
    api = FakeAPI()
    with api.serve() as server:
        base_url = f"http://{host}:{server.port}/api"
        if client_class is GeekAIAdmin:
            with GeekAIAdmin(SYSTEM_KEY, base_url=base_url) as client:
                client.balance()
        else:

            async def run() -> None:
                async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=base_url) as client:
                    await client.balance()

            asyncio.run(run())
    assert environment_proxy.log == [], "the system key went to the proxy in clear text"
    assert [entry.auth for entry in api.log] == ["system"]


def test_a_proxy_from_the_environment_still_serves_https(environment_proxy: FakeAPI) -> None:
    client = GeekAIAdmin(SYSTEM_KEY, base_url="https://geekai.co/api", max_retries=0)
    with client, pytest.raises(APIConnectionError):  # the fake proxy refuses to tunnel
        client.balance()
    assert [(entry.method, entry.path, entry.auth) for entry in environment_proxy.log] == [
        ("CONNECT", "geekai.co:443", "missing")  # a tunnel: the key travels inside TLS only
    ]
