"""What the fake API can do instead of answering normally: one vocabulary for every suite.

A `Reply` is injected into the fake (`FakeAPI.inject`); each adapter carries it out as close to
the wire as it can. On the loopback server every action is real (a TCP reset, a body cut short,
a held answer). On `httpx.MockTransport`, which has no socket, the socket-level actions become
the exception httpx raises for them (`ReadError` for a reset, `RemoteProtocolError` for a body
shorter than its length or a close without an answer, `ReadTimeout` for a held answer).

`FAULTS` names the 20 faults of the reliability matrix; any suite may inject them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import httpx

__all__ = ["ACTIONS", "FAULTS", "LARGE_BODY_BYTES", "Action", "Reply", "status"]

LARGE_BODY_BYTES: Final = 9 * 1024 * 1024
"""The size of the large_* answers: above the client's 8 MiB cap."""

Action = Literal[
    "ok",
    "status",
    "body",
    "drop_field",
    "reset_before",
    "reset_after",
    "drop",
    "raise",
    "truncate_length",
    "truncate_close",
    "slow",
    "trickle",
    "trickle_head",
    "large_length",
    "large_chunked",
]
ACTIONS: Final[frozenset[str]] = frozenset(Action.__args__)  # type: ignore[attr-defined]
PROCESSED: Final = frozenset(ACTIONS - {"status", "reset_before", "drop", "raise"})
"""Actions that apply the request to the store first (the server did the work)."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the fake does with one request.

    action:
      "ok" (process and answer normally), "status" (answer `status`/`body`, nothing processed),
      "body" (process, then answer `status`/`body` instead), "drop_field" (process, answer without
      the field of `data` named by `body`), "reset_before" (TCP reset, nothing processed),
      "reset_after" (process, then reset: the answer is lost), "drop" (close without answering,
      nothing processed), "raise" (MockTransport: raise `error`; on a socket: a reset, nothing
      processed), "truncate_length" (process, send half the body under its full Content-Length,
      close), "truncate_close" (process, send half the body delimited by the close), "slow"
      (process, answer after `delay` seconds, default the fake's `slow_seconds`), "trickle" (process,
      send the head at once, then the body one byte every `delay` seconds, default half a second:
      each read is quick, the whole is not; MockTransport: ReadTimeout), "trickle_head" (process,
      send the status line and headers one byte every `delay` seconds, default half a second,
      then the body at once: the client waits for the head, read by read; MockTransport: ReadTimeout),
      "large_length" / "large_chunked" (process, answer LARGE_BODY_BYTES of valid JSON).
    Wire modifiers for answers that are sent: `delay` (seconds before answering), `chunked`
    (chunked transfer encoding), `close` (close the connection after the answer). A header given
    in `headers` replaces the fake's own of that name (e.g. a false Content-Length);
    `content_type=None` sends no Content-Type at all.
    """

    action: Action = "ok"
    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float | None = None
    chunked: bool = False
    close: bool = False
    error: BaseException | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fake API action {self.action!r}; one of {sorted(ACTIONS)}")
        if self.action == "raise" and self.error is None:
            raise ValueError('Reply("raise") needs an error to raise')

    @property
    def processes(self) -> bool:
        """Whether the fake applies the request to its store before acting."""
        return self.action in PROCESSED

    @classmethod
    def json(cls, payload: Any = None, status: int = 200, *, process: bool = False, **wire: Any) -> Reply:
        """Answer `payload` as JSON (`{}` by default) with `status`; `process=True` applies the request first."""
        body = json.dumps({} if payload is None else payload, ensure_ascii=False).encode()
        return cls("body" if process else "status", status=status, body=body, **wire)

    @classmethod
    def raw(cls, body: bytes, status: int = 200, **wire: Any) -> Reply:
        """Answer these exact bytes, nothing processed."""
        return cls("status", status=status, body=body, **wire)

    @classmethod
    def from_response(cls, response: httpx.Response) -> Reply:
        """Answer what `response` holds (status, headers, body as given), nothing processed."""
        return cls(
            "status",
            status=response.status_code,
            body=response.content,
            content_type=None,
            headers=tuple(response.headers.multi_items()),
        )

    @classmethod
    def raising(cls, error: BaseException) -> Reply:
        """MockTransport raises `error` (e.g. httpx.ConnectError); the loopback server resets."""
        return cls("raise", error=error)


def status(code: int, body: bytes = b"", content_type: str | None = "application/json", **headers: str) -> Reply:
    """Answer `code` without processing; header names use `_` for `-` (`Retry_After="0"`)."""
    pairs = tuple((name.replace("_", "-"), value) for name, value in headers.items())
    return Reply("status", status=code, body=body, content_type=content_type, headers=pairs)


_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
S500: Final = status(500, b'{"code": "server_error", "message": "internal error"}')
S502: Final = status(502, b'{"code": "bad_gateway", "message": "upstream failed"}')
S503: Final = status(503, b"", Retry_After="0")
S504: Final = status(504, b"upstream timed out", "text/plain")
HTML_502: Final = status(502, _HTML_502, "text/html")

FAULTS: Final[Mapping[str, tuple[Reply, ...]]] = {
    "429_retry_after": (status(429, Retry_After="0"),),
    "429_retry_after_ms": (status(429, retry_after_ms="5"),) * 2,
    "429_retry_after_too_long": (status(429, Retry_After="3600"),),
    "503_burst": (S503, S503),
    "503_over_budget": (S503, S503, S503),
    "500_502_burst": (S500, S502),
    "504_503_500_over_budget": (S504, S503, S500),
    "html_502_page": (HTML_502,),
    "html_502_page_persistent": (HTML_502,) * 3,
    "reset_before_response": (Reply("reset_before"),),
    "reset_after_processing": (Reply("reset_after"),),
    "truncated_json_content_length": (Reply("truncate_length"),),
    "truncated_json_at_close": (Reply("truncate_close"),),
    "slower_than_timeout": (Reply("slow"),),
    "200_not_json": (Reply("body", body=b"<html><body>OK</body></html>", content_type="text/html"),),
    "200_json_array": (Reply("body", body=b'["unexpected"]'),),
    "200_wrong_shape_object": (Reply("body", body=b'{"data": {"unexpected": true}}'),),
    "large_body_content_length": (Reply("large_length"),),
    "large_body_chunked": (Reply("large_chunked"),),
    "connection_refused": (),
}
"""The reliability matrix's faults, by name: the replies the faulted route gives, in order.

`connection_refused` has none: nothing listens (see `refused_port`), so nothing is answered.
"""
