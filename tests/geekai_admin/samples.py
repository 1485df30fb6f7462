"""ApiKey values for the tests of pure functions (report, check, selection): no HTTP involved.

Tests that go over HTTP seed keys into the one fake API (tests/support/fake_api) instead.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from geekai_admin import ApiKey

TODAY = datetime.date(2026, 12, 1)
_serial = itertools.count(1)


def api_key(**fields: Any) -> ApiKey:
    """A used, unexpired key without a limit; `fields` override (amounts as strings become Decimals)."""
    number = next(_serial)
    values: dict[str, Any] = {
        "uuid": f"00000000-0000-4000-8000-{number:012d}",
        "name": f"key-{number}",
        "group": "balance",
        "credit_used": Decimal(0),
        "expired": False,
        "enabled": True,
        "last_used_at": datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.UTC),
        "created_at": datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.UTC),
    }
    values.update(fields)
    for amount in ("credit_used", "credit_limit"):
        if isinstance(values.get(amount), str | int):
            values[amount] = Decimal(values[amount])
    return ApiKey(**values)
