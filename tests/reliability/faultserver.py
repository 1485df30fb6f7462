"""A fault-injecting fake of the GeekAI admin API, on real sockets, on 127.0.0.1.

Why a small asyncio server and not pytest-httpserver: the faults live below HTTP. A reset
(RST) before or after the request is processed, a body cut short of its Content-Length, a body
cut short by a close, a response held past the client's timeout, a 9 MiB body sent in chunks,
and a count of the connections still open all need the socket itself, which a WSGI server
does not hand out. This one is a small HTTP/1.1 keep-alive server that runs its own
event loop in a daemon thread, so sync and async clients talk to it alike.

State: a fake key store (create, list, get, update, delete, balance), every secret it ever
issued, and counters of what reached it (requests per method and route, connections). Each
request takes the next `Reply` scripted for its route, else is answered normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import socket
import struct
import threading
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from tests.support.http_wire import read_request

__all__ = [
    "BALANCE_COINS",
    "LARGE_BODY_BYTES",
    "SEEDED_KEYS",
    "SYSTEM_KEY",
    "FaultServer",
    "Reply",
    "Request",
    "refused_port",
]

SYSTEM_KEY: Final = "sk-system-" + secrets.token_hex(20)
"""The system key the fake accepts; no test output may ever show it."""
LARGE_BODY_BYTES: Final = 9 * 1024 * 1024
"""A body above the client's 8 MiB cap."""
SEEDED_KEYS: Final = 2
BALANCE_COINS: Final = 123456
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server does with one request.

    action: "ok" (process, answer), "status" (answer `status`/`body` without processing),
    "reset_before" (RST without processing), "reset_after" (process, then RST: the answer is
    lost), "truncate_length" (process, send half the body under the full Content-Length, close),
    "truncate_close" (process, send half the body delimited by the close), "slow" (process,
    answer after `slow_seconds`), "body" (process, answer `status`/`body` instead),
    "drop_field" (process, answer without the field of `data` named by `body`),
    "large_length" / "large_chunked" (process, answer LARGE_BODY_BYTES of JSON).
    """

    action: str = "ok"
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    route: str
    headers: dict[str, str]
    body: bytes


def _route(path: str) -> str:
    """The path without the /api prefix, a key's UUID replaced by {uuid}."""
    path = path.split("?", 1)[0]
    path = path.removeprefix("/api")
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "api_keys":
        return "/api_keys/{uuid}"
    return path


def _reason(status: int) -> str:
    return {
        200: "OK",
        401: "Unauthorized",
        404: "Not Found",
        422: "Unprocessable Entity",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(status, "Status")


def _head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_reason(status)}", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, _json({"code": code, "message": message})


