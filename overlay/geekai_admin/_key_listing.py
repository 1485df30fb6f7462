"""A key listing read in one pass: the body straight into typed records (msgspec), then ApiKeys.

The general path (`_responses`: json.loads, the generated models, then `Fields`) reads every
body the API may send and names the field that does not fit; per key it costs about five times
what json.loads does. This one reads only the listing's common shape: fields the spec declares
and no other, each of its JSON type (or null), dates Python reads as they are. For anything else
`read_listing` returns None and the caller takes the general path, which gives the result or the
error it always gave. So the two never disagree about a body: where this one answers, it answers
what the general path would (tests/geekai_admin/test_key_listing.py checks both on the same
bodies, and that the records' fields are the patched spec's).

Every record forbids fields it does not declare: msgspec skips an undeclared value without
reading it (invalid UTF-8, a 5,000-digit number), where json.loads refuses the whole body.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

import msgspec

from geekai_admin._inputs import amount_in_bounds
from geekai_admin._models import ApiKey

__all__ = ["KeyGroupRecord", "KeyRecord", "ListingRecord", "read_listing"]


# gc=False: a record holds only what the decoder made of the JSON text, which cannot form a cycle.
class KeyGroupRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A key's `group` object. The general path takes any `alias` and `desc`; this one, strings."""

    name: str | None = None
    alias: str | None = None
    desc: str | None = None


class KeyRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A key as listed, under its wire names. The general path keeps an undeclared field in
    `extra` (or drops it, if it is a secret)."""

    uuid: str | None = None
    name: str | None = None
    value: str | None = None
    group: KeyGroupRecord | msgspec.UnsetType = msgspec.UNSET
    # Any: an int stays an int, a number with a fraction or exponent becomes Decimal(its text),
    # exactly as json.loads(parse_float=Decimal) reads it; anything else refuses the body below.
    credit_limit: Any = None
    credit_used: Any = None
    expired: bool | None = None
    status: bool | None = None
    expired_at: str | None = None
    last_used_at: str | None = None
    created_at: str | None = None


class ListingRecord(msgspec.Struct, forbid_unknown_fields=True):
    """The listing's envelope."""

    data: list[KeyRecord] | None = None


_DECODER = msgspec.json.Decoder(ListingRecord, float_hook=Decimal)
_read_date = datetime.date.fromisoformat
_read_moment = datetime.datetime.fromisoformat


class _NotCommon(Exception):
    """A value the general path must read (and perhaps refuse, naming the field)."""


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):  # the decoder's float_hook, from a JSON number: always finite
        amount = value
    elif type(value) is int:  # not a bool, which the general path refuses
        amount = Decimal(value)
    elif value is None:
        return None
    else:
        raise _NotCommon
    if not amount_in_bounds(amount):  # the general path refuses it, naming the field
        raise _NotCommon
    return amount


_new_instance = object.__new__
_SETTERS = tuple(getattr(ApiKey, field.name).__set__ for field in dataclasses.fields(ApiKey))
"""Each ApiKey field's slot setter, in field order. Setting the slots directly, as copy and pickle
do, costs a third of what the frozen dataclass's __init__ does (object.__setattr__ per field);
ApiKey has no __post_init__ to skip (tests/geekai_admin/test_key_listing.py checks)."""


def _key(record: KeyRecord) -> ApiKey:
    if not record.uuid:
        raise _NotCommon
    group, limit = record.group, _amount(record.credit_limit)
    expires, last_used, created = record.expired_at, record.last_used_at, record.created_at
    values: tuple[object, ...] = (
        record.uuid,
        record.name,
        record.value,
        group.name if isinstance(group, KeyGroupRecord) else None,
        None if limit == 0 else limit,
        _amount(record.credit_used),
        _read_date(expires) if expires else None,
        record.expired,
        record.status,  # enabled
        _read_moment(last_used) if last_used else None,
        _read_moment(created) if created else None,
        {},  # extra: a field the spec does not declare takes the general path
    )
    key = _new_instance(ApiKey)
    for set_field, value in zip(_SETTERS, values, strict=True):
        set_field(key, value)
    return key


def read_listing(content: bytes) -> list[ApiKey] | None:
    """The keys of a listing body of the common shape; None: read it with the general path."""
    try:
        records = _DECODER.decode(content).data
        return [] if records is None else [_key(record) for record in records]
    except (msgspec.DecodeError, msgspec.ValidationError, _NotCommon, ValueError, RecursionError):
        # ValueError: invalid UTF-8, or a date or time Python does not read as it is.
        return None
