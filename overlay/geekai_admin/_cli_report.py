"""`report` and `check`: the spend report and the threshold check, as text, JSON and exit status.

The figures (sums per group, who is near a limit, expiring, expired, unused) and the problems
are the library's (`ops.report`, `ops.check`); this module parses and prints.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geekai_admin import _cli_args
from geekai_admin._cli_help import page
from geekai_admin.ops import DEFAULT_EXPIRING_WITHIN, DEFAULT_MAX_USAGE, DEFAULT_NEAR_LIMIT

if TYPE_CHECKING:
    from geekai_admin._cli_output import Produced
    from geekai_admin._models import ApiKey
    from geekai_admin.cli import _Session

__all__ = ["EXIT_PROBLEMS", "add_check", "add_report"]

EXIT_PROBLEMS = 3
"""`check` found something that needs attention."""


def add_report(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report",
        parents=common,
        help="spend per group; keys near their limit, expiring, expired, unused",
        **page("report"),
    )
    report.add_argument(
        "--expiring-within",
        type=_cli_args.days,
        default=DEFAULT_EXPIRING_WITHIN,
        metavar="DAYS",
        help="keys expiring within DAYS (default %(default)s)",
    )
    report.add_argument(
        "--near-limit",
        type=_cli_args.percent,
        default=str(DEFAULT_NEAR_LIMIT),
        metavar="PCT",
        help="list keys whose credit used is at least PCT %% of their limit (default %(default)s)",
    )
    report.set_defaults(handler=_report, command="report")


def add_check(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check", parents=common, help="threshold check for cron and CI: exit status 3 on any problem", **page("check")
    )
    check.add_argument(
        "--min-balance", type=_cli_args.coins, metavar="COINS", help="a problem when the balance is below COINS"
    )
    check.add_argument(
        "--expiring-within",
        type=_cli_args.days,
        default=DEFAULT_EXPIRING_WITHIN,
        metavar="DAYS",
        help="a problem when a key expires within DAYS (default %(default)s)",
    )
    check.add_argument(
        "--max-usage",
        type=_cli_args.percent,
        default=str(DEFAULT_MAX_USAGE),
        metavar="PCT",
        help="a problem when a key has used PCT %% of its limit or more (default %(default)s)",
    )
    check.set_defaults(handler=_check, command="check")


def _section(title: str, keys: tuple[ApiKey, ...], redact: Any) -> str:
    from geekai_admin._cli_format import keys_table  # noqa: PLC0415

    if not keys:
        return f"{title}: none"
    return f"{title}:\n{keys_table(keys, redact)}"


def _report(session: _Session) -> Produced:
    from geekai_admin import ops  # noqa: PLC0415
    from geekai_admin._cli_format import balance_text, printable  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415
    from geekai_admin._models import plain_decimal  # noqa: PLC0415

    args = session.args
    report = ops.report(session.client(), expiring_within=args.expiring_within, near_limit=args.near_limit)
    groups = sorted(report.by_group.items())
    width = max([len("GROUP"), *(len(printable(name)) for name, _ in groups)])
    group_lines = [f"  {'GROUP'.ljust(width)}  KEYS  CREDIT USED"] + [
        f"  {printable(name).ljust(width)}  {str(spend.keys).rjust(4)}  {plain_decimal(spend.credit_used)}"
        for name, spend in groups
    ]
    parts = [
        balance_text(report.balance),
        f"Keys: {report.keys}, credit used {plain_decimal(report.credit_used)} coins in all",
        "By group:\n" + "\n".join(group_lines) if groups else "By group: no keys",
        _section(f"Near their limit (>= {plain_decimal(args.near_limit)} %)", report.near_limit, session.redact),
        _section(f"Expiring within {args.expiring_within} days", report.expiring, session.redact),
        _section("Expired", report.expired, session.redact),
        _section("Never used", report.unused, session.redact),
    ]
    return Produced(report.to_dict(), "\n\n".join(parts))


def _check(session: _Session) -> Produced:
    from geekai_admin import ops  # noqa: PLC0415
    from geekai_admin._cli_format import printable  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415

    args = session.args
    result = ops.check(
        session.client(), min_balance=args.min_balance, expiring_within=args.expiring_within, max_usage=args.max_usage
    )
    if result.ok:
        return Produced(result.to_dict(), "OK: no problem found")
    lines = [printable(problem.message) for problem in result.problems]  # each names its key or the balance
    return Produced(result.to_dict(), "\n".join(lines), status=EXIT_PROBLEMS)
