"""Checks httpx requests and responses against an OpenAPI document with openapi-core, in process.

The one validator of the project: the tests (tests/support/openapi_validation.py wraps it in a
validating transport) and the live conformance run (devtools/live) both use it. It is
independent of the code under test: openapi-core reads the document itself and knows nothing of
the overlay or the generated client.

The base URL does not matter: whatever precedes a path of the spec (`/api` of the real servers,
nothing for a bare host) is taken as the base, so any base_url works.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from devtools.prism import PATCHED_SPEC, ROOT

__all__ = [
    "PATCHED_SPEC",
    "UPSTREAM_SPEC",
    "ContractViolation",
    "SpecValidator",
    "Violation",
    "spec_validator",
]

UPSTREAM_SPEC = ROOT / "adminapi.yaml"
_HOST = "http://spec.invalid"
_MAX_SHOWN_BODY = 300


class ContractViolation(AssertionError):
    """A request (or response) that the document does not allow."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(f"{what} violates the spec:\n  " + "\n  ".join(problems))
        self.what = what
        self.problems = problems


@dataclasses.dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where in the message ("data/0/expired_at", or "(status)" and the like) and why."""

    where: str
    message: str


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


def _schema_errors(error: BaseException) -> list[Violation]:
    """The broken schema rules that openapi-core's error carries in its causes."""
    found: list[Violation] = []
    cause: BaseException | None = error.__cause__
    while cause is not None:
        schema_errors: Iterable[Any] = getattr(cause, "schema_errors", ()) or ()
        for schema_error in schema_errors:
            where = "/".join(str(part) for part in schema_error.absolute_path) or "(whole value)"
            found.append(Violation(where, schema_error.message))
        cause = cause.__cause__
    return found


def _violations(error: BaseException) -> list[Violation]:
    """One Violation per broken rule of the error: its schema errors, else the error itself."""
    return _schema_errors(error) or [Violation(f"({type(error).__name__})", str(error))]


def _describe(error: BaseException) -> list[str]:
    """One line for the error, then one per violated schema rule."""
    return [f"{type(error).__name__}: {error}"] + [f"  at {v.where}: {v.message}" for v in _schema_errors(error)]


def _shown_body(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= _MAX_SHOWN_BODY else text[:_MAX_SHOWN_BODY] + "..."


class SpecValidator:
    """Validates httpx requests and responses against one OpenAPI document (default: the patched spec).

    `check_document=False` skips openapi-core's check of the document itself: upstream's
    adminapi.yaml fails it (a path parameter without a template), yet what it promises about
    each answer can still be checked.
    """

    def __init__(self, spec: Path = PATCHED_SPEC, *, check_document: bool = True) -> None:
        document = yaml.safe_load(spec.read_text(encoding="utf-8"))
        # Servers are configuration, not contract: requests are matched on the path after the base.
        document["servers"] = [{"url": _HOST}]
        self.spec = spec
        self.document: dict[str, Any] = document
        config = Config() if check_document else Config(spec_validator_cls=None)
        self._openapi = OpenAPI.from_dict(document, config=config)
        self._paths = [
            (template, re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"))
            for template in document.get("paths", {})
        ]

    def _match(self, request: httpx.Request) -> tuple[str, str]:
        """(the path without the client's base, the path template it matches)."""
        segments = request.url.path.split("/")[1:]
        for start in range(len(segments)):
            candidate = "/" + "/".join(segments[start:])
            for template, pattern in self._paths:
                if pattern.match(candidate):
                    return candidate, template
        known = ", ".join(template for template, _ in self._paths)
        raise ContractViolation(
            f"{request.method} {request.url}", [f"no path of {self.spec.name} matches (known: {known})"]
        )

    def spec_path(self, request: httpx.Request) -> str:
        """The request's path without the client's base (e.g. /api/api_keys -> /api_keys)."""
        return self._match(request)[0]

    def operation(self, request: httpx.Request) -> str:
        """The operation the request is for, as "METHOD /template" (e.g. "GET /api_keys/{uuid}")."""
        return f"{request.method} {self._match(request)[1]}"

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

    def _response_errors(self, request: httpx.Request, response: httpx.Response) -> Iterable[BaseException]:
        adapted = _Request(request, self.spec_path(request))
        return self._openapi.iter_response_errors(adapted, _Response(response))

    def response_violations(self, request: httpx.Request, response: httpx.Response) -> list[Violation]:
        """Every broken rule of the response to `request`, where it is and why; no body is quoted whole."""
        return [found for error in self._response_errors(request, response) for found in _violations(error)]

    def response_problems(self, request: httpx.Request, response: httpx.Response) -> list[str]:
        """Every violation of the response (status, content type, headers, body) to `request`."""
        problems = [line for error in self._response_errors(request, response) for line in _describe(error)]
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
    """A shared validator per document (loading and checking the spec takes a moment).

    Upstream's document is loaded without openapi-core's check of the document (see SpecValidator).
    """
    return SpecValidator(spec, check_document=spec.resolve() != UPSTREAM_SPEC.resolve())
