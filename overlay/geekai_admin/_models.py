"""The results the client returns: plain, immutable, typed; money in Decimal coins."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["COINS_PER_YUAN", "ApiKey", "Balance", "CreatedKey", "json_ready", "plain_decimal"]

COINS_PER_YUAN = Decimal(100)


def plain_decimal(amount: Decimal) -> str:
    """An amount in plain decimal notation, never an exponent: "10000", not "1E+4"."""
    return format(amount, "f")


def json_ready(value: Any) -> Any:
    """The one JSON encoding of results (to_dict() and the command's --json): amounts as plain
    decimal strings (exact), dates and times in ISO 8601, containers element by element."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime.date):  # datetime.datetime too
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class Balance:
    """The account's credit balance. 100 coins (金币) = 1 yuan."""

    coins: Decimal
    yuan: Decimal = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "yuan", self.coins / COINS_PER_YUAN)

    def to_dict(self) -> dict[str, str]:
        """JSON-ready: amounts as plain decimal strings, so no precision is lost."""
        return {"coins": plain_decimal(self.coins), "yuan": plain_decimal(self.yuan)}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    """An API key as the admin API describes it. None means the server did not say.

    `credit_limit` None means no limit (the API's 0); `expires` None means no expiry (the API's
    empty value). Amounts are in coins. Fields the API adds later land in `extra`.
    """

    uuid: str
    name: str | None = None
    value: str | None = None
    """The masked key, as the server shows it in listings."""
    group: str | None = None
    """The strategy name, equal to a `Group` member for the four known strategies."""
    credit_limit: Decimal | None = None
    credit_used: Decimal | None = None
    expires: datetime.date | None = None
    expired: bool | None = None
    enabled: bool | None = None
    last_used_at: datetime.datetime | None = None
    created_at: datetime.datetime | None = None
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (`json_ready`): dates in ISO 8601, amounts as plain decimal strings; never the secret,
        not even a secret field someone put in `extra` (the command's KEY shape is this)."""
        from geekai_admin_api.types import SECRET_FIELDS  # noqa: PLC0415  # lazy: start-up time

        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(ApiKey)}
        fields["extra"] = {name: value for name, value in self.extra.items() if name not in SECRET_FIELDS}
        encoded: dict[str, Any] = json_ready(fields)
        return encoded


# repr=False: the class writes its own __repr__ (without the secret); dataclass would only compile
# one to discard it, at import.
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CreatedKey(ApiKey):
    """A key just created, with its full `secret`: the server shows it this once.

    The secret is kept out of repr() and str(); read `.secret` to store it.
    """

    secret: str = dataclasses.field(repr=False)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.name not in ("secret", "extra")
        )
        return f"CreatedKey({shown}, secret=<hidden>)"

    __str__ = __repr__

    def key(self) -> ApiKey:
        """The same key without its secret."""
        return ApiKey(**{f.name: getattr(self, f.name) for f in dataclasses.fields(ApiKey)})
