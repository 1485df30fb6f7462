"""Checks httpx requests and responses against the patched spec with openapi-core, in process.

The validator is independent of the code under test: openapi-core reads
generated/adminapi.patched.yaml itself and knows nothing of the overlay or the generated client.

    transport = validating_transport(handler)         # an httpx.MockTransport
    client = GeekAIAdmin("sk-test", base_url="https://geekai.test/api", transport=transport)

Every request the client sends through `transport` is validated (path, path parameters, query,
headers, security, JSON body) before `handler` sees it; a request the spec does not allow raises
ContractViolation (an AssertionError), which the client does not catch, so the test fails with
a message naming the operation and each violated rule.

The base URL does not matter: whatever precedes a path of the spec (`/api` of the real servers,
nothing for a bare host) is taken as the base, so unit tests may use any base_url.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

__all__ = [
    "PATCHED_SPEC",
    "ContractViolation",
    "SpecValidator",
    "spec_validator",
    "validating_transport",
]

ROOT = Path(__file__).resolve().parents[2]
PATCHED_SPEC = ROOT / "generated" / "adminapi.patched.yaml"
_HOST = "http://spec.invalid"
_MAX_SHOWN_BODY = 300

Handler = Callable[[httpx.Request], httpx.Response]
AsyncHandler = Callable[[httpx.Request], Awaitable[httpx.Response]]


class ContractViolation(AssertionError):
    """A request (or response) that the patched spec does not allow."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(f"{what} violates the spec:\n  " + "\n  ".join(problems))
        self.what = what
        self.problems = problems


class _Request:
    """openapi-core's Request protocol over an httpx.Request, with the base URL taken off."""

    def __init__(self, request: httpx.Request, path: str) -> None:
        self.host_url = _HOST
        self.path = path
        self.method = request.method.lower()
        self.body: bytes | None = request.read() or None
        self.content_type = request.headers.get("content-type", "")
        cookies: SimpleCookie = SimpleCookie(request.headers.get("cookie", ""))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict({name: morsel.value for name, morsel in cookies.items()}),
        )


class _Response:
    """openapi-core's Response protocol over an httpx.Response (its body already read)."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.multi_items()))
        self.data: bytes | None = response.content


def _describe(error: BaseException) -> list[str]:
    """One line per violated rule, from openapi-core's error and its causes."""
    lines = [f"{type(error).__name__}: {error}"]
    cause: BaseException | None = error.__cause__
    while cause is not None:
        schema_errors: Iterable[Any] = getattr(cause, "schema_errors", ()) or ()
        for schema_error in schema_errors:
            where = "/".join(str(part) for part in schema_error.absolute_path) or "(whole value)"
            lines.append(f"  at {where}: {schema_error.message}")
        cause = cause.__cause__
    return lines


def _shown_body(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= _MAX_SHOWN_BODY else text[:_MAX_SHOWN_BODY] + "..."


class SpecValidator:
    """Validates httpx requests and responses against one OpenAPI document (default: the patched spec)."""

    def __init__(self, spec: Path = PATCHED_SPEC) -> None:
        document = yaml.safe_load(spec.read_text(encoding="utf-8"))
        # Servers are configuration, not contract: requests are matched on the path after the base.
        document["servers"] = [{"url": _HOST}]
        self.spec = spec
        self.document: dict[str, Any] = document
        self._openapi = OpenAPI.from_dict(document)
        self._paths = [
            (template, re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"))
            for template in document.get("paths", {})
        ]

    def spec_path(self, request: httpx.Request) -> str:
        """The request's path without the client's base (e.g. /api/api_keys -> /api_keys)."""
        segments = request.url.path.split("/")[1:]
        for start in range(len(segments)):
            candidate = "/" + "/".join(segments[start:])
            if any(pattern.match(candidate) for _, pattern in self._paths):
                return candidate
        known = ", ".join(template for template, _ in self._paths)
        raise ContractViolation(
            f"{request.method} {request.url}", [f"no path of {self.spec.name} matches (known: {known})"]
        )

    def request_problems(self, request: httpx.Request) -> list[str]:
        """Every violation of the request; empty if the spec allows it."""
        adapted = _Request(request, self.spec_path(request))
        problems: list[str] = []
        for error in self._openapi.iter_request_errors(adapted):
            problems.extend(_describe(error))
        if problems and adapted.body:
            problems.append(f"request body: {_shown_body(adapted.body)}")
        return problems

    def validate_request(self, request: httpx.Request) -> None:
        """Raise ContractViolation unless the spec allows `request`."""
        problems = self.request_problems(request)
        if problems:
            raise ContractViolation(f"{request.method} {request.url}", problems)

    def response_problems(self, request: httpx.Request, response: httpx.Response) -> list[str]:
        """Every violation of the response (status, content type, headers, body) to `request`."""
        adapted = _Request(request, self.spec_path(request))
        problems: list[str] = []
        for error in self._openapi.iter_response_errors(adapted, _Response(response)):
            problems.extend(_describe(error))
        if problems:
            problems.append(f"response body: {_shown_body(response.content)}")
        return problems

    def validate_response(self, request: httpx.Request, response: httpx.Response) -> None:
        """Raise ContractViolation unless the spec allows `response` as the answer to `request`."""
        problems = self.response_problems(request, response)
        if problems:
            raise ContractViolation(f"HTTP {response.status_code} answer to {request.method} {request.url}", problems)


@functools.cache
def spec_validator(spec: Path = PATCHED_SPEC) -> SpecValidator:
    """A shared validator per document (loading and checking the spec takes a moment)."""
    return SpecValidator(spec)


def validating_transport(
    handler: Handler | AsyncHandler,
    *,
    validate_responses: bool = False,
    spec: Path = PATCHED_SPEC,
) -> httpx.MockTransport:
    """An httpx.MockTransport that validates each request against the spec, then calls `handler`.

    `handler` may be sync (for httpx.Client) or async (for httpx.AsyncClient), as with
    httpx.MockTransport. With `validate_responses`, the handler's answers are checked too (off by
    default: unit tests serve deliberately broken answers).
    """
    validator = spec_validator(spec)

    def checked(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if validate_responses:
            response.read()
            validator.validate_response(request, response)
        return response

    # A coroutine function, or an object whose __call__ is one.
    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__):
        async_handler: AsyncHandler = handler  # type: ignore[assignment]

        async def handle_async(request: httpx.Request) -> httpx.Response:
            validator.validate_request(request)
            return checked(request, await async_handler(request))

        return httpx.MockTransport(handle_async)

    sync_handler: Handler = handler  # type: ignore[assignment]

    def handle(request: httpx.Request) -> httpx.Response:
        validator.validate_request(request)
        return checked(request, sync_handler(request))

    return httpx.MockTransport(handle)
