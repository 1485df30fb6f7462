"""Fetching pages: https only (http to loopback), retries on transient failures, a size cap."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from codegen.upstream.fetch import Fetcher, FetchError, check_url, read_source


def _fetcher(handler: httpx.MockTransport, **options: int) -> Fetcher:
    return Fetcher(httpx.Client(transport=handler), backoff=0, **options)


@pytest.mark.parametrize("url", ["https://docs.geekai.co/llms.txt", "http://127.0.0.1:8000/x", "http://[::1]/x"])
def test_https_and_loopback_http_are_allowed(url: str) -> None:
    assert str(check_url(url)) == url


@pytest.mark.parametrize("url", ["http://docs.geekai.co/llms.txt", "ftp://docs.geekai.co/x", "file:///etc/passwd"])
def test_anything_else_is_refused_naming_the_url(url: str) -> None:
    with pytest.raises(FetchError, match="refused: only https"):
        check_url(url)


def test_a_transient_failure_is_retried() -> None:
    answers = iter([httpx.Response(503), httpx.Response(429), httpx.Response(200, text="ok")])
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return next(answers)

    assert _fetcher(httpx.MockTransport(handler)).get("https://docs.example/a.md") == b"ok"
    assert len(seen) == 3


def test_a_connection_error_is_retried_then_named() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(FetchError, match=r"^https://docs.example/a.md: ConnectError"):
        _fetcher(httpx.MockTransport(handler), retries=2).get("https://docs.example/a.md")
    assert calls == 3


def test_a_lasting_server_error_names_the_page() -> None:
    fetcher = _fetcher(httpx.MockTransport(lambda _: httpx.Response(502)), retries=1)
    with pytest.raises(FetchError, match=r"^https://docs.example/a.md: HTTP 502$"):
        fetcher.get("https://docs.example/a.md")


def test_a_missing_page_is_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404)

    with pytest.raises(FetchError, match="HTTP 404"):
        _fetcher(httpx.MockTransport(handler)).get("https://docs.example/a.md")
    assert len(calls) == 1


def test_a_page_over_the_size_cap_is_refused_declared_or_not() -> None:
    big = b"x" * 2000
    declared = _fetcher(httpx.MockTransport(lambda _: httpx.Response(200, content=big)), max_bytes=1000)
    with pytest.raises(FetchError, match="2000 bytes, more than the 1000 allowed"):
        declared.get("https://docs.example/a.md")

    def undeclared(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(big))  # no Content-Length

    with pytest.raises(FetchError, match="more than the 1000 bytes allowed"):
        _fetcher(httpx.MockTransport(undeclared), max_bytes=1000).get("https://docs.example/a.md")


def test_a_redirect_is_followed_only_to_an_allowed_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a.md":
            return httpx.Response(301, headers={"Location": "/cn/a.md"})
        if request.url.path == "/cn/a.md":
            return httpx.Response(200, text="moved")
        return httpx.Response(302, headers={"Location": "http://docs.example/plain.md"})

    fetcher = _fetcher(httpx.MockTransport(handler))
    assert fetcher.get("https://docs.example/a.md") == b"moved"
    with pytest.raises(FetchError, match=r"http://docs\.example/plain\.md: refused"):
        fetcher.get("https://docs.example/b.md")


def test_a_document_path_is_read_from_disk_without_the_network(tmp_path: Path) -> None:
    fetcher = _fetcher(httpx.MockTransport(lambda _: httpx.Response(500)))
    (tmp_path / "spec.yaml").write_bytes(b"openapi: 3.1.0\r\n")
    assert read_source(fetcher, str(tmp_path / "spec.yaml")) == b"openapi: 3.1.0\r\n"
    with pytest.raises(FetchError, match=r"missing\.yaml: No such file"):
        read_source(fetcher, str(tmp_path / "missing.yaml"))


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_host_gives_the_url_finally_reached(status: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "docs.example":
            return httpx.Response(status, headers={"Location": "https://www.docs.example/cn" + request.url.path})
        return httpx.Response(200, text=f"served by {request.url.host}")

    fetched = _fetcher(httpx.MockTransport(handler)).fetch("https://docs.example/llms.txt")
    assert (fetched.url, fetched.body) == ("https://www.docs.example/cn/llms.txt", b"served by www.docs.example")


def test_a_redirect_loop_ends_with_an_error_naming_the_page() -> None:
    fetcher = _fetcher(httpx.MockTransport(lambda request: httpx.Response(308, headers={"Location": "/a.md"})))
    with pytest.raises(FetchError, match=r"^https://docs.example/a.md: more than 5 redirects$"):
        fetcher.get("https://docs.example/a.md")


def test_a_missing_page_carries_its_status() -> None:
    with pytest.raises(FetchError) as raised:
        _fetcher(httpx.MockTransport(lambda _: httpx.Response(404))).get("https://docs.example/llms.txt")
    assert raised.value.status == 404


def test_a_local_document_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"x" * 1001)
    fetcher = _fetcher(httpx.MockTransport(lambda _: httpx.Response(500)), max_bytes=1000)
    with pytest.raises(FetchError, match=r"big\.yaml: more than the 1000 bytes allowed for one document"):
        read_source(fetcher, str(tmp_path / "big.yaml"))