class FaultServer:
    """The fake API. start() binds 127.0.0.1 on a free port; stop() closes every connection."""

    def __init__(self, *, slow_seconds: float = 1.5, seed: int = 6) -> None:
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-server", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = 0
        """Connections given up whose sockets are not closed yet."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._random = random.Random(seed)
        self.port = 0
        self.issued_secrets: list[str] = []
        """Every secret the server ever handed out (kept across reset(), for the secret scan)."""
        self.reset()

    # --- life cycle (called from the test thread) ----------------------------------------------

    def start(self, sock: socket.socket | None = None) -> FaultServer:
        """Serve on a free port of 127.0.0.1, or on `sock` (bound, not yet listening)."""
        self._thread.start()
        opening = (
            asyncio.start_server(self._handle, "127.0.0.1", 0, limit=_MAX_HEAD)
            if sock is None
            else asyncio.start_server(self._handle, sock=sock, limit=_MAX_HEAD)
        )
        server = asyncio.run_coroutine_threadsafe(opening, self._loop).result(timeout=10)
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def reset(self, *, seeded: int = SEEDED_KEYS) -> list[str]:
        """Empty the store (then seed it), the counters and the scripts; returns the seeded UUIDs."""
        with self._lock:
            self.keys: dict[str, dict[str, Any]] = {}
            self.received: Counter[tuple[str, str]] = Counter()
            self.connections_accepted = 0
            self.peak_connections = 0
            self.created = 0
            self._scripts: dict[tuple[str, str], deque[Reply]] = {}
            self._random_fault: tuple[float, Reply] | None = None
            self.injected = 0
        return [self._create_key({"name": f"seed-{n}", "group": "balance"})["uuid"] for n in range(seeded)]

    # --- scripting and counters ----------------------------------------------------------------

    def inject(self, method: str, route: str, replies: Iterable[Reply]) -> None:
        """The next requests to (method, route) get these replies, in order; then normal answers."""
        with self._lock:
            self._scripts.setdefault((method, route), deque()).extend(replies)

    def inject_randomly(self, rate: float, reply: Reply) -> None:
        """Every request gets `reply` with probability `rate` (seeded: the same run each time)."""
        with self._lock:
            self._random_fault = (rate, reply)

    def count(self, method: str | None = None, route: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (m, r), n in self.received.items()
                if (method is None or m == method) and (route is None or r == route)
            )

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._writers) + self._closing

    def has_key(self, key_uuid: str) -> bool:
        with self._lock:
            return key_uuid in self.keys

    def key(self, key_uuid: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.keys[key_uuid])

    def secret_of(self, key_uuid: str) -> str:
        with self._lock:
            return str(self.keys[key_uuid]["raw_value"])

    def _next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.received[(request.method, request.route)] += 1
            script = self._scripts.get((request.method, request.route))
            if script:
                self.injected += 1
                return script.popleft()
            if self._random_fault is not None and self._random.random() < self._random_fault[0]:
                self.injected += 1
                return self._random_fault[1]
        return Reply()

    # --- the fake API ----------------------------------------------------------------------------

    def _create_key(self, fields: dict[str, Any]) -> dict[str, Any]:
        secret = "sk-" + secrets.token_urlsafe(32)
        key = {
            "uuid": str(uuid.uuid4()),
            "name": fields["name"],
            "value": f"{secret[:6]}{'*' * 20}{secret[-4:]}",
            "group": {"name": fields["group"], "alias": fields["group"], "desc": "fake"},
            "credit_limit": fields.get("credit_limit", 0),
            "credit_used": 0,
            "expired": False,
            "status": True,
            "expired_at": fields.get("expired_at", ""),
            "last_used_at": "",
            "created_at": "2026-01-15T10:00:00+08:00",
            "raw_value": secret,
        }
        with self._lock:
            self.keys[key["uuid"]] = key
            self.issued_secrets.append(secret)
            self.created += 1
        return key

    @staticmethod
    def _public(key: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in key.items() if name != "raw_value"}

    def _process(self, request: Request) -> tuple[int, bytes]:
        """Apply the request to the store; the status and JSON body of the normal answer."""
        if request.headers.get("authorization") != f"Bearer {SYSTEM_KEY}":
            return _error(401, "unauthorized", "invalid system key")
        route, method = request.route, request.method
        key_uuid = request.path.split("?", 1)[0].rsplit("/", 1)[-1]
        if (method, route) == ("GET", "/credit/balance"):
            return 200, _json({"balance": BALANCE_COINS})
        if (method, route) == ("GET", "/api_keys"):
            with self._lock:
                listed = [self._public(k) for k in self.keys.values()]
            return 200, _json({"data": listed})
        if (method, route) == ("POST", "/api_keys"):
            try:
                fields = json.loads(request.body)
                assert isinstance(fields, dict)
                assert isinstance(fields["name"], str)
                assert fields["group"] in ("lowcost", "balance", "ha", "none")
            except (ValueError, KeyError, AssertionError):
                return _error(422, "invalid", "invalid key fields")
            return 200, _json({"data": self._create_key(fields), "message": "created"})
        if route == "/api_keys/{uuid}":
            with self._lock:
                key = self.keys.get(key_uuid)
                if key is None:
                    return _error(404, "not_found", "no such key")
                if method == "GET":
                    return 200, _json({"data": self._public(key)})
                if method == "DELETE":
                    del self.keys[key_uuid]
                    return 200, _json({"message": "deleted"})
                if method == "PUT":
                    fields = json.loads(request.body)
                    key.update(
                        name=fields["name"],
                        group={"name": fields["group"], "alias": fields["group"], "desc": "fake"},
                        credit_limit=fields["credit_limit"],
                        expired_at=fields["expired_at"],
                    )
                    return 200, _json({"message": "updated"})
        return _error(404, "not_found", f"no route {method} {request.path}")

    # --- the wire --------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        with self._lock:
            self.connections_accepted += 1
            self._writers.add(writer)
            self._tasks.add(task)
            self.peak_connections = max(self.peak_connections, len(self._writers))
        try:
            while True:
                request = await self._read(reader)
                if request is None or not await self._exchange(request, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.transport.abort()
            with self._lock:
                self._writers.discard(writer)  # no longer a live connection (peak_connections)
                self._closing += 1
            # abort() closes the socket on a later loop pass: wait for it, so a connection leaves
            # open_connections only once its file descriptor is really gone.
            try:
                with contextlib.suppress(Exception):
                    await writer.wait_closed()
            finally:
                with self._lock:
                    self._closing -= 1
                    self._tasks.discard(task)

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Request | None:
        wire = await read_request(reader)
        if wire is None:
            return None
        return Request(wire.method, wire.target, _route(wire.target), wire.headers, wire.body)

    @staticmethod
    def _reset(writer: asyncio.StreamWriter) -> None:
        """Close with RST (SO_LINGER 0): the client reads ECONNRESET, not a clean end."""
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, status: int, body: bytes, reply: Reply | None = None) -> None:
        content_type = reply.content_type if reply else "application/json"
        extra = reply.headers if reply else ()
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
        writer.write(_head(status, headers) + body)
        await writer.drain()

    async def _exchange(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Answer one request as scripted; False when the connection is finished."""
        reply = self._next_reply(request)
        action = reply.action
        if action == "status":
            await self._send(writer, reply.status, reply.body, reply)
            return True
        if action == "reset_before":
            self._reset(writer)
            return False
        status, body = self._process(request)
        if action == "ok":
            await self._send(writer, status, body)
            return True
        if action == "reset_after":
            self._reset(writer)
            return False
        if action in ("truncate_length", "truncate_close"):
            headers = [("Content-Type", "application/json"), ("Connection", "close")]
            if action == "truncate_length":
                headers.append(("Content-Length", str(len(body))))
            writer.write(_head(status, headers) + body[: len(body) // 2])
            await writer.drain()
            writer.close()
            return False
        if action == "slow":
            await asyncio.sleep(self.slow_seconds)
            await self._send(writer, status, body)
            return True
        if action == "body":
            await self._send(writer, reply.status, reply.body, reply)
            return True
        if action == "drop_field":
            payload = json.loads(body)
            payload["data"].pop(reply.body.decode(), None)
            await self._send(writer, status, _json(payload))
            return True
        if action in ("large_length", "large_chunked"):
            await self._send_large(writer, chunked=action == "large_chunked")
            return True
        raise AssertionError(f"unknown action {action!r}")

    @staticmethod
    async def _send_large(writer: asyncio.StreamWriter, *, chunked: bool) -> None:
        """LARGE_BODY_BYTES of valid JSON: the client must refuse it for its size alone."""
        opening, closing = b'{"data": [], "padding": "', b'"}'
        piece = 256 * 1024
        total = LARGE_BODY_BYTES
        filler = total - len(opening) - len(closing)
        parts = [opening] + [b"x" * min(piece, filler - i) for i in range(0, filler, piece)] + [closing]
        framing = [("Transfer-Encoding", "chunked")] if chunked else [("Content-Length", str(total))]
        writer.write(_head(200, [("Content-Type", "application/json"), *framing]))
        for part in parts:
            writer.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A port bound on 127.0.0.1 but not listening: every connection to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()
