"""What the observed answers say, decided without I/O: each finding from raw bodies and statuses.

Every function takes what was seen and returns a verdict named in the report, plus, where a
verdict sums up several observations, the counts behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

from devtools.live.wire import NOT_JSON, Exchange

__all__ = [
    "KEY_OPERATIONS",
    "NOT_SEEN",
    "NOT_TESTED",
    "balance_shape",
    "empty_style",
    "error_shape",
    "error_shapes",
    "key_records",
    "put_omission",
    "update_mismatches",
]

NOT_SEEN: Final = "not_seen"
NOT_TESTED: Final = "not_tested"
KEY_OPERATIONS: Final = frozenset({"GET /api_keys", "GET /api_keys/{uuid}"})
"""The reads whose 200 answers carry key records."""
_ABSENT: Final = object()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def balance_shape(body: Any) -> str:
    """ "flat" ({"balance": n}), "wrapped" ({"data": {"balance": n}}), "other", or not_seen (no answer)."""
    if body is NOT_JSON or body is None:
        return NOT_SEEN if body is None else "other"
    if not isinstance(body, Mapping):
        return "other"
    flat = _is_number(body.get("balance"))
    data = body.get("data")
    wrapped = isinstance(data, Mapping) and _is_number(data.get("balance"))
    if flat == wrapped:  # neither, or both at once
        return "other"
    return "flat" if flat else "wrapped"


def key_records(exchanges: Iterable[Exchange]) -> list[Mapping[str, Any]]:
    """Every key record of the successful list and get answers, as sent."""
    records: list[Mapping[str, Any]] = []
    for exchange in exchanges:
        if exchange.operation not in KEY_OPERATIONS or exchange.status != 200:
            continue
        if not isinstance(exchange.body, Mapping):
            continue
        data = exchange.body.get("data")
        items = data if isinstance(data, list) else [data]
        records.extend(item for item in items if isinstance(item, Mapping))
    return records


def _empty_kind(record: Mapping[str, Any], field: str) -> str | None:
    """How the record writes "no value" in `field`; None if it has a value there."""
    value = record.get(field, _ABSENT)
    if value is _ABSENT:
        return "absent"
    if value is None:
        return "null"
    if value == "":
        return "empty_string"
    return None


def empty_style(records: Iterable[Mapping[str, Any]], field: str) -> tuple[str, dict[str, int]]:
    """How the records write an empty `field`: one style, "mixed", or not_seen; and the counts."""
    counts = Counter(kind for record in records if (kind := _empty_kind(record, field)) is not None)
    if not counts:
        return NOT_SEEN, {}
    verdict = next(iter(counts)) if len(counts) == 1 else "mixed"
    return verdict, dict(sorted(counts.items()))


def _same_amount(before: Any, after: Any) -> bool:
    return _is_number(before) and _is_number(after) and float(before) == float(after)


def _same_day(before: Any, after: Any) -> bool:
    """Whether two expiries name the same day ("2026-12-03" and "2026-12-03T00:00:00+08:00" do)."""
    return isinstance(before, str) and isinstance(after, str) and len(before) >= 10 and before[:10] == after[:10]


def _omitted_fate(field: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """ "kept", "reset" (to no limit / no expiry, however written) or "changed" (to something else)."""
    old, new = before.get(field, _ABSENT), after.get(field, _ABSENT)
    if field == "credit_limit":
        if _same_amount(old, new):
            return "kept"
        return "reset" if new in (_ABSENT, None, "") or (_is_number(new) and new == 0) else "changed"
    if _same_day(old, new) or (old == new and old is not _ABSENT):
        return "kept"
    return "reset" if new in (_ABSENT, None, "") else "changed"


def put_omission(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, put_status: int | None
) -> tuple[str, dict[str, Any]]:
    """What a PUT carrying only name and group did to the fields it left out.

    "kept" or "reset" when both omitted fields went the same way, "mixed" when one was kept and
    the other reset, "other" when one changed to a third value, "rejected" when the PUT was
    refused, not_tested when there was nothing to compare.
    """
    if put_status is not None and not 200 <= put_status < 300:
        return "rejected", {"put_status": put_status}
    if before is None or after is None or put_status is None:
        return NOT_TESTED, {}
    fates = {field: _omitted_fate(field, before, after) for field in ("credit_limit", "expired_at")}
    kinds = set(fates.values())
    if kinds == {"kept"}:
        verdict = "kept"
    elif kinds == {"reset"}:
        verdict = "reset"
    elif kinds == {"kept", "reset"}:
        verdict = "mixed"
    else:
        verdict = "other"
    shown = {field: {"before": before.get(field), "after": after.get(field)} for field in fates}
    return verdict, {"fields": fates, "values": shown}


def update_mismatches(sent: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """The fields of a full update that the key as read back does not show as sent."""
    wrong: list[str] = []
    for field, value in sent.items():
        shown = record.get(field, _ABSENT)
        if field == "group":
            shown = shown.get("name") if isinstance(shown, Mapping) else shown
        if field == "credit_limit":
            same = _same_amount(value, shown)
        elif field == "expired_at":
            same = _same_day(value, shown)
        else:
            same = shown == value
        if not same:
            wrong.append(field)
    return wrong


def error_shape(exchange: Exchange) -> str:
    """The shape of an error body: "code+message", "error{code+message}", "message", "html", "empty", ..."""
    body = exchange.body
    if body is NOT_JSON:
        text = exchange.text.strip()
        if not text:
            return "empty"
        return "html" if "html" in exchange.content_type or text.startswith("<") else "text"
    if not isinstance(body, Mapping):
        return f"json_{type(body).__name__}"
    error = body.get("error")
    if isinstance(error, Mapping):
        inner = "+".join(name for name in ("code", "message") if name in error) or "other"
        return f"error{{{inner}}}"
    if isinstance(error, str):
        return "error_string"
    named = "+".join(name for name in ("code", "message") if name in body)
    return named or "other"


def error_shapes(exchanges: Iterable[Exchange]) -> tuple[list[str], dict[str, list[int]]]:
    """The distinct shapes of every error answer, and the statuses each came with."""
    statuses: dict[str, set[int]] = {}
    for exchange in exchanges:
        if exchange.status >= 400:
            statuses.setdefault(error_shape(exchange), set()).add(exchange.status)
    return sorted(statuses), {shape: sorted(codes) for shape, codes in sorted(statuses.items())}
