"""What the patched spec allows a request to send: the methods of each path and each request body.

The fake refuses what the spec forbids, as the real API is expected to: a method a path does not
declare, and a body its operation's request schema does not admit (checked with jsonschema,
formats included, so "0000-00-00" is no date). The schemas are read from the patched spec, never
restated here.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Final

# No stubs: types-jsonschema would make mypy see openapi-core's Config differently (devtools).
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.support.fake_api.records import patched_document

__all__ = ["allowed_methods", "body_problem"]

_SPEC_URI: Final = "urn:geekai-admin:patched-spec"
_HTTP_METHODS: Final = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def allowed_methods(route: str) -> tuple[str, ...]:
    """The methods the patched spec declares on `route` ("/api_keys", ...), upper case, sorted."""
    item = patched_document()["paths"].get(route, {})
    return tuple(sorted(name.upper() for name in item if name in _HTTP_METHODS))


@functools.cache
def _validator(method: str, route: str) -> Draft202012Validator | None:
    """The validator of the JSON request body of one operation; None if it declares no body."""
    operation = patched_document()["paths"][route][method.lower()]
    body = operation.get("requestBody")
    if body is None:
        return None
    registry: Registry[Any] = Registry().with_resource(_SPEC_URI, DRAFT202012.create_resource(patched_document()))
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = {"$ref": _SPEC_URI + schema["$ref"]}
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def body_problem(method: str, route: str, body: bytes) -> str | None:
    """Why the spec refuses `body` for this operation (one sentence naming the field), or None."""
    validator = _validator(method, route)
    if validator is None:
        return None
    if not body:
        return "the request body is required"
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return "the request body is not JSON"
    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "the request body"
    return f"{where}: {error.message}"
