"""Response mapping: bodies into models, error statuses into exceptions.

Generated models do the field-by-field parsing; this module turns what they leave loose
(values that may be "", null or absent, numbers, untyped dicts) into typed results, and turns
anything that does not fit into APIResponseValidationError, never a bare KeyError or TypeError.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from geekai_admin._config import SystemKey
from geekai_admin._exceptions import APIResponseValidationError, APIStatusError, status_error_class
from geekai_admin._models import ApiKey, CreatedKey
from geekai_admin_api.models.api_key import ApiKey as GeneratedApiKey
from geekai_admin_api.models.api_key_created import ApiKeyCreated as GeneratedApiKeyCreated
from geekai_admin_api.types import SECRET_FIELDS, Unset

__all__ = [
    "Fields",
    "api_key",
    "created_key",
    "from_generated",
    "json_body",
    "request_id",
    "status_error",
]

T = TypeVar("T")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-trace-id")
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_EXCESS_FRACTION = re.compile(r"(\.\d{6})\d+")
_MAX_MESSAGE = 200
_MAX_SHOWN_VALUE = 60


def request_id(response: httpx.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        if name in response.headers:
            return response.headers[name]
    return None


def _decode(response: httpx.Response) -> Any:
    """The JSON body, numbers with a fraction as Decimal (money stays exact); ValueError if none."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except RecursionError:  # nested deeper than the parser can follow: not an answer of this API
        raise ValueError("JSON nested too deeply") from None


