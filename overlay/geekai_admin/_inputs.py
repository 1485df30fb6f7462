"""Validation of caller input: everything is checked before a request is built."""

from __future__ import annotations

import datetime
import math
import re
import uuid as uuid_module
from decimal import Decimal, InvalidOperation
from typing import Any

from geekai_admin._constants import Group
from geekai_admin._exceptions import InvalidInputError

__all__ = [
    "AMOUNT_BOUNDS",
    "MAX_AMOUNT",
    "MAX_AMOUNT_PLACES",
    "MAX_CREDIT_LIMIT",
    "MAX_NAME_LENGTH",
    "amount_in_bounds",
    "check_credit_limit",
    "check_expires",
    "check_group",
    "check_name",
    "check_uuid",
]

MAX_NAME_LENGTH = 255
MAX_CREDIT_LIMIT = Decimal(10) ** 12  # coins: ten billion yuan, far above any real limit
MAX_AMOUNT = Decimal(10) ** 15
"""Coins: the largest amount, either sign, the client accepts from the API (a balance, a credit
limit, credit used): ten trillion yuan, a thousand times MAX_CREDIT_LIMIT. Beyond it a number is
not one the API could mean, and printing or dividing it could cost without bound."""
MAX_AMOUNT_PLACES = 20
"""The most decimal places of a coin an amount from the API may have (the same reason)."""
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Control characters, line/paragraph separators and bidirectional overrides: invisible or misleading.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _amount(amount: Decimal) -> str:
    """An amount for a message: as written when short, else in scientific notation (no 5,000-digit echo)."""
    text = str(amount)
    return text if len(text) <= 40 else f"{amount:.6E}"


def amount_in_bounds(amount: Decimal) -> bool:
    """The one rule for amounts read from the API: finite, at most MAX_AMOUNT coins either way, at
    most MAX_AMOUNT_PLACES decimal places. Exact: no arithmetic, so 1E+100000000 cannot overflow."""
    if not amount.is_finite() or amount.adjusted() > MAX_AMOUNT.adjusted() or amount.copy_abs() > MAX_AMOUNT:
        return False
    exponent = amount.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -MAX_AMOUNT_PLACES


AMOUNT_BOUNDS = (
    f"a finite number of coins within ±10^{MAX_AMOUNT.adjusted()}, with at most {MAX_AMOUNT_PLACES} decimal places"
)
"""How `amount_in_bounds` reads in a message."""


def check_uuid(value: object, field: str = "uuid") -> str:
    """A key's UUID in canonical lower-case form; anything else (path fragments too) is refused."""
    if isinstance(value, uuid_module.UUID):
        return str(value)
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected a UUID string or uuid.UUID, got {type(value).__name__}")
    if not _CANONICAL_UUID.fullmatch(value):
        raise InvalidInputError(field, f"not a UUID (expected 8-4-4-4-12 hex digits): {_shown(value)}")
    return value.lower()


def check_name(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInputError("name", f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError("name", "must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInputError("name", f"longer than {MAX_NAME_LENGTH} characters ({len(value)})")
    if _CONTROL.search(value):
        raise InvalidInputError("name", f"contains control characters: {_shown(value)}")
    if not _encodes(value):
        # A lone surrogate: what Python makes of command-line bytes that are not UTF-8.
        raise InvalidInputError("name", f"not valid Unicode text (a lone surrogate): {_shown(value)}")
    return value


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_group(value: object) -> Group:
    if isinstance(value, str):
        try:
            return Group(value)
        except ValueError:
            pass
    choices = ", ".join(g.value for g in Group)
    raise InvalidInputError("group", f"must be one of {choices}; got {_shown(value)}")


def check_credit_limit(value: object) -> Decimal | None:
    """Coins, at most two decimal places; None or 0 both mean no limit (the API's 0)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise InvalidInputError("credit_limit", f"expected a number of coins, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInputError("credit_limit", f"must be a finite number, got {value!r}")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise InvalidInputError("credit_limit", f"not a number: {_shown(value)}") from None
    if not amount.is_finite():
        raise InvalidInputError("credit_limit", f"must be a finite number, got {_shown(value)}")
    if amount < 0:
        raise InvalidInputError("credit_limit", f"must not be negative, got {_amount(amount)}")
    if amount > MAX_CREDIT_LIMIT:
        raise InvalidInputError("credit_limit", f"larger than {MAX_CREDIT_LIMIT} coins: {_amount(amount)}")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInputError("credit_limit", f"at most two decimal places of a coin, got {_amount(amount)}")
    return None if amount == 0 else amount


def check_expires(value: object) -> datetime.date | None:
    """A date (or YYYY-MM-DD); None means no expiry. A datetime is refused: the API keeps dates."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        raise InvalidInputError("expires", "expected a date, got a datetime (pass .date() if that is meant)")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInputError("expires", f"not a valid date: {value!r} ({exc})") from None
    raise InvalidInputError("expires", f"expected a datetime.date or 'YYYY-MM-DD', got {_shown(value)}")
