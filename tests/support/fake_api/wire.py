"""The bytes of the fake's answers, shared by both adapters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from http import HTTPStatus

from tests.support.fake_api.faults import LARGE_BODY_BYTES

__all__ = ["head", "large_body_parts", "reason"]


_REASONS = {status.value: status.phrase for status in HTTPStatus}


def reason(status: int) -> str:
    return _REASONS.get(status, "Status")


def head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason(status)}", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def large_body_parts(piece: int = 256 * 1024) -> Iterator[bytes]:
    """LARGE_BODY_BYTES of valid JSON, in pieces: the client must refuse it for its size alone."""
    opening, closing = b'{"data": [], "padding": "', b'"}'
    filler = LARGE_BODY_BYTES - len(opening) - len(closing)
    yield opening
    for start in range(0, filler, piece):
        yield b"x" * min(piece, filler - start)
    yield closing
