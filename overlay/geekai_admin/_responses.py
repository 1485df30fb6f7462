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
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from geekai_admin._config import SystemKey
from geekai_admin._exceptions import APIResponseValidationError, APIStatusError, status_error_class
from geekai_admin._inputs import AMOUNT_BOUNDS, amount_in_bounds
from geekai_admin._models import ApiKey, CreatedKey

if TYPE_CHECKING:
    from geekai_admin_api.models.api_key import ApiKey as GeneratedApiKey
    from geekai_admin_api.models.api_key_created import ApiKeyCreated as GeneratedApiKeyCreated

__all__ = [
    "MAX_MESSAGE",
    "MAX_NESTING",
    "Fields",
    "api_key",
    "created_key",
    "from_generated",
    "json_body",
    "labelled",
    "nests_deeper_than",
    "request_id",
    "shortened",
    "status_error",
]

T = TypeVar("T")
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-trace-id")
_HTML_TITLE = r"(?is)<title[^>]*>(.*?)</title>"
"""Compiled on first use (an error answer), as the patterns of _inputs are."""
_EXCESS_FRACTION = re.compile(r"(\.\d{6})\d+")
MAX_MESSAGE = 200
"""The most characters of a server's text an error shows; the rest is counted, not shown."""
MAX_NESTING = 32
"""How deeply a value the API does not declare (a key's `extra` field, an error's message) may
nest lists and objects: deeper, every recursive step that meets it (repr, to_dict, JSON output)
could hit Python's recursion limit."""
_MAX_SHOWN_VALUE = 60


def labelled(what: str, text: str) -> str:
    """A message about part of an answer: `text`, after `what` (e.g. "listing item 3") when there is one.

    The answer as a whole has no label: the caller knows which call it made, and the command
    names it once, itself.
    """
    return f"{what}: {text}" if what else text


