"""Reading an HTTP/1.1 request off a socket, for the tests' own loopback servers."""

from __future__ import annotations

import asyncio
from typing import NamedTuple


class WireRequest(NamedTuple):
    method: str
    target: str
    headers: dict[str, str]
    """Names in lower case."""
    body: bytes


async def read_request(reader: asyncio.StreamReader) -> WireRequest | None:
    """The next request on the connection, or None once the client has closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return WireRequest(method, target, headers, body)
