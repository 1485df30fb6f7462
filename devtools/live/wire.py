"""The transport every request of a live run goes through, from both clients: the one place that
counts requests against the budget, records each answer, and validates it against both documents.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

from devtools.live.budget import RequestBudget
from devtools.live.scrub import Scrubber
from devtools.openapi_validation import ContractViolation, SpecValidator
from geekai_admin._transport._body import _INFLATED_ENCODINGS, _PLAIN_ENCODINGS, MAX_BODY_BYTES, _Inflater, _TooLarge
from geekai_admin._transport._retry import parse_retry_after

__all__ = ["NOT_JSON", "Exchange", "ObservingTransport", "SpecViolation"]

_INDEX = re.compile(r"/[0-9]+(?=/|$)")
NOT_JSON: Final = object()
"""Exchange.body of an answer that is not JSON (or is empty)."""


@dataclasses.dataclass(frozen=True, slots=True)
class SpecViolation:
    operation: str
    status: int
    where: str
    spec: str
    """"patched" (generated/adminapi.patched.yaml) or "upstream" (adminapi.yaml)."""
    message: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer, as far as the findings need them (never a header, never the request body)."""

    operation: str
    """"METHOD /template", e.g. "GET /api_keys/{uuid}"."""
    status: int
    body: Any
    """The decoded JSON body (numbers with a fraction as float), or NOT_JSON."""
    text: str
    """The body as text (for answers that are not JSON)."""
    content_type: str
    retry_after: float | None


def _decoded(raw: bytes, encoding: str) -> bytes | None:
    """The body before compression, inflated within MAX_BODY_BYTES as the client does; None if it cannot be had."""
    if encoding in _PLAIN_ENCODINGS:
        return raw
    if encoding not in _INFLATED_ENCODINGS:
        return None
    inflater = _Inflater(encoding)
    try:
        return inflater.feed(raw) + inflater.flush()
    except (_TooLarge, httpx.DecodingError):
        return None


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return NOT_JSON


class ObservingTransport(httpx.BaseTransport):
    """Wraps the real transport. Each request: spend one of the budget, send, read the body
    (at most MAX_BODY_BYTES), record it, validate it; the client then gets the same answer.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        budget: RequestBudget,
        validators: Mapping[str, SpecValidator],
        scrubber: Scrubber,
    ) -> None:
        self._inner = inner
        self.budget = budget
        self._validators = validators
        self._scrubber = scrubber
        self.exchanges: list[Exchange] = []
        self._closed = False
        self._first: dict[SpecViolation, SpecViolation] = {}
        self._counts: dict[SpecViolation, int] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.budget.spend()
        response = self._inner.handle_request(request)
        try:
            raw = self._read(response)
        finally:
            response.close()
        # As a stream, not content=: httpx would decode the body at once, without a bound, and
        # the client is to read it as it reads any answer (its own capped inflater included).
        answer = httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(raw), extensions=response.extensions
        )
        self._observe(request, answer, raw)
        return answer

    @staticmethod
    def _read(response: httpx.Response) -> bytes:
        """The raw body (still compressed, if it is), up to just past MAX_BODY_BYTES."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.stream:  # type: ignore[union-attr]
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:  # the client refuses it: no need to read on
                break
        return b"".join(chunks)

    def _observe(self, request: httpx.Request, answer: httpx.Response, raw: bytes) -> None:
        encoding = answer.headers.get("content-encoding", "").strip().lower()
        content = _decoded(raw, encoding)
        body = NOT_JSON if content is None else _json(content)
        self._scrubber.learn(body)
        operation = self._operation(request)
        self.exchanges.append(
            Exchange(
                operation=operation,
                status=answer.status_code,
                body=body,
                text=(content or b"").decode("utf-8", errors="replace"),
                content_type=answer.headers.get("content-type", ""),
                retry_after=parse_retry_after(answer.headers),
            )
        )
        if content is None:
            return
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-encoding", "content-length")}
        plain = httpx.Response(answer.status_code, headers=headers, content=content, request=request)
        for spec, validator in self._validators.items():
            try:
                found = validator.response_violations(request, plain)
            except ContractViolation as exc:  # a path the document does not have at all
                found_lines = [(f"({spec} paths)", problem) for problem in exc.problems]
            else:
                found_lines = [(v.where, v.message) for v in found]
            for where, message in found_lines:
                self._record(SpecViolation(operation, answer.status_code, where, spec, message))

    def _record(self, violation: SpecViolation) -> None:
        """Keep the first of each kind; the same rule broken by the next item of a list is counted."""
        kind = dataclasses.replace(violation, where=_INDEX.sub("/*", "/" + violation.where))
        if kind in self._counts:
            self._counts[kind] += 1
        else:
            self._counts[kind] = 1
            self._first[kind] = violation

    @property
    def violations(self) -> list[dict[str, Any]]:
        """Each kind of violation seen: the first occurrence, and how many times it occurred."""
        return [{**self._first[kind].to_dict(), "count": count} for kind, count in self._counts.items()]

    def _operation(self, request: httpx.Request) -> str:
        for validator in self._validators.values():
            try:
                return validator.operation(request)
            except ContractViolation:
                continue
        return f"{request.method} {request.url.path}"

    def close(self) -> None:
        """Close the real transport once, whichever of the clients sharing it closes first."""
        if not self._closed:
            self._closed = True
            self._inner.close()
