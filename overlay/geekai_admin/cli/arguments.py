"""Argument types of the `geekai-admin` options: seconds, days, percentages, coins.

Each is checked when the command line is parsed, so bad input is refused before anything is
sent. The parser is built on every start, --help too: `decimal` loads only when an option is given.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from geekai_admin import MAX_COINS, MAX_DAYS, MAX_PERCENT

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = ["coins", "days", "percent", "seconds"]


def seconds(text: str) -> float:
    """A positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def days(text: str) -> int:
    """A whole number of days, 0 to MAX_DAYS (the library's bound)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be a whole number of days from 0 to {MAX_DAYS}, got {text!r}")
    return value


def _decimal(text: str) -> Decimal | None:
    from decimal import Decimal, InvalidOperation  # noqa: PLC0415  # lazy: start-up time (only when given)

    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def percent(text: str) -> Decimal:
    """A percentage, 0 to MAX_PERCENT (a key can overspend its limit), exact."""
    value = _decimal(text.removesuffix("%"))
    if value is None or not 0 <= value <= MAX_PERCENT:
        raise argparse.ArgumentTypeError(f"must be a percentage from 0 to {MAX_PERCENT}, got {text!r}")
    return value


def coins(text: str) -> Decimal:
    """An amount of coins, 0 to MAX_COINS, exact."""
    value = _decimal(text)
    if value is None or not 0 <= value <= MAX_COINS:
        raise argparse.ArgumentTypeError(f"must be an amount of coins from 0 to {MAX_COINS}, got {text!r}")
    return value
