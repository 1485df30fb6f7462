"""Choosing keys: the rules for "expired", "expiring", "near the limit" and "unused", filters, sorting.

Pure functions over ApiKey values, no I/O. The report, the threshold check and the command's
selectors all judge a key with the predicates here, so each rule is written once.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
from collections.abc import Callable, Iterable
from decimal import Decimal, getcontext, localcontext
from typing import Any

from geekai_admin._constants import SORT_ORDERS, SortOrder
from geekai_admin._exceptions import InvalidInputError
from geekai_admin._inputs import check_days
from geekai_admin._models import ApiKey

__all__ = [
    "SORT_ORDERS",
    "KeyFilter",
    "SortOrder",
    "is_expired",
    "is_expiring",
    "is_near_limit",
    "is_unused",
    "key_label",
    "resolve_today",
    "select_keys",
    "sort_keys",
    "usage_percent",
]

# --- argument checks ---------------------------------------------------------------------------


def resolve_today(today: object) -> datetime.date:
    """The day the date rules count from: `today` if given, else the local date."""
    if today is None:
        return datetime.date.today()
    if isinstance(today, datetime.datetime) or not isinstance(today, datetime.date):
        raise InvalidInputError("today", f"expected a datetime.date, got {type(today).__name__}")
    return today


# --- the rules ---------------------------------------------------------------------------------


def is_expired(key: ApiKey, today: datetime.date) -> bool:
    """The server says so, or the expiry date is before today (a key is valid on its expiry date)."""
    return key.expired is True or (key.expires is not None and key.expires < today)


def is_expiring(key: ApiKey, today: datetime.date, within_days: int) -> bool:
    """Not expired, and its expiry date is at most `within_days` days from today."""
    if key.expires is None or is_expired(key, today):
        return False
    return key.expires <= today + datetime.timedelta(days=within_days)


def is_near_limit(key: ApiKey, percent: Decimal) -> bool:
    """A key with a limit that has used at least `percent` % of it (exact: no division, no float)."""
    if key.credit_limit is None or key.credit_used is None:
        return False
    return _times(key.credit_used, Decimal(100)) >= _times(percent, key.credit_limit)


def _times(a: Decimal, b: Decimal) -> Decimal:
    """a * b, exactly: with enough digits for the product (the default context keeps 28 and rounds)."""
    digits = len(a.as_tuple().digits) + len(b.as_tuple().digits)
    with localcontext(prec=max(digits, getcontext().prec)):
        return a * b


def usage_percent(key: ApiKey) -> Decimal | None:
    """credit_used / credit_limit * 100, for messages; None for a key without a limit."""
    if key.credit_limit is None or key.credit_used is None:
        return None
    return key.credit_used * 100 / key.credit_limit


def key_label(key: ApiKey) -> str:
    """How a message names a key: its uuid, and its name when known."""
    return f"key {key.uuid}" if key.name is None else f"key {key.uuid} ({key.name!r})"


def is_unused(key: ApiKey) -> bool:
    """Never used: the server reports no last use."""
    return key.last_used_at is None


# --- filters -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class KeyFilter:
    """Which keys to select: every criterion given must hold (AND). With none given, every key.

    `match` is a glob on the key name (`fnmatch.fnmatchcase`: case-sensitive; `*`, `?`, `[...]`);
    `in_group` a group name; `expired`, `unused` select only such keys when True (False: no
    criterion); `expiring_within` selects keys that expire within that many days, not yet expired.
    """

    match: str | None = None
    in_group: str | None = None
    expired: bool = False
    expiring_within: int | None = None
    unused: bool = False

    def __post_init__(self) -> None:
        for field in ("match", "in_group"):
            value = getattr(self, field)
            if value is not None and not isinstance(value, str):
                raise InvalidInputError(field, f"expected a string, got {type(value).__name__}")
        for field in ("expired", "unused"):
            if not isinstance(getattr(self, field), bool):
                raise InvalidInputError(field, f"expected True or False, got {getattr(self, field)!r}")
        if self.expiring_within is not None:
            check_days(self.expiring_within, "expiring_within")

    @property
    def empty(self) -> bool:
        """No criterion given: the filter selects every key."""
        return self == KeyFilter()

    def matches(self, key: ApiKey, *, today: datetime.date) -> bool:
        if self.match is not None and (key.name is None or not fnmatch.fnmatchcase(key.name, self.match)):
            return False
        if self.in_group is not None and key.group != self.in_group:
            return False
        if self.expired and not is_expired(key, today):
            return False
        if self.expiring_within is not None and not is_expiring(key, today, self.expiring_within):
            return False
        return not (self.unused and not is_unused(key))


def select_keys(keys: Iterable[ApiKey], key_filter: KeyFilter, *, today: datetime.date | None = None) -> list[ApiKey]:
    """The keys `key_filter` matches, in their given order; dates count from `today` (default: local date)."""
    day = resolve_today(today)
    return [key for key in keys if key_filter.matches(key, today=day)]


# --- sorting -----------------------------------------------------------------------------------


def _moment(value: datetime.datetime | None) -> datetime.datetime | None:
    # A time without a zone (the server sent a bare date) sorts as UTC, beside the zoned ones.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


_SORT_VALUES: dict[str, Callable[[ApiKey], Any]] = {
    "name": lambda key: key.name,
    "created": lambda key: _moment(key.created_at),
    "last-used": lambda key: _moment(key.last_used_at),
    "credit-used": lambda key: key.credit_used,
    "expires": lambda key: key.expires,
}


def sort_keys(keys: Iterable[ApiKey], by: SortOrder) -> list[ApiKey]:
    """The keys in ascending order of `by`; keys without that value last; ties keep their order."""
    value = _SORT_VALUES.get(by) if isinstance(by, str) else None
    if value is None:
        raise InvalidInputError("sort", f"must be one of {', '.join(SORT_ORDERS)}; got {by!r}")
    listed = list(keys)
    known = [key for key in listed if value(key) is not None]
    unknown = [key for key in listed if value(key) is None]
    return sorted(known, key=value) + unknown
