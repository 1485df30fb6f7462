"""The fake API on a real socket: a small HTTP/1.1 keep-alive server on 127.0.0.1.

It runs its own asyncio loop in a daemon thread, so sync clients, async clients (on any loop,
over httpx's transport or the aiohttp one) and subprocesses all talk to it alike. Faults below
HTTP are real here: a reset (RST) before or after processing, a body cut short of its
Content-Length or by a close, an answer held past the client's timeout, a head (status line
and headers) or a body trickled a byte at a time, a 9 MiB body in pieces, a port that never
accepts. It counts connections: accepted, the peak at once, and the ones still open.

    with serve(fake) as server:
        GeekAIAdmin(SYSTEM_KEY, base_url=server.base_url)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any

from tests.support.fake_api.wire import head, large_body_parts
from tests.support.http_wire import read_request

if TYPE_CHECKING:
    from tests.support.fake_api.api import FakeAPI, Plan

__all__ = ["LoopbackServer", "refused_port", "serve", "unaccepted_port"]

_MAX_HEAD = 64 * 1024
_DRAIN_ABOVE = 64 * 1024
"""Wait for the client to read only once this much is buffered (drain() on every answer costs)."""


class LoopbackServer:
    """Serves `fake` on 127.0.0.1. start() binds a free port (or a given socket); stop() closes all."""

    def __init__(self, fake: FakeAPI) -> None:
        self.fake = fake
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-api", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing = 0
        """Connections given up whose sockets are not closed yet."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0
        self.connections_accepted = 0
        self.peak_connections = 0

    # --- life cycle (called from the test's thread) ---------------------------------------------

    def start(self, sock: socket.socket | None = None) -> LoopbackServer:
        """Serve on a free port of 127.0.0.1, or on `sock` (bound, not yet listening)."""
        self._thread.start()
        return self._listen(self._open(sock))

    def _open(self, sock: socket.socket | None = None) -> Coroutine[Any, Any, asyncio.Server]:
        if sock is None:
            return asyncio.start_server(self._handle, "127.0.0.1", 0, limit=_MAX_HEAD, backlog=1024)
        return asyncio.start_server(self._handle, sock=sock, limit=_MAX_HEAD, backlog=1024)

    def _listen(self, opening: Coroutine[Any, Any, asyncio.Server]) -> LoopbackServer:
        self._server = asyncio.run_coroutine_threadsafe(opening, self._loop).result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def base_url(self) -> str:
        """The API's root on this server, as a client's `base_url` (`.../api`)."""
        return f"http://127.0.0.1:{self.port}/api"

    async def _close_all(self) -> None:
        """Stop listening (the kernel resets connections still in the backlog) and drop every connection."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def fresh(self) -> LoopbackServer:
        """Drop every connection and listen on a new port: a request an earlier test left on its way
        (sent on a pooled connection, or waiting in the backlog) can no longer reach the fake."""

        async def reopen() -> asyncio.Server:
            await self._close_all()
            return await self._open()

        return self._listen(reopen())

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()

    def reset_counters(self) -> None:
        with self._lock:
            self.connections_accepted = 0
            self.peak_connections = len(self._writers)

    @property
    def open_connections(self) -> int:
        """Connections whose sockets are still open (live ones and those being closed)."""
        with self._lock:
            return len(self._writers) + self._closing

    # --- the wire -------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        with self._lock:
            self.connections_accepted += 1
            self._writers.add(writer)
            if task is not None:
                self._tasks.add(task)
            self.peak_connections = max(self.peak_connections, len(self._writers))
        try:
            while True:
                wire = await read_request(reader)
                if wire is None:
                    break
                plan = self.fake.handle(wire.method, wire.target, wire.headers, wire.body)
                if not await self._carry_out(plan, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # stop() or fresh(); raised on, Python 3.11's stream callback would log it as an error
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
                    if task is not None:
                        self._tasks.discard(task)

    @staticmethod
    def _reset(writer: asyncio.StreamWriter) -> None:
        """Close with RST (SO_LINGER 0): the client reads ECONNRESET, not a clean end."""
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _carry_out(self, plan: Plan, writer: asyncio.StreamWriter) -> bool:
        """Send the plan's answer or commit its fault; False when the connection is finished."""
        reply, action = plan.reply, plan.reply.action
        if action in ("reset_before", "reset_after", "raise"):
            self._reset(writer)
            return False
        if action == "drop":
            return False
        if action == "trickle":
            writer.write(head(plan.status, [*plan.headers, ("Content-Length", str(len(plan.body)))]))
            for at in range(len(plan.body)):
                await writer.drain()
                await asyncio.sleep(plan.delay)
                writer.write(plan.body[at : at + 1])
            await writer.drain()
            return True
        if action == "trickle_head":
            whole = head(plan.status, [*plan.headers, ("Content-Length", str(len(plan.body)))])
            for at in range(len(whole)):
                writer.write(whole[at : at + 1])
                await writer.drain()
                await asyncio.sleep(plan.delay)
            writer.write(plan.body)
            await writer.drain()
            return True
        if plan.delay:
            await asyncio.sleep(plan.delay)
        if action in ("truncate_length", "truncate_close"):
            headers = [*plan.headers, ("Connection", "close")]
            if action == "truncate_length":
                headers.append(("Content-Length", str(len(plan.body))))
            writer.write(head(plan.status, headers) + plan.body[: len(plan.body) // 2])
            await writer.drain()
            writer.close()
            return False
        if action in ("large_length", "large_chunked"):
            await self._send_pieces(writer, plan, large_body_parts(), chunked=action == "large_chunked")
            return True
        if reply.chunked:
            await self._send_pieces(writer, plan, _pieces(plan.body), chunked=True)
        else:
            given = {name.lower() for name, _ in plan.headers}
            length = [] if "content-length" in given else [("Content-Length", str(len(plan.body)))]
            writer.write(head(plan.status, [*plan.headers, *length]) + plan.body)
            if writer.transport.get_write_buffer_size() > _DRAIN_ABOVE:
                await writer.drain()
        return not reply.close

    @staticmethod
    async def _send_pieces(writer: asyncio.StreamWriter, plan: Plan, parts: Iterator[bytes], *, chunked: bool) -> None:
        pieces = list(parts)
        framing = [("Transfer-Encoding", "chunked")] if chunked else [("Content-Length", str(sum(map(len, pieces))))]
        writer.write(head(plan.status, [*plan.headers, *framing]))
        for piece in pieces:
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()


def _pieces(body: bytes, size: int = 1024 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@contextlib.contextmanager
def serve(fake: FakeAPI, sock: socket.socket | None = None) -> Iterator[LoopbackServer]:
    """Serve `fake` on 127.0.0.1 for the duration of the block."""
    server = LoopbackServer(fake).start(sock)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A port bound on 127.0.0.1 but not listening: every connection to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()


@contextlib.contextmanager
def unaccepted_port() -> Iterator[int]:
    """A port on 127.0.0.1 that listens and never accepts, its backlog already full: a connection
    to it waits for the handshake (or, once connected, for an answer) until the client gives up."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        filler.connect(("127.0.0.1", port))
        yield port
    finally:
        filler.close()
        listener.close()
