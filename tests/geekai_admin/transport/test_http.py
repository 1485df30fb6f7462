"""Sending: streamed bodies are read whole, decoded, and refused past the size cap."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from geekai_admin import APIResponseValidationError, AsyncGeekAIAdmin, GeekAIAdmin, GeekAIError, InternalServerError
from geekai_admin._transport._body import MAX_BODY_BYTES, stream_of
from tests.geekai_admin.fakes import NO_WAIT, SYSTEM_KEY

BODY = json.dumps({"balance": 42}).encode()
MIB = 1024 * 1024


def chunks(data: bytes, size: int = 7) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def achunks(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for piece in chunks(data, size):
        yield piece


def sync_balance(status: int, body: bytes, headers: dict[str, str] | None = None) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=chunks(body, max(1, len(body) // 9 or 1)))

    with GeekAIAdmin(SYSTEM_KEY, transport=httpx.MockTransport(handler), retry_policy=NO_WAIT) as client:
        return client.balance()


def async_balance(status: int, body: bytes, headers: dict[str, str] | None = None) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=achunks(body, max(1, len(body) // 9 or 1)))

    async def run() -> object:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=httpx.MockTransport(handler), retry_policy=NO_WAIT) as c:
            return await c.balance()

    return asyncio.run(run())


RUNNERS = pytest.mark.parametrize("run", [sync_balance, async_balance], ids=["sync", "async"])


@RUNNERS
def test_a_streamed_body_is_read_whole(run: object) -> None:
    assert run(200, BODY).coins == 42  # type: ignore[operator]


@RUNNERS
def test_a_compressed_streamed_body_is_decoded(run: object) -> None:
    assert run(200, gzip.compress(BODY), {"content-encoding": "gzip"}).coins == 42  # type: ignore[operator]


@RUNNERS
@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "with length"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_body_is_decoded_whatever_its_framing(run: object, encoding: str, declared: bool) -> None:
    packed = gzip.compress(BODY) if encoding == "gzip" else zlib.compress(BODY)
    headers = {"content-encoding": encoding, **({"content-length": str(len(packed))} if declared else {})}
    assert run(200, packed, headers).coins == 42  # type: ignore[operator]


@RUNNERS
@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "with length"])
def test_a_small_body_that_inflates_past_the_cap_is_refused(run: object, declared: bool) -> None:
    bomb = gzip.compress(b'{"balance": 1, "pad": "' + b"0" * (4 * MAX_BODY_BYTES) + b'"}')
    assert len(bomb) < MAX_BODY_BYTES // 100
    headers = {"content-encoding": "gzip", **({"content-length": str(len(bomb))} if declared else {})}
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(200, bomb, headers)  # type: ignore[operator]


@RUNNERS
def test_a_corrupt_compressed_body_is_an_error_that_says_so(run: object) -> None:
    with pytest.raises(GeekAIError, match="compressed response body cannot be decoded"):
        run(200, b"not gzip at all", {"content-encoding": "gzip"})  # type: ignore[operator]


@RUNNERS
@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress"])
def test_an_encoding_it_did_not_ask_for_is_refused(run: object, encoding: str) -> None:
    with pytest.raises(GeekAIError, match=f"encoded with '{encoding}', which the client did not ask for"):
        run(200, BODY, {"content-encoding": encoding})  # type: ignore[operator]


def test_only_encodings_it_can_bound_are_asked_for() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept-encoding"))
        return httpx.Response(200, json={"balance": 1})

    with GeekAIAdmin(SYSTEM_KEY, transport=httpx.MockTransport(handler)) as client:
        client.balance()
    with httpx.Client(transport=httpx.MockTransport(handler)) as http, GeekAIAdmin(SYSTEM_KEY, http_client=http) as c:
        c.balance()
    assert seen == ["gzip, deflate", "gzip, deflate"]


@RUNNERS
def test_a_streamed_body_of_declared_length_is_read_whole(run: object) -> None:
    assert run(200, BODY, {"content-length": str(len(BODY))}).coins == 42  # type: ignore[operator]


@RUNNERS
def test_a_declared_length_over_the_cap_is_refused_unread(run: object) -> None:
    with pytest.raises(APIResponseValidationError, match=f"larger than {MAX_BODY_BYTES} bytes"):
        run(200, BODY, {"content-length": str(MAX_BODY_BYTES + 1)})  # type: ignore[operator]


@RUNNERS
def test_an_undeclared_body_over_the_cap_is_refused(run: object) -> None:
    big = b'{"balance": 1, "pad": "' + b"x" * (MAX_BODY_BYTES + MIB) + b'"}'
    with pytest.raises(APIResponseValidationError, match="larger than"):
        run(200, big)  # type: ignore[operator]


@RUNNERS
def test_an_error_status_with_a_streamed_body_is_typed(run: object) -> None:
    with pytest.raises(InternalServerError, match="HTTP 500 \\[boom\\] down"):
        run(500, json.dumps({"code": "boom", "message": "down"}).encode())  # type: ignore[operator]


def test_a_body_already_in_memory_over_the_cap_is_refused() -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=big))
    with GeekAIAdmin(SYSTEM_KEY, transport=transport) as client, pytest.raises(APIResponseValidationError):
        client.balance()


def test_a_body_stream_of_the_wrong_kind_is_a_type_error_not_an_assert() -> None:
    response = httpx.Response(200, content=achunks(BODY))
    with pytest.raises(TypeError, match="expected a SyncByteStream body stream, the transport gave a"):
        stream_of(response, httpx.SyncByteStream)
    assert stream_of(response, httpx.AsyncByteStream) is response.stream
