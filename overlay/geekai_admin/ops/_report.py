"""The spend report: the balance and what the keys have spent, from one balance and one listing.

`build_report` is a pure function; `ops.report(client)` fetches the two and calls it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Coroutine, Generator, Iterable
from decimal import Decimal
from typing import Any, overload

from geekai_admin._client import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._inputs import check_days, check_percent
from geekai_admin._models import ApiKey, Balance, plain_decimal
from geekai_admin.ops._defaults import DEFAULT_EXPIRING_WITHIN, DEFAULT_NEAR_LIMIT
from geekai_admin.ops._driving import Client, ClientStep, balance, drive, listing
from geekai_admin.ops._selection import (
    is_expired,
    is_expiring,
    is_near_limit,
    is_unused,
    resolve_today,
)

__all__ = ["UNKNOWN_GROUP", "GroupSpend", "Report", "ReportCriteria", "build_report", "report"]

UNKNOWN_GROUP = "(unknown)"
"""The `by_group` entry of keys whose group the server did not say (no group is spelled so)."""


@dataclasses.dataclass(frozen=True, slots=True)
class GroupSpend:
    """One group's share: how many keys, and the credit they used (coins)."""

    keys: int
    credit_used: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"keys": self.keys, "credit_used": plain_decimal(self.credit_used)}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The balance, the keys' spend in total and per group, and the keys that need attention.

    Amounts are exact Decimal coins. A key whose `credit_used` the server did not say counts as 0.
    `near_limit`, `expiring`, `expired` and `unused` keep the listing's order; `today`,
    `expiring_within` and `near_limit_percent` are the criteria the report was made with.
    """

    balance: Balance
    keys: int
    credit_used: Decimal
    by_group: dict[str, GroupSpend]
    near_limit: tuple[ApiKey, ...]
    expiring: tuple[ApiKey, ...]
    expired: tuple[ApiKey, ...]
    unused: tuple[ApiKey, ...]
    today: datetime.date
    expiring_within: int
    near_limit_percent: Decimal

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, amounts as decimal strings: the shape `geekai-admin --json report` prints."""
        return {
            "balance": self.balance.to_dict(),
            "keys": self.keys,
            "credit_used": plain_decimal(self.credit_used),
            "by_group": {name: spend.to_dict() for name, spend in self.by_group.items()},
            "near_limit": [key.to_dict() for key in self.near_limit],
            "expiring": [key.to_dict() for key in self.expiring],
            "expired": [key.to_dict() for key in self.expired],
            "unused": [key.to_dict() for key in self.unused],
        }


@dataclasses.dataclass(frozen=True, slots=True)
class ReportCriteria:
    """The report's criteria, checked (InvalidInputError) before anything is fetched."""

    expiring_within: int
    near_limit: Decimal
    today: datetime.date

    @classmethod
    def of(cls, *, expiring_within: object, near_limit: object, today: object) -> ReportCriteria:
        return cls(
            expiring_within=check_days(expiring_within, "expiring_within"),
            near_limit=check_percent(near_limit, "near_limit"),
            today=resolve_today(today),
        )

    def build(self, balance: Balance, keys: Iterable[ApiKey]) -> Report:
        listed = list(keys)
        groups: dict[str, list[ApiKey]] = {}
        for key in listed:
            groups.setdefault(UNKNOWN_GROUP if key.group is None else key.group, []).append(key)
        return Report(
            balance=balance,
            keys=len(listed),
            credit_used=_spent(listed),
            by_group={name: GroupSpend(len(groups[name]), _spent(groups[name])) for name in sorted(groups)},
            near_limit=tuple(k for k in listed if is_near_limit(k, self.near_limit)),
            expiring=tuple(k for k in listed if is_expiring(k, self.today, self.expiring_within)),
            expired=tuple(k for k in listed if is_expired(k, self.today)),
            unused=tuple(k for k in listed if is_unused(k)),
            today=self.today,
            expiring_within=self.expiring_within,
            near_limit_percent=self.near_limit,
        )


def _spent(keys: Iterable[ApiKey]) -> Decimal:
    return sum((key.credit_used for key in keys if key.credit_used is not None), Decimal(0))


def build_report(
    balance: Balance,
    keys: Iterable[ApiKey],
    *,
    expiring_within: int = DEFAULT_EXPIRING_WITHIN,
    near_limit: Decimal | int = DEFAULT_NEAR_LIMIT,
    today: datetime.date | None = None,
) -> Report:
    """The report over `keys` (a listing) and `balance`; no I/O.

    near_limit: keys with a limit that used at least `near_limit` % of it. expiring: keys that
    expire within `expiring_within` days of `today` (default: the local date), not yet expired.
    expired: the server says so, or the expiry date is before today. unused: never used.
    """
    return ReportCriteria.of(expiring_within=expiring_within, near_limit=near_limit, today=today).build(balance, keys)


def _report_flow(criteria: ReportCriteria) -> Generator[ClientStep, Any, Report]:
    fetched_balance: Balance = yield balance
    keys: list[ApiKey] = yield listing
    return criteria.build(fetched_balance, keys)


@overload
def report(
    client: GeekAIAdmin,
    *,
    expiring_within: int = ...,
    near_limit: Decimal | int = ...,
    today: datetime.date | None = ...,
) -> Report: ...
@overload
def report(
    client: AsyncGeekAIAdmin,
    *,
    expiring_within: int = ...,
    near_limit: Decimal | int = ...,
    today: datetime.date | None = ...,
) -> Coroutine[Any, Any, Report]: ...
def report(
    client: Client,
    *,
    expiring_within: int = DEFAULT_EXPIRING_WITHIN,
    near_limit: Decimal | int = DEFAULT_NEAR_LIMIT,
    today: datetime.date | None = None,
) -> Report | Coroutine[Any, Any, Report]:
    """The spend report, read with `client` (awaitable with AsyncGeekAIAdmin): the balance, the keys'
    credit used in total and per group, and the keys near their limit (`near_limit` %), expiring within
    `expiring_within` days of `today` (default: the local date), already expired, and never used.
    Exact Decimals; see `build_report`. The arguments are checked before anything is sent.
    """
    criteria = ReportCriteria.of(expiring_within=expiring_within, near_limit=near_limit, today=today)
    return drive(client, _report_flow(criteria))