def json_body(response: httpx.Response, what: str, *, empty_ok: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or APIResponseValidationError saying what was wrong."""
    if empty_ok and not response.content.strip():
        return {}
    try:
        body = _decode(response)
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise APIResponseValidationError(
            f"{what}: HTTP {response.status_code} response is not JSON ({kind}, {len(response.content)} bytes)",
            response=response,
        ) from None
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            f"{what}: expected a JSON object, got {type(body).__name__}", response=response
        )
    return body


def from_generated(
    parse: Callable[[dict[str, Any]], T], body: dict[str, Any], response: httpx.Response, what: str
) -> T:
    """Run a generated model's from_dict, turning its loose failures into one documented error."""
    try:
        return parse(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise APIResponseValidationError(f"{what}: unexpected response shape ({exc})", response=response) from None


class Fields:
    """Converts loose generated values, naming the field and the response in every error."""

    def __init__(self, response: httpx.Response, what: str) -> None:
        self.response = response
        self.what = what

    def fail(self, field: str, value: Any, expected: str) -> APIResponseValidationError:
        # Shown whole or not at all: a shortened value could end partway through the system key,
        # where redaction no longer finds it.
        shown = repr(value)
        if len(shown) > _MAX_SHOWN_VALUE:
            shown = f"a {type(value).__name__} too long to show ({len(shown)} characters)"
        return APIResponseValidationError(
            f"{self.what}: field {field!r} should be {expected}, got {shown}", response=self.response
        )

    # Each converter tests first for the value the generated model already parsed into the right
    # type (the common case, on the hot path), then for absence, then refuses anything else.

    def text(self, field: str, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, Unset) or value is None:
            return None
        raise self.fail(field, value, "a string")

    def flag(self, field: str, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, Unset) or value is None:
            return None
        raise self.fail(field, value, "a boolean")

    def amount(self, field: str, value: Any) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            if isinstance(value, Unset) or value is None:
                return None
            raise self.fail(field, value, "a number")
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not amount.is_finite():
            raise self.fail(field, value, "a finite number")
        return amount

    def date(self, field: str, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value.date() if isinstance(value, datetime.datetime) else value
        if isinstance(value, Unset) or value is None or value == "":
            return None
        moment = self.moment(field, value)
        return None if moment is None else moment.date()

    def moment(self, field: str, value: Any) -> datetime.datetime | None:
        if isinstance(value, datetime.datetime):
            return value
        if isinstance(value, Unset) or value is None or value == "":
            return None
        if isinstance(value, datetime.date):
            return datetime.datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            # RFC 3339 allows more than the six fraction digits Python reads, and a lower-case z.
            normal = _EXCESS_FRACTION.sub(r"\1", value.strip()).replace("z", "Z").replace("t", "T")
            try:
                return datetime.datetime.fromisoformat(normal)
            except ValueError:
                pass
        raise self.fail(field, value, "an ISO 8601 date or date-time, or empty")


def api_key_fields(
    model: GeneratedApiKey | GeneratedApiKeyCreated, response: httpx.Response, what: str
) -> dict[str, Any]:
    """The keyword arguments of an ApiKey, from a generated model."""
    fields = Fields(response, what)
    key_uuid = fields.text("uuid", model.uuid)
    if not key_uuid:
        raise APIResponseValidationError(f"{what}: the key has no uuid", response=response)
    group: str | None = None
    if not isinstance(model.group, Unset):
        group = fields.text("group.name", model.group.name)
    limit = fields.amount("credit_limit", model.credit_limit)
    return {
        "uuid": key_uuid,
        "name": fields.text("name", model.name),
        "value": fields.text("value", model.value),
        "group": group,
        "credit_limit": None if limit == 0 else limit,
        "credit_used": fields.amount("credit_used", model.credit_used),
        "expires": fields.date("expired_at", model.expired_at),
        "expired": fields.flag("expired", model.expired),
        "enabled": fields.flag("status", model.status),
        "last_used_at": fields.moment("last_used_at", model.last_used_at),
        "created_at": fields.moment("created_at", model.created_at),
        # A full secret belongs in CreatedKey.secret only: never kept where repr() would show it.
        "extra": {k: v for k, v in model.additional_properties.items() if k not in SECRET_FIELDS},
    }


def api_key(model: GeneratedApiKey, response: httpx.Response, what: str) -> ApiKey:
    return ApiKey(**api_key_fields(model, response, what))


def created_key(model: GeneratedApiKeyCreated, response: httpx.Response, what: str) -> CreatedKey:
    fields = api_key_fields(model, response, what)
    secret = model.raw_value
    if isinstance(secret, Unset) or not isinstance(secret, str) or not secret:
        raise APIResponseValidationError(
            f"{what}: key {fields['uuid']} was created, but the response carries no secret (raw_value)",
            response=response,
            secret_in_body=True,
        )
    return CreatedKey(**fields, secret=secret)


def _error_text(response: httpx.Response, body: Any, key: SystemKey) -> tuple[str | None, str]:
    """(code, message) from either documented error shape, or from whatever a proxy sent.

    Text is scrubbed of the system key before it is shortened, so no part of the key survives.
    """
    if isinstance(body, dict):
        source = body["error"] if isinstance(body.get("error"), dict) else body
        code = source.get("code")
        message = source.get("message")
        if message is None and isinstance(body.get("error"), str):
            message = body["error"]
        return (
            None if code is None else str(code),
            str(message) if message is not None else response.reason_phrase or "error",
        )
    text = key.redact(response.text).strip()
    if not text:
        return None, response.reason_phrase or "error"
    title = _HTML_TITLE.search(text)
    if title:
        return None, " ".join(title.group(1).split())[:_MAX_MESSAGE]
    kind = response.headers.get("content-type", "")
    if "html" in kind or text.startswith("<"):
        return None, f"{response.reason_phrase or 'error'} (HTML body)"
    return None, " ".join(text.split())[:_MAX_MESSAGE]


def _redacted(key: SystemKey, text: str | None) -> str | None:
    return None if text is None else key.redact(text)


def status_error(response: httpx.Response, key: SystemKey) -> APIStatusError:
    """The exception for an error response. Server text is scrubbed of the system key."""
    try:
        body: Any = _decode(response)
    except ValueError:
        body = None
    code, message = _error_text(response, body, key)
    cls = status_error_class(response.status_code)
    return cls(
        key.redact(message),
        response=response,
        code=None if code is None else key.redact(code),
        request_id=_redacted(key, request_id(response)),
    )