def shortened(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text`, cut after `limit` characters with a note of how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters not shown)"


def nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests lists or dicts more than `limit` levels deep (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _shown_name(name: str) -> str:
    return repr(name) if len(name) <= _MAX_SHOWN_VALUE else f"with a name of {len(name)} characters"


def request_id(response: httpx.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        if name in response.headers:
            return response.headers[name]
    return None


_DECODER = json.JSONDecoder(parse_float=Decimal)
"""json.loads(..., parse_float=Decimal) builds this decoder anew on each call: built once here."""


def _decode(response: httpx.Response) -> Any:
    """The JSON body, numbers with a fraction as Decimal (money stays exact); ValueError if none."""
    content = response.content
    try:
        # What json.loads does with bytes: their UTF-8, -16 or -32 detected, then decoded.
        return _DECODER.decode(content.decode(json.detect_encoding(content), "surrogatepass"))
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
            labelled(what, f"HTTP {response.status_code} response is not JSON ({kind}, {len(response.content)} bytes)"),
            response=response,
        ) from None
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            labelled(what, f"expected a JSON object, got {type(body).__name__}"), response=response
        )
    return body


def from_generated(
    parse: Callable[[dict[str, Any]], T], body: dict[str, Any], response: httpx.Response, what: str
) -> T:
    """Run a generated model's from_dict, turning its loose failures into one documented error."""
    try:
        return parse(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise APIResponseValidationError(
            labelled(what, f"unexpected response shape ({shortened(str(exc))})"), response=response
        ) from None


def _absent(value: object) -> bool:
    """None, or the generated models' UNSET: a field the body left out."""
    # Imported here: the transport imports this module, and the generated package (with attrs) is
    # loaded when an operation is first used, not at start-up.
    from geekai_admin_api.types import Unset  # noqa: PLC0415  # lazy: start-up time

    return value is None or isinstance(value, Unset)


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
            labelled(self.what, f"field {field!r} should be {expected}, got {shown}"), response=self.response
        )

    # Each converter tests first for the value the generated model already parsed into the right
    # type (the common case, on the hot path), then for absence, then refuses anything else.

    def text(self, field: str, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if _absent(value):
            return None
        raise self.fail(field, value, "a string")

    def flag(self, field: str, value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        if _absent(value):
            return None
        raise self.fail(field, value, "a boolean")

    def amount(self, field: str, value: Any) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            if _absent(value):
                return None
            raise self.fail(field, value, "a number")
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not amount_in_bounds(amount):
            raise self.fail(field, value, AMOUNT_BOUNDS)
        return amount

    def date(self, field: str, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value.date() if isinstance(value, datetime.datetime) else value
        if _absent(value) or value == "":
            return None
        moment = self.moment(field, value)
        return None if moment is None else moment.date()

    def moment(self, field: str, value: Any) -> datetime.datetime | None:
        if isinstance(value, datetime.datetime):
            return value
        if _absent(value) or value == "":
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
    from geekai_admin_api.types import Unset  # noqa: PLC0415  # lazy: start-up time

    fields = Fields(response, what)
    key_uuid = fields.text("uuid", model.uuid)
    if not key_uuid:
        raise APIResponseValidationError(labelled(what, "the key has no uuid"), response=response)
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
        "extra": _extra(model.additional_properties, response, what),
    }


def _extra(undeclared: dict[str, Any], response: httpx.Response, what: str) -> dict[str, Any]:
    """The fields the spec does not declare, but never a secret, nor one nested past MAX_NESTING."""
    from geekai_admin_api.types import SECRET_FIELDS  # noqa: PLC0415  # lazy: start-up time

    # A full secret belongs in CreatedKey.secret only: never kept where repr() would show it.
    extra = {k: v for k, v in undeclared.items() if k not in SECRET_FIELDS}
    for name, value in extra.items():
        if nests_deeper_than(value, MAX_NESTING):
            raise APIResponseValidationError(
                labelled(what, f"field {_shown_name(name)} nests lists or objects more than {MAX_NESTING} levels deep"),
                response=response,
            )
    return extra


def api_key(model: GeneratedApiKey, response: httpx.Response, what: str) -> ApiKey:
    return ApiKey(**api_key_fields(model, response, what))


def created_key(model: GeneratedApiKeyCreated, response: httpx.Response, what: str) -> CreatedKey:
    fields = api_key_fields(model, response, what)
    secret = model.raw_value
    if not isinstance(secret, str) or not secret:  # UNSET too
        raise APIResponseValidationError(
            labelled(what, f"key {fields['uuid']} was created, but the response carries no secret (raw_value)"),
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
            None if code is None else _text_of(code),
            _text_of(message) if message is not None else response.reason_phrase or "error",
        )
    text = key.redact(response.text).strip()
    if not text:
        return None, response.reason_phrase or "error"
    title = re.search(_HTML_TITLE, text)
    if title:
        return None, " ".join(title.group(1).split())
    kind = response.headers.get("content-type", "")
    if "html" in kind or text.startswith("<"):
        return None, f"{response.reason_phrase or 'error'} (HTML body)"
    return None, " ".join(text.split())


def _text_of(value: Any) -> str:
    """A JSON value of an error body as text; one nested too deeply to print is described instead."""
    if nests_deeper_than(value, MAX_NESTING):
        return f"(a JSON {type(value).__name__} nested more than {MAX_NESTING} levels deep)"
    return str(value)


def _redacted(key: SystemKey, text: str | None, limit: int = MAX_MESSAGE) -> str | None:
    """Server text scrubbed of the system key, then shortened: no part of the key survives a cut."""
    return None if text is None else shortened(key.redact(text), limit)


def status_error(response: httpx.Response, key: SystemKey) -> APIStatusError:
    """The exception for an error response. Server text is scrubbed of the system key."""
    try:
        body: Any = _decode(response)
    except ValueError:
        body = None
    code, message = _error_text(response, body, key)
    cls = status_error_class(response.status_code)
    return cls(
        shortened(key.redact(message)),
        response=response,
        code=_redacted(key, code, _MAX_SHOWN_VALUE),
        request_id=_redacted(key, request_id(response), _MAX_SHOWN_VALUE),
    )
