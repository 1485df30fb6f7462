"""Threshold checks for cron, CI and monitoring: a low balance, keys expiring, expired or near their limit.

`check_report` is a pure function; `ops.check(client)` fetches what it needs and calls it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Coroutine, Generator, Iterable
from decimal import Decimal
from typing import Any, Literal, overload

from geekai_admin._client import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._exceptions import InvalidInputError
from geekai_admin._inputs import check_coins, check_percent
from geekai_admin._models import ApiKey, Balance, plain_decimal
from geekai_admin.ops._defaults import DEFAULT_EXPIRING_WITHIN, DEFAULT_MAX_USAGE
from geekai_admin.ops._driving import Client, ClientStep, balance, drive, listing
from geekai_admin.ops._report import ReportCriteria
from geekai_admin.ops._selection import key_label, usage_percent

__all__ = ["CheckCriteria", "CheckResult", "Problem", "ProblemKind", "check", "check_report"]

ProblemKind = Literal["balance", "expiring", "usage", "expired"]
"""What a `Problem` is about: a low balance, a key expiring soon, a key over the usage threshold, an expired key."""


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One threshold crossed: its kind, the key's uuid (None for the balance) and a one-line message."""

    kind: ProblemKind
    uuid: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "uuid": self.uuid, "message": self.message}


@dataclasses.dataclass(frozen=True, slots=True)
class CheckResult:
    """`ok` when no threshold is crossed; else `problems`: the balance first, then expired,
    expiring and over-usage keys, each in the listing's order."""

    ok: bool
    problems: tuple[Problem, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the shape `geekai-admin --json check` prints."""
        return {"ok": self.ok, "problems": [problem.to_dict() for problem in self.problems]}


def _coins(amount: Decimal) -> str:
    return f"{plain_decimal(amount)} coins"


def _expired(key: ApiKey, today: datetime.date) -> str:
    if key.expires is not None and key.expires < today:
        return f"{key_label(key)} expired on {key.expires.isoformat()}"
    return f"{key_label(key)} has expired (the server says so)"


def _expiring(key: ApiKey, today: datetime.date) -> str:
    expires = key.expires or today  # an expiring key always has a date
    days = (expires - today).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return f"{key_label(key)} expires {when} ({expires.isoformat()})"


def _usage(key: ApiKey, threshold: Decimal) -> str:
    used, limit, percent = key.credit_used or Decimal(0), key.credit_limit or Decimal(0), usage_percent(key)
    shown = "" if percent is None else f"{percent:.1f}%, "
    return (
        f"{key_label(key)} has used {_coins(used)} of its limit of {_coins(limit)} "
        f"({shown}threshold {plain_decimal(threshold)}%)"
    )


@dataclasses.dataclass(frozen=True, slots=True)
class CheckCriteria:
    """The thresholds, checked (InvalidInputError) before anything is fetched."""

    min_balance: Decimal | None
    criteria: ReportCriteria
    """The expiry and usage rules are the report's: `near_limit` here is `max_usage`."""

    @classmethod
    def of(cls, *, min_balance: object, expiring_within: object, max_usage: object, today: object) -> CheckCriteria:
        return cls(
            min_balance=None if min_balance is None else check_coins(min_balance, "min_balance"),
            criteria=ReportCriteria.of(
                expiring_within=expiring_within, near_limit=check_percent(max_usage, "max_usage"), today=today
            ),
        )

    @property
    def needs_balance(self) -> bool:
        return self.min_balance is not None

    def run(self, balance: Balance | None, keys: Iterable[ApiKey]) -> CheckResult:
        problems: list[Problem] = []
        if self.min_balance is not None:
            if balance is None:
                raise InvalidInputError("balance", "checking min_balance needs the balance")
            if balance.coins < self.min_balance:
                message = f"balance {_coins(balance.coins)} is below the minimum of {_coins(self.min_balance)}"
                problems.append(Problem("balance", None, message))
        report = self.criteria.build(balance or Balance(coins=Decimal(0)), keys)
        problems += [Problem("expired", key.uuid, _expired(key, report.today)) for key in report.expired]
        problems += [Problem("expiring", key.uuid, _expiring(key, report.today)) for key in report.expiring]
        problems += [Problem("usage", key.uuid, _usage(key, report.near_limit_percent)) for key in report.near_limit]
        return CheckResult(ok=not problems, problems=tuple(problems))


def check_report(
    balance: Balance | None,
    keys: Iterable[ApiKey],
    *,
    min_balance: Decimal | int | None = None,
    expiring_within: int = DEFAULT_EXPIRING_WITHIN,
    max_usage: Decimal | int = DEFAULT_MAX_USAGE,
    today: datetime.date | None = None,
) -> CheckResult:
    """The problems among `keys` (a listing) and `balance`; no I/O.

    balance: below `min_balance` coins (checked only when given; `balance` may then not be None).
    expired and expiring: as in the report (expiring within `expiring_within` days of `today`).
    usage: a key with a limit that used at least `max_usage` % of it.
    """
    criteria = CheckCriteria.of(
        min_balance=min_balance, expiring_within=expiring_within, max_usage=max_usage, today=today
    )
    return criteria.run(balance, keys)


def _check_flow(criteria: CheckCriteria) -> Generator[ClientStep, Any, CheckResult]:
    fetched_balance: Balance | None = (yield balance) if criteria.needs_balance else None
    keys: list[ApiKey] = yield listing
    return criteria.run(fetched_balance, keys)


@overload
def check(
    client: GeekAIAdmin,
    *,
    min_balance: Decimal | int | None = ...,
    expiring_within: int = ...,
    max_usage: Decimal | int = ...,
    today: datetime.date | None = ...,
) -> CheckResult: ...
@overload
def check(
    client: AsyncGeekAIAdmin,
    *,
    min_balance: Decimal | int | None = ...,
    expiring_within: int = ...,
    max_usage: Decimal | int = ...,
    today: datetime.date | None = ...,
) -> Coroutine[Any, Any, CheckResult]: ...
def check(
    client: Client,
    *,
    min_balance: Decimal | int | None = None,
    expiring_within: int = DEFAULT_EXPIRING_WITHIN,
    max_usage: Decimal | int = DEFAULT_MAX_USAGE,
    today: datetime.date | None = None,
) -> CheckResult | Coroutine[Any, Any, CheckResult]:
    """The thresholds crossed, read with `client` (awaitable with AsyncGeekAIAdmin): a balance below
    `min_balance` coins (checked only when given), keys expired or expiring within `expiring_within`
    days, keys that used `max_usage` % of their limit or more. `.ok` when there is none; see
    `check_report`. The arguments are checked before anything is sent.
    """
    criteria = CheckCriteria.of(
        min_balance=min_balance, expiring_within=expiring_within, max_usage=max_usage, today=today
    )
    return drive(client, _check_flow(criteria))
