"""Keys as code, adopted: a keys file written from the account as it is, with no secrets.

Planning the exported file against the same account shows no change for the keys it declares.
A key the file cannot declare (no name, a name the file refuses, a name two keys share, a group
the file does not know) is left out, and said so in the file and in `Export.skipped`.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from geekai_admin._constants import Group
from geekai_admin._exceptions import InvalidInputError
from geekai_admin._inputs import _CONTROL, check_credit_limit, check_name
from geekai_admin._models import ApiKey, plain_decimal
from geekai_admin.ops._keys_file import NEVER, NO_LIMIT, name_look_alike

__all__ = ["Export", "export_keys_file", "toml_string"]

_HEADER: Final = (
    "# Keys as code: the keys of a GeekAI account, written by 'geekai-admin export' on {day}.\n"
    "# No secret is here. Before a key is created or rotated, give it a destination for its secret:\n"
    '# secret = "file:PATH", "env-file:PATH#VAR" or "exec:COMMAND". See \'geekai-admin plan --help\'.\n'
)
_SHORT_ESCAPES: Final = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


@dataclasses.dataclass(frozen=True, slots=True)
class Export:
    """The keys file's `text`, and each key left out with the reason (uuid, why)."""

    text: str
    declared: int
    skipped: tuple[tuple[str, str], ...]


def export_keys_file(keys: Iterable[ApiKey], *, today: datetime.date, prune_prefix: str | None = None) -> Export:
    """A keys file declaring `keys` as they are: name, group, credit limit and expiry."""
    keys = list(keys)
    counts = Counter(key.name for key in keys)
    lines = [_HEADER.format(day=today.isoformat())]
    if prune_prefix is not None:
        lines.append(f"\n[scope]\nprune_prefix = {toml_string(prune_prefix)}\n")
    skipped: list[tuple[str, str]] = []
    doomed: list[str] = []  # left out, yet a prune of this file would match them
    declared = 0
    for key in keys:
        why = _cannot_declare(key, counts[key.name])
        if why is not None:
            skipped.append((key.uuid, why))
            if prune_prefix is not None and (key.name or "").startswith(prune_prefix):
                doomed.append(key.uuid)
            lines.append(f"\n# Left out: key {key.uuid}: {why}.\n")
            continue
        lines.append(_declaration(key))
        declared += 1
    if doomed:
        raise InvalidInputError(
            "prune_prefix",
            f"keys {', '.join(doomed)} carry the prefix {prune_prefix!r} but cannot be declared (see why with "
            "export alone): a plan --prune of this file would delete them; rename them first, or export "
            "without a prune prefix",
        )
    return Export(text="".join(lines), declared=declared, skipped=tuple(skipped))


def _cannot_declare(key: ApiKey, same_name: int) -> str | None:
    if key.name is None:
        return "it has no name, and keys as code tells keys apart by name"
    try:
        check_name(key.name)
    except InvalidInputError as error:
        return f"its name cannot be declared ({error.problem})"
    look_alike = name_look_alike(key.name)
    if look_alike is not None:
        return f"its name {look_alike}"
    if same_name > 1:
        return f"{same_name} keys share its name: rename all but one, then export again"
    if key.group is not None and key.group not in set(Group):
        return f"its group {key.group!r} is not one the keys file knows"
    return None


def _declaration(key: ApiKey) -> str:
    name = key.name or ""
    lines = ["\n[[key]]", f"name = {toml_string(name)}"]
    if key.group is not None:
        lines.append(f"group = {toml_string(key.group)}")
    try:
        check_credit_limit(key.credit_limit)
        lines.append(f"credit_limit = {_amount(key.credit_limit)}")
    except InvalidInputError as error:  # left unmanaged: a plan of this file then changes nothing
        lines.append(f"# credit_limit {_amount(key.credit_limit)} is not managed: {error.problem}")
    lines.append(f"expires = {toml_string(NEVER) if key.expires is None else key.expires.isoformat()}")
    return "\n".join(lines) + "\n"


def _amount(amount: Decimal | None) -> str:
    """Coins as a TOML number read back exactly (the reader keeps Decimals), or "none"."""
    if amount is None:
        return toml_string(NO_LIMIT)
    return plain_decimal(amount)


def toml_string(text: str) -> str:
    """A TOML basic string. Beyond what TOML requires (quote, backslash, C0 controls, DEL), C1
    controls, line separators and bidirectional overrides are escaped too, so the file shows what
    it holds."""
    out = []
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif re.fullmatch(_CONTROL, char):
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
