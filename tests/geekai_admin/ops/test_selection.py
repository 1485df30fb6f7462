"""Key selection: the expiry, usage and use rules, KeyFilter, select_keys and sort_keys (pure, no HTTP)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import InvalidInputError, KeyFilter, SortOrder, select_keys, sort_keys
from geekai_admin._inputs import check_days, check_percent
from geekai_admin.ops._selection import (
    SORT_ORDERS,
    is_expired,
    is_expiring,
    is_near_limit,
    resolve_today,
    usage_percent,
)
from tests.geekai_admin.samples import TODAY, api_key

DAY = datetime.timedelta(days=1)


# --- the rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expired"),
    [
        ({"expires": TODAY - DAY}, True),
        ({"expires": TODAY}, False),  # valid on its expiry date
        ({"expires": TODAY + DAY}, False),
        ({"expires": None}, False),
        ({"expires": TODAY + 30 * DAY, "expired": True}, True),  # the server's word counts
        ({"expires": None, "expired": None}, False),
    ],
)
def test_a_key_is_expired_when_the_server_says_so_or_its_date_has_passed(
    fields: dict[str, Any], *, expired: bool
) -> None:
    assert is_expired(api_key(**fields), TODAY) is expired


@pytest.mark.parametrize(
    ("expires", "within", "expiring"),
    [
        (TODAY, 0, True),
        (TODAY + DAY, 0, False),
        (TODAY + 7 * DAY, 7, True),
        (TODAY + 8 * DAY, 7, False),
        (TODAY - DAY, 7, False),  # expired already: not "expiring"
        (None, 365, False),
    ],
)
def test_expiring_means_within_the_days_and_not_yet_expired(
    expires: datetime.date | None, within: int, *, expiring: bool
) -> None:
    assert is_expiring(api_key(expires=expires), TODAY, within) is expiring


def test_a_key_the_server_calls_expired_is_not_expiring() -> None:
    assert not is_expiring(api_key(expires=TODAY + DAY, expired=True), TODAY, 7)


@pytest.mark.parametrize(
    ("used", "limit", "percent", "near"),
    [
        ("80", "100", 80, True),  # at the threshold counts
        ("79.99", "100", 80, False),
        ("33.33", "100", Decimal("33.33"), True),
        ("33.33", "100", Decimal("33.34"), False),
        ("1", "3", Decimal("33.333333333333333333333333334"), False),  # exact: no rounding of 1/3
        ("1", "3", Decimal("33.333333333333333333333333333"), True),
        ("5000", None, 0, False),  # no limit: never near it
        (None, "100", 0, False),  # used not reported
    ],
)
def test_near_the_limit_is_exact(used: str | None, limit: str | None, percent: Decimal | int, *, near: bool) -> None:
    key = api_key(credit_used=None if used is None else Decimal(used), credit_limit=None if limit is None else limit)
    assert is_near_limit(key, Decimal(percent)) is near


def test_usage_percent_is_a_decimal_or_none_without_a_limit() -> None:
    assert usage_percent(api_key(credit_used="33.33", credit_limit="100")) == Decimal("33.33")
    assert usage_percent(api_key(credit_used="5", credit_limit=None)) is None


# --- argument checks -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, 1.5, "7", True, None])
def test_days_must_be_a_whole_number_of_zero_or_more(value: object) -> None:
    with pytest.raises(InvalidInputError, match="expiring_within") as caught:
        check_days(value, "expiring_within")
    assert caught.value.field == "expiring_within"


@pytest.mark.parametrize("value", [-1, Decimal("NaN"), Decimal("Infinity"), 80.0, True, "eighty", None])
def test_a_percentage_must_be_an_exact_finite_number_of_zero_or_more(value: object) -> None:
    with pytest.raises(InvalidInputError, match="near_limit"):
        check_percent(value, "near_limit")


def test_a_percentage_is_kept_exact() -> None:
    assert check_percent(Decimal("33.33"), "p") == Decimal("33.33")
    assert check_percent(0, "p") == 0
    assert check_percent("12.5", "p") == Decimal("12.5")


def test_today_defaults_to_the_local_date_and_refuses_a_datetime() -> None:
    assert resolve_today(None) == datetime.date.today()
    assert resolve_today(TODAY) == TODAY
    with pytest.raises(InvalidInputError, match="today"):
        resolve_today(datetime.datetime(2026, 12, 1, 12, 0))
    with pytest.raises(InvalidInputError, match="today"):
        resolve_today("2026-12-01")


# --- KeyFilter, select_keys --------------------------------------------------------------------


def test_an_empty_filter_selects_every_key_in_order() -> None:
    keys = [api_key(), api_key(expires=TODAY - DAY), api_key(last_used_at=None)]
    assert KeyFilter().empty
    assert select_keys(keys, KeyFilter(), today=TODAY) == keys


def test_match_is_a_case_sensitive_glob_on_the_name() -> None:
    keys = [api_key(name="ci-main"), api_key(name="CI-other"), api_key(name="dev"), api_key(name=None)]
    assert [k.name for k in select_keys(keys, KeyFilter(match="ci-*"), today=TODAY)] == ["ci-main"]
    assert [k.name for k in select_keys(keys, KeyFilter(match="[cC][iI]-*"), today=TODAY)] == ["ci-main", "CI-other"]
    assert [k.name for k in select_keys(keys, KeyFilter(match="*"), today=TODAY)] == ["ci-main", "CI-other", "dev"]
    assert not KeyFilter(match="*").empty


def test_each_criterion_selects_its_keys() -> None:
    ha = api_key(group="ha")
    old = api_key(expires=TODAY - DAY)
    soon = api_key(expires=TODAY + 3 * DAY)
    idle = api_key(last_used_at=None)
    keys = [ha, old, soon, idle]
    assert select_keys(keys, KeyFilter(in_group="ha"), today=TODAY) == [ha]
    assert select_keys(keys, KeyFilter(expired=True), today=TODAY) == [old]
    assert select_keys(keys, KeyFilter(expiring_within=3), today=TODAY) == [soon]
    assert select_keys(keys, KeyFilter(expiring_within=2), today=TODAY) == []
    assert select_keys(keys, KeyFilter(unused=True), today=TODAY) == [idle]


def test_criteria_combine_with_and() -> None:
    target = api_key(name="ci-1", group="ha", last_used_at=None, expires=TODAY - DAY)
    keys = [
        target,
        api_key(name="ci-2", group="ha", expires=TODAY - DAY),  # used
        api_key(name="ci-3", group="balance", last_used_at=None, expires=TODAY - DAY),  # other group
        api_key(name="dev", group="ha", last_used_at=None, expires=TODAY - DAY),  # other name
        api_key(name="ci-4", group="ha", last_used_at=None),  # not expired
    ]
    chosen = KeyFilter(match="ci-*", in_group="ha", expired=True, unused=True)
    assert select_keys(keys, chosen, today=TODAY) == [target]


def test_select_keys_counts_dates_from_the_local_date_by_default() -> None:
    yesterday = api_key(expires=datetime.date.today() - DAY)
    assert select_keys([yesterday], KeyFilter(expired=True)) == [yesterday]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"match": 3}, "match"),
        ({"in_group": ["ha"]}, "in_group"),
        ({"expired": "yes"}, "expired"),
        ({"unused": 1}, "unused"),
        ({"expiring_within": -1}, "expiring_within"),
        ({"expiring_within": 2.5}, "expiring_within"),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        KeyFilter(**fields)
    assert caught.value.field == field


# --- sort_keys ---------------------------------------------------------------------------------


def _at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 12, 0, tzinfo=datetime.UTC)


def test_sort_orders_are_the_documented_five() -> None:
    assert SORT_ORDERS == ("name", "created", "last-used", "credit-used", "expires")


@pytest.mark.parametrize(
    ("by", "field", "values", "expected"),
    [
        ("name", "name", ["b", None, "a", "c"], [2, 0, 3, 1]),
        ("credit-used", "credit_used", [Decimal("9.5"), Decimal("10"), None, Decimal("0.01")], [3, 0, 1, 2]),
        ("expires", "expires", [None, TODAY + DAY, TODAY, None], [2, 1, 0, 3]),
        ("created", "created_at", [_at(3), _at(1), None, _at(2)], [1, 3, 0, 2]),
        ("last-used", "last_used_at", [None, _at(5), _at(4), None], [2, 1, 0, 3]),
    ],
)
def test_sort_is_ascending_with_missing_values_last(
    by: SortOrder, field: str, values: list[Any], expected: list[int]
) -> None:
    keys = [api_key(**{field: value}) for value in values]
    assert sort_keys(keys, by) == [keys[i] for i in expected]


def test_sort_is_stable_and_mixes_zoned_and_bare_times() -> None:
    bare = api_key(created_at=datetime.datetime(2026, 11, 2, 0, 0))  # the server sent a bare date
    zoned = api_key(
        created_at=datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    )
    same = [api_key(name="x"), api_key(name="x"), api_key(name="x")]
    assert sort_keys([bare, zoned], "created") == [zoned, bare]
    assert sort_keys(same, "name") == same


def test_an_unknown_sort_order_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="sort: must be one of name, created"):
        sort_keys([api_key()], "size")  # type: ignore[arg-type]
