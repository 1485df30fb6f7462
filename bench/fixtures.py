"""The static answers the benchmark servers give: small, realistic admin API bodies.

The key records and the system key are the tests' fake API's (tests.support.fake_api).
"""

from __future__ import annotations

import json
import uuid

from tests.support.fake_api import SYSTEM_KEY, key_record

__all__ = [
    "ACCOUNT_SIZES",
    "BALANCE_BODY",
    "DETAIL_BODY",
    "LIST_BODY",
    "LIST_SIZE",
    "MESSAGE_BODY",
    "SYSTEM_KEY",
    "account_path",
    "key_uuids",
    "list_body",
]

LIST_SIZE = 5
"""Keys in the list answer: a small account, about 2 KB of JSON."""
ACCOUNT_SIZES = (20, 100, 1000, 10000)
"""Accounts of these many keys, for the cost of keys.list() as an account grows (10,000: 3.7 MB)."""


def key_uuids(count: int) -> list[str]:
    """Deterministic key UUIDs."""
    return [str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0000 + i)) for i in range(count)]


def _key(i: int, key_uuid: str) -> dict[str, object]:
    """A key record of the tests' one builder (the patched spec's examples), varied a little."""
    return key_record(
        uuid=key_uuid, name=f"service-{i}", credit_used=1234.5 + i, expired_at="2027-12-31" if i % 2 else ""
    )


def _dump(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def list_body(count: int) -> bytes:
    """The list answer of an account with `count` keys."""
    return _dump({"data": [_key(i, u) for i, u in enumerate(key_uuids(count))]})


def account_path(count: int) -> str:
    """The base path under which the servers answer as an account of `count` keys."""
    return f"/accounts/{count}"


LIST_BODY = list_body(LIST_SIZE)
DETAIL_BODY = _dump({"data": _key(0, key_uuids(1)[0])})
BALANCE_BODY = _dump({"balance": 123456.78})
MESSAGE_BODY = _dump({"message": "success"})
