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

import datetime
import gc
from decimal import Decimal
from typing import Any

import msgspec

from geekai_admin._inputs import MAX_AMOUNT, MAX_AMOUNT_PLACES, amount_in_bounds
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


_PLAIN_AND_SHORT = min(MAX_AMOUNT.adjusted(), MAX_AMOUNT_PLACES)
"""A number written in at most this many characters, without an exponent, has at most that many
digits: within MAX_AMOUNT and MAX_AMOUNT_PLACES, so amount_in_bounds need not be asked."""


def _bounded_decimal(text: str) -> Decimal:
    """The decoder's float_hook: Decimal(text), refused (ValueError: the general path then reads the
    body and names the field) beyond amount_in_bounds. Most amounts are decided by their length alone."""
    amount = Decimal(text)
    if (len(text) > _PLAIN_AND_SHORT or "e" in text or "E" in text) and not amount_in_bounds(amount):
        raise ValueError("an amount out of bounds")
    return amount


_DECODER = msgspec.json.Decoder(ListingRecord, float_hook=_bounded_decimal)
_read_date = datetime.date.fromisoformat
_read_moment = datetime.datetime.fromisoformat


class _NotCommon(Exception):
    """A value the general path must read (and perhaps refuse, naming the field)."""


class _Building(ApiKey):
    """An ApiKey while the reader fills it: the same slots, set as on any plain object.

    ApiKey is frozen: its __setattr__ (and __delattr__, which shares the type's one setattr slot)
    raise, so setting a field takes a call (object.__setattr__, or the slot's __set__). This class
    puts back object's own: each `key.field = value` is a direct slot store, a third or less of
    such a call. It adds no slot, so once filled the object becomes an ApiKey (`__class__`
    assignment, which Python allows between classes of the same layout) and no `_Building` is
    ever returned (tests/geekai_admin/test_key_listing.py checks the layout, that ApiKey has no
    __post_init__ to skip, and that the keys behave as any other ApiKey).
    """

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


_new_instance = object.__new__
_MAX_WHOLE = int(MAX_AMOUNT)
"""MAX_AMOUNT for an amount the decoder read as an int: compared without a call (amount_in_bounds's rule)."""


def _keys(records: list[KeyRecord]) -> list[ApiKey]:
    """The ApiKeys, exactly as the general path makes them from the same values.

    One loop, no call per key: at 10,000 keys a function call or a tuple per key shows.
    """
    keys: list[ApiKey] = []
    append, new, building, api_key = keys.append, _new_instance, _Building, ApiKey
    group_record, decimal, read_date, read_moment = KeyGroupRecord, Decimal, _read_date, _read_moment
    for record in records:
        uuid = record.uuid
        if not uuid:
            raise _NotCommon
        # An amount: an int stays an int, a number with a fraction or exponent is already
        # Decimal(its text) (the decoder's float_hook: always finite), anything else is not common.
        # An amount out of bounds is not common either: the general path refuses it, naming the field.
        limit = record.credit_limit
        if type(limit) is int:  # not a bool, which the general path refuses
            if not -_MAX_WHOLE <= limit <= _MAX_WHOLE:
                raise _NotCommon
            limit = decimal(limit) if limit else None  # the API's 0: no limit
        elif type(limit) is decimal:  # in bounds: the decoder's float_hook saw to it
            limit = limit or None
        elif limit is not None:
            raise _NotCommon
        used = record.credit_used
        if type(used) is int:
            if not -_MAX_WHOLE <= used <= _MAX_WHOLE:
                raise _NotCommon
            used = decimal(used)
        elif type(used) is not decimal and used is not None:
            raise _NotCommon
        group = record.group
        key: Any = new(building)
        key.uuid = uuid
        key.name = record.name
        key.value = record.value
        key.group = group.name if type(group) is group_record else None
        key.credit_limit = limit
        key.credit_used = used
        text = record.expired_at
        key.expires = read_date(text) if text else None
        key.expired = record.expired
        key.enabled = record.status
        text = record.last_used_at
        key.last_used_at = read_moment(text) if text else None
        text = record.created_at
        key.created_at = read_moment(text) if text else None
        key.extra = {}  # a field the spec does not declare takes the general path
        key.__class__ = api_key
        append(key)
    return keys


def _keys_without_collecting(records: list[KeyRecord]) -> list[ApiKey]:
    """`_keys`, with the cyclic garbage collector paused while they are made (if it was running).

    Every ApiKey is a tracked object, so a large listing sets off collections while it is built,
    and its keys, still held by the list, get promoted and traversed again and again: a sixth of
    keys.list() at 10,000 keys (CPU time, 44 ms against 37). Pausing loses nothing: the build
    makes no reference cycle (a key holds strings, numbers, dates and an empty dict), and the
    collector runs at the next allocation once resumed. It is resumed however the build ends.
    The switch is the process's: for these milliseconds another thread's collections wait too,
    and a thread that calls gc.disable() in that window sees it undone here.
    """
    if not gc.isenabled():
        return _keys(records)
    gc.disable()
    try:
        return _keys(records)
    finally:
        gc.enable()


def read_listing(content: bytes) -> list[ApiKey] | None:
    """The keys of a listing body of the common shape; None: read it with the general path."""
    try:
        records = _DECODER.decode(content).data
        return [] if records is None else _keys_without_collecting(records)
    except (msgspec.DecodeError, msgspec.ValidationError, _NotCommon, ValueError, RecursionError):
        # ValueError: invalid UTF-8, or a date or time Python does not read as it is.
        return None
