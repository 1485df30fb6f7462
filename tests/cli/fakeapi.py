"""A small in-memory GeekAI admin API for the command's tests, served two ways.

`FakeAdmin.handle` implements the six operations over a dict of keys, checks the bearer key and
records every request. `mock_transport()` serves it in-process (httpx.MockTransport);
`serving()` on a loopback socket (http.server in a thread), for the installed command.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx

SYSTEM_KEY = "sk-sys-CLItest-4f2a9c1e7b3d5a8f"
"""The fake's system key; tests assert it never appears in any output."""
KNOWN_UUID = "123e4567-e89b-12d3-a456-426614174000"
_KEY_PATH = re.compile(r"/api_keys(?:/([^/]+))?$")


class Recorded:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"Recorded({self.method} {self.path})"


def key_record(key_uuid: str, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "uuid": key_uuid,
        "name": name,
        "value": "sk-Ab3x****************Yz9Q",
        "group": {"name": "balance", "alias": "均衡"},
        "credit_limit": 10000,
        "credit_used": 1234.5,
        "expired": False,
        "status": True,
        "expired_at": "2026-12-31",
        "last_used_at": "2026-11-20T08:30:00+08:00",
        "created_at": "2026-01-15T10:00:00+08:00",
        **fields,
    }


class FakeAdmin:
    """State and behaviour of the fake API. `override` forces one answer: (status, body, headers)."""

    def __init__(self) -> None:
        self.system_key = SYSTEM_KEY
        self.balance: Any = 123456.78
        self.keys: dict[str, dict[str, Any]] = {KNOWN_UUID: key_record(KNOWN_UUID, "ci-pipeline")}
        self.requests: list[Recorded] = []
        self.override: tuple[int, Any, dict[str, str]] | None = None
        self.created_secrets: list[str] = []
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(Recorded(method, path, headers, body))
            if self.override is not None:
                return self.override
            if headers.get("authorization") != f"Bearer {self.system_key}":
                return 401, {"code": "unauthorized", "message": "Invalid API key or token"}, {}
            if path.endswith("/credit/balance") and method == "GET":
                return 200, {"balance": self.balance}, {}
            match = _KEY_PATH.search(path)
            if match is None:
                return 404, {"code": "not_found", "message": "no such endpoint"}, {}
            return self._keys(method, match.group(1), json.loads(body) if body else None)

    def _keys(self, method: str, key_uuid: str | None, body: Any) -> tuple[int, Any, dict[str, str]]:
        if key_uuid is None and method == "GET":
            return 200, {"data": list(self.keys.values())}, {}
        if key_uuid is None and method == "POST":
            new_uuid = str(uuid.uuid4())
            secret = f"sk-NEW-{uuid.uuid4().hex}"
            self.created_secrets.append(secret)
            record = key_record(
                new_uuid,
                body["name"],
                group={"name": body["group"]},
                credit_limit=body["credit_limit"],
                credit_used=0,
                expired_at=body["expired_at"],
                last_used_at="",
            )
            self.keys[new_uuid] = record
            return 200, {"data": {**record, "raw_value": secret}, "message": "success"}, {}
        if key_uuid not in self.keys:
            return 404, {"code": "not_found", "message": "API key not found"}, {}
        if method == "GET":
            return 200, {"data": self.keys[key_uuid]}, {}
        if method == "PUT":
            record = self.keys[key_uuid]
            record.update(name=body["name"], group={"name": body["group"]}, credit_limit=body["credit_limit"])
            record["expired_at"] = body["expired_at"]
            return 200, {"message": "success"}, {}
        del self.keys[key_uuid]
        return 200, {"message": "success"}, {}

    # --- serving --------------------------------------------------------------------------------

    def _respond(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        status, document, extra = self.handle(method, path, headers, body)
        content = document if isinstance(document, bytes) else json.dumps(document).encode()
        return status, content, {"Content-Type": "application/json", **extra}

    def mock_transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            headers = {name.lower(): value for name, value in request.headers.items()}
            status, content, extra = self._respond(request.method, request.url.path, headers, request.read())
            return httpx.Response(status, content=content, headers=extra)

        return httpx.MockTransport(handler)

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        """Serve on 127.0.0.1 (a free port); yield the base URL."""
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, content, extra = fake._respond(self.command, self.path, headers, body)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/api"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
