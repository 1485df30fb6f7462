"""What `geekai-admin` prints: tables and detail blocks for people, JSON documents for scripts.

Server text is untrusted: everything shown to a person goes through `printable()`, so a key name
cannot move the cursor, recolour the terminal or reorder text (bidi controls). JSON escapes such
characters itself.

The JSON shapes are the command's stable interface (documented in `geekai_admin.cli.parser`): they are
the results' `to_dict()`, the one encoding of results, and the command's tests pin every field.
"""

from __future__ import annotations

import datetime
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from geekai_admin import COINS_PER_YUAN, ApiKey, Balance, CreatedKey, plain_decimal
from geekai_admin.cli.output.escape import printable

__all__ = [
    "balance_json",
    "balance_text",
    "created_json",
    "created_text",
    "dump_json",
    "key_text",
    "keys_json",
    "keys_table",
    "printable",
    "status_of",
]

MAX_NAME_COLUMNS = 32


def _amount(value: Decimal | None) -> str | None:
    """A decimal string without exponent ("10000", not "1E+4"); None stays None."""
    return None if value is None else plain_decimal(value)


def _coins(value: Decimal | None) -> str:
    """Coins for people, with yuan: "10000 coins (100 yuan)"."""
    if value is None:
        return "-"
    return f"{_amount(value)} coins ({_amount(value / COINS_PER_YUAN)} yuan)"


def _moment(value: datetime.datetime | None) -> str:
    return "never" if value is None else value.isoformat(sep=" ", timespec="minutes")


def status_of(key: ApiKey) -> str:
    """active, disabled, expired, or "-" when the server did not say."""
    if key.expired:
        return "expired"
    if key.enabled is None:
        return "-"
    return "active" if key.enabled else "disabled"


# --- JSON ----------------------------------------------------------------------------------------


def keys_json(keys: Sequence[ApiKey]) -> dict[str, Any]:
    """KEY is `ApiKey.to_dict()`: the fixed set of fields, in a fixed order; never the secret."""
    return {"keys": [key.to_dict() for key in keys]}


def created_json(key: CreatedKey) -> dict[str, Any]:
    """KEY plus `secret`: the full new key, which the server shows this once."""
    return {**key.to_dict(), "secret": key.secret}


def balance_json(balance: Balance) -> dict[str, Any]:
    return balance.to_dict()


def dump_json(document: Mapping[str, Any]) -> str:
    """One JSON document, indented, ASCII-only (readable whatever the terminal's encoding)."""
    return json.dumps(document, indent=2)


# --- text for people ------------------------------------------------------------------------------


def balance_text(balance: Balance) -> str:
    return f"Balance: {_amount(balance.coins)} coins ({_amount(balance.yuan)} yuan; 100 coins = 1 yuan)"


def _credit(key: ApiKey) -> str:
    used = _amount(key.credit_used) or "-"
    if key.credit_limit is None:
        return f"{used} / no limit"
    return f"{used} / {_amount(key.credit_limit)}"


def key_text(key: ApiKey) -> str:
    """The detail block of one key: one `label  value` line per field."""
    rows = [
        ("uuid", key.uuid),
        ("name", key.name or "-"),
        ("key (masked)", key.value or "-"),
        ("group", key.group or "-"),
        ("credit used", _coins(key.credit_used)),
        ("credit limit", "no limit" if key.credit_limit is None else _coins(key.credit_limit)),
        ("expires", "never" if key.expires is None else key.expires.isoformat()),
        ("status", status_of(key)),
        ("last used", _moment(key.last_used_at)),
        ("created", "-" if key.created_at is None else _moment(key.created_at)),
    ]
    rows += [(f"extra.{name}", json.dumps(value)) for name, value in key.to_dict()["extra"].items()]
    width = max(len(printable(label)) for label, _ in rows)
    return "\n".join(f"{printable(label).ljust(width)}  {printable(value)}" for label, value in rows)


def created_text(key: CreatedKey) -> str:
    return (
        f"Created key {printable(key.uuid)}\n\n{key_text(key)}\n\n"
        "Secret - shown only once: store it now (the API will never show it again):\n"
        f"{printable(key.secret)}"
    )


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _columns(text: str) -> int:
    """Terminal columns of `text`: East Asian wide characters take two."""
    return sum(map(_width, text))


def _clip(text: str, limit: int) -> str:
    """`text` cut to `limit` columns with "..." when longer: one pass, at most `limit` + 1 characters read."""
    used = 0
    cut = None  # where "..." goes: the last cut that leaves room for it
    for index, ch in enumerate(text):
        if used <= limit - 3:
            cut = index
        used += _width(ch)
        if used > limit:
            return text[: cut if cut is not None else 0] + "..."
    return text


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _columns(text))


def keys_table(keys: Sequence[ApiKey], redact: Callable[[str], str] = str) -> str:
    """One row per key; credit in coins as `used / limit`. `redact` runs before names are clipped."""
    if not keys:
        return "No API keys."
    header = ("UUID", "NAME", "GROUP", "CREDIT USED / LIMIT", "EXPIRES", "STATUS", "LAST USED")
    rows = [
        (
            key.uuid,
            _clip(printable(redact(key.name or "-")), MAX_NAME_COLUMNS),
            key.group or "-",
            _credit(key),
            "never" if key.expires is None else key.expires.isoformat(),
            status_of(key),
            _moment(key.last_used_at),
        )
        for key in keys
    ]
    shown = [tuple(printable(cell) for cell in row) for row in [header, *rows]]
    widths = [max(_columns(row[i]) for row in shown) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in shown]
    count = f"{len(keys)} key" + ("" if len(keys) == 1 else "s")
    return "\n".join([*lines, count])
