"""The argument types of the public methods, named so that callers can annotate with them too."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import TypeAlias

from geekai_admin._models import ApiKey

__all__ = ["Amount", "DateLike", "KeyRef"]

KeyRef: TypeAlias = str | uuid.UUID | ApiKey
"""A key: its UUID (a string or uuid.UUID), or an ApiKey."""
Amount: TypeAlias = Decimal | int | float | str
"""Coins: a Decimal, int, float or decimal string; at most 15 significant digits (what the API's number carries)."""
DateLike: TypeAlias = datetime.date | str
"""A datetime.date or a "YYYY-MM-DD" string."""
