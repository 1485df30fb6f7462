"""`report` and `check`: the spend report and the threshold check, as text, JSON and exit status.

The figures (sums per group, who is near a limit, expiring, expired, unused) and the problems
are the library's (`client.report`, `client.check`); this module prints them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from geekai_admin import ApiKey, ops, plain_decimal
from geekai_admin.cli import exit_codes
from geekai_admin.cli.output.formats import Produced
from geekai_admin.cli.output.text import balance_text, keys_table, printable

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["check", "report"]


def _section(title: str, keys: tuple[ApiKey, ...], redact: Callable[[str], str]) -> str:
    if not keys:
        return f"{title}: none"
    return f"{title}:\n{keys_table(keys, redact)}"


def report(session: Session) -> Produced:
    args = session.args
    summary = ops.report(session.client(), expiring_within=args.expiring_within, near_limit=args.near_limit)
    groups = sorted(summary.by_group.items())
    width = max([len("GROUP"), *(len(printable(name)) for name, _ in groups)])
    group_lines = [f"  {'GROUP'.ljust(width)}  KEYS  CREDIT USED"] + [
        f"  {printable(name).ljust(width)}  {str(spend.keys).rjust(4)}  {plain_decimal(spend.credit_used)}"
        for name, spend in groups
    ]
    parts = [
        balance_text(summary.balance),
        f"Keys: {summary.keys}, credit used {plain_decimal(summary.credit_used)} coins in all",
        "By group:\n" + "\n".join(group_lines) if groups else "By group: no keys",
        _section(f"Near their limit (>= {plain_decimal(args.near_limit)} %)", summary.near_limit, session.redact),
        _section(f"Expiring within {args.expiring_within} days", summary.expiring, session.redact),
        _section("Expired", summary.expired, session.redact),
        _section("Never used", summary.unused, session.redact),
    ]
    return Produced(summary.to_dict(), "\n\n".join(parts))


def check(session: Session) -> Produced:
    args = session.args
    result = ops.check(
        session.client(), min_balance=args.min_balance, expiring_within=args.expiring_within, max_usage=args.max_usage
    )
    if result.ok:
        return Produced(result.to_dict(), "OK: no problem found")
    lines = [printable(problem.message) for problem in result.problems]  # each names its key or the balance
    return Produced(result.to_dict(), "\n".join(lines), status=exit_codes.PROBLEMS)
