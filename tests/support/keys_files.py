"""Keys files for the keys-as-code suites (`ops.plan`/`ops.apply` and the `plan`/`apply` command):
the shared defaults and scope, and one `[[key]]` table per declared key, in the file's own syntax."""

from __future__ import annotations

__all__ = ["DEFAULTS", "OLD", "declared", "keys_file_text"]

OLD = "2026-01-01T10:00:00+00:00"
"""A creation time long enough ago that a key with `rotate_every = "90d"` is due for rotation."""

DEFAULTS = """\
[defaults]
group = "balance"
credit_limit = 10000
rotate_every = "90d"

[scope]
prune_prefix = "team-"
"""
"""Every key in group "balance" with 10000 coins, rotated every 90 days; pruning limited to "team-"."""


def declared(name: str, *, secret: str | None = None, **fields: str) -> str:
    """One `[[key]]` table: its name, then each field (a TOML string), then its secret destination."""
    lines = [f'name = "{name}"', *(f'{field} = "{value}"' for field, value in fields.items())]
    if secret is not None:
        lines.append(f'secret = "{secret}"')
    return "[[key]]\n" + "".join(f"{line}\n" for line in lines)


def keys_file_text(*keys: str, defaults: bool = True) -> str:
    """A keys file: DEFAULTS (unless `defaults` is false), then the `declared` keys, a blank line between tables."""
    return "\n".join([DEFAULTS, *keys] if defaults else keys)
