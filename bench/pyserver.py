"""The fallback benchmark server: a small asyncio HTTP/1.1 keep-alive server on loopback.

Used when nginx is not installed, and for the latency case when nginx's echo module
(libnginx-mod-http-echo, which provides echo_sleep) is not. It answers the admin API's
routes with the static bodies of bench.fixtures, each after `--delay` seconds, and the key
lists of larger accounts under bench.fixtures.account_path().

    python -m bench.pyserver --port 8123 [--delay 0.02]

It serves until it is terminated (the benchmark stops it); a line "ready" on stdout says it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bench.fixtures import ACCOUNT_SIZES, BALANCE_BODY, DETAIL_BODY, LIST_BODY, MESSAGE_BODY, account_path, list_body

__all__ = ["answer", "main"]

_MAX_HEAD = 64 * 1024
_ACCOUNT_LISTS = {f"{account_path(n)}/api_keys".encode(): list_body(n) for n in ACCOUNT_SIZES}


def answer(method: bytes, path: bytes) -> tuple[int, bytes]:
    """The status and body for a request line's method and path."""
    route = path.split(b"?", 1)[0]
    if route == b"/api/credit/balance" and method == b"GET":
        return 200, BALANCE_BODY
    if route == b"/api/api_keys":
        return 200, LIST_BODY
    if route in _ACCOUNT_LISTS and method == b"GET":
        return 200, _ACCOUNT_LISTS[route]
    if route.startswith(b"/api/api_keys/"):
        return 200, DETAIL_BODY if method == b"GET" else MESSAGE_BODY
    return 404, b'{"code":"not_found","message":"no such route"}'


def _response(status: int, body: bytes) -> bytes:
    reason = b"OK" if status == 200 else b"Not Found"
    head = (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n"
        % (status, reason, len(body))
    )
    return head + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection: requests parsed from the buffer, answered in order."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue()
        self.writer = asyncio.get_running_loop().create_task(self._write())

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD and self.transport is not None:
                    self.transport.close()
                return
            head = self.buffer[:end].split(b"\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            parts = head[0].split(b" ")
            self.queue.put_nowait(answer(parts[0], parts[1] if len(parts) > 1 else b"/"))

    async def _write(self) -> None:
        while (item := await self.queue.get()) is not None:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.transport is None or self.transport.is_closing():
                return
            self.transport.write(_response(*item))


async def _serve(host: str, port: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(delay), host, port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("the benchmark server listens on loopback only")
    asyncio.run(_serve(args.host, args.port, args.delay))


if __name__ == "__main__":
    main()
