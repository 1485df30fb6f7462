"""Validation of caller input: everything is checked before a request is built."""

from __future__ import annotations

import datetime
import math
import re
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from geekai_admin._constants import MAX_COINS, MAX_DAYS, MAX_PERCENT, ZERO_CREDIT_LIMIT, Group
from geekai_admin._exceptions import InvalidInputError

__all__ = [
    "AMOUNT_BOUNDS",
    "MAX_AMOUNT",
    "MAX_AMOUNT_PLACES",
    "MAX_LIMIT_DIGITS",
    "MAX_NAME_LENGTH",
    "amount_in_bounds",
    "check_amount",
    "check_coins",
    "check_credit_limit",
    "check_days",
    "check_expires",
    "check_group",
    "check_name",
    "check_percent",
    "check_uuid",
]

MAX_NAME_LENGTH = 255
MAX_AMOUNT = Decimal(10) ** 15
"""Coins: the largest amount, either sign, the client accepts from the API (a balance, a credit
limit, credit used): ten trillion yuan, a thousand times MAX_COINS (the largest a caller may send).
Beyond it a number is not one the API could mean, and printing or dividing it could cost without bound."""
MAX_LIMIT_DIGITS = 15
"""The most significant digits of a credit limit sent: the API's JSON number is read as a double,
which carries 15 decimal digits exactly (DBL_DIG)."""
MAX_AMOUNT_PLACES = 20
"""The most decimal places of a coin an amount from the API may have (the same reason)."""
# Patterns are compiled on first use (re keeps them), not at import: the four cost about 0.6 ms, a
# share of what importing the client may cost (docs/performance.md).
_CANONICAL_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# A number as text: ASCII digits only. Decimal() also takes full-width and other scripts' digits,
# underscores and surrounding spaces, which a typo or a pasted value should not turn into an amount.
_DECIMAL_TEXT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
# Control characters, line/paragraph separators and bidirectional overrides: invisible or misleading.
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


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
    # A uuid.UUID exists only once its module is loaded: checked without loading it.
    loaded = sys.modules.get("uuid")
    if loaded is not None and isinstance(value, loaded.UUID):
        return str(value)
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected a UUID string or uuid.UUID, got {type(value).__name__}")
    if not re.fullmatch(_CANONICAL_UUID, value):
        raise InvalidInputError(field, f"not a UUID (expected 8-4-4-4-12 hex digits): {_shown(value)}")
    return value.lower()


def check_name(value: object) -> str:
    """A key's name as sent: a non-empty string of at most MAX_NAME_LENGTH characters, with no control,
    separator or bidirectional-override characters and no lone surrogate; InvalidInputError otherwise."""
    if not isinstance(value, str):
        raise InvalidInputError("name", f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError("name", "must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInputError("name", f"longer than {MAX_NAME_LENGTH} characters ({len(value)})")
    if re.search(_CONTROL, value):
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


# --- numbers: every amount, percentage and number of days the library and the command accept ---


def check_amount(value: object, field: str, what: str, maximum: int, *, floats: bool = False) -> Decimal:
    """An exact Decimal from 0 to `maximum`: a Decimal, int or decimal string (a finite float too,
    with `floats`: a credit limit's 0.5 is exact, a threshold is compared exactly)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str | (float if floats else int)):
        expected = f"a number of {what}" if floats else f"{what} as a Decimal or int"
        raise InvalidInputError(field, f"expected {expected}, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInputError(field, f"must be a finite number, got {value!r}")
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise InvalidInputError(field, f"not a number: {_shown(value)}") from None
    if not amount.is_finite():
        raise InvalidInputError(field, f"must be a finite number, got {_shown(value)}")
    if isinstance(value, str) and not re.fullmatch(_DECIMAL_TEXT, value):
        raise InvalidInputError(field, f"not a number in ASCII digits: {_shown(value)}")
    if amount < 0:
        raise InvalidInputError(field, f"must not be negative, got {_amount(amount)}")
    if amount > maximum:
        raise InvalidInputError(field, f"larger than {maximum} ({what}): {_amount(amount)}")
    return amount


def check_coins(value: object, field: str) -> Decimal:
    """An amount of coins, from 0 to MAX_COINS."""
    return check_amount(value, field, "coins", MAX_COINS)


def check_percent(value: object, field: str) -> Decimal:
    """A percentage threshold, from 0 to MAX_PERCENT."""
    return check_amount(value, field, "a percentage", MAX_PERCENT)


def check_days(value: object, field: str) -> int:
    """A whole number of days, from 0 to MAX_DAYS."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(field, f"expected a whole number of days, got {type(value).__name__}")
    if not 0 <= value <= MAX_DAYS:
        raise InvalidInputError(field, f"must be a whole number of days from 0 to {MAX_DAYS}, got {value}")
    return value


def check_credit_limit(value: object) -> Decimal | None:
    """Coins, more than 0, with at most MAX_LIMIT_DIGITS significant digits and MAX_AMOUNT_PLACES
    decimal places; None means no limit. 0 is refused: the API reads it as no limit, the opposite of
    what it seems to say. The spec allows any number (no multipleOf), so 1.234 coins is a limit; the
    bounds are what the JSON number sent carries exactly, and what the client reads back (a limit of
    1E-400 would be sent as 0.0, no limit; one of 1E-30 would make the key unreadable)."""
    if value is None:
        return None
    amount = check_amount(value, "credit_limit", "coins", MAX_COINS, floats=True)
    if amount and len(amount.normalize().as_tuple().digits) > MAX_LIMIT_DIGITS:
        raise InvalidInputError(
            "credit_limit",
            f"more digits than the API's number carries exactly (at most {MAX_LIMIT_DIGITS} significant "
            f"digits), got {_amount(amount)}",
        )
    if amount == 0:
        raise InvalidInputError("credit_limit", f"{ZERO_CREDIT_LIMIT}: pass None for no limit")
    if not amount_in_bounds(amount.normalize()):
        raise InvalidInputError(
            "credit_limit", f"more than {MAX_AMOUNT_PLACES} decimal places of a coin, got {_amount(amount)}"
        )
    return amount


def check_expires(value: object) -> datetime.date | None:
    """A date (or YYYY-MM-DD); None means no expiry. A datetime is refused: the API keeps dates."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        raise InvalidInputError("expires", "expected a date, got a datetime (pass .date() if that is meant)")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(_ISO_DATE, value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInputError("expires", f"not a valid date: {value!r} ({exc})") from None
    raise InvalidInputError("expires", f"expected a datetime.date or 'YYYY-MM-DD', got {_shown(value)}")
