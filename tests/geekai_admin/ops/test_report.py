"""The spend report: build_report (pure) and ops.report(client) over the fake API, sync and async."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from geekai_admin import Balance, GroupSpend, InvalidInputError, NotFoundError, build_report, ops
from geekai_admin.ops._report import UNKNOWN_GROUP
from tests.geekai_admin.conftest import Against
from tests.geekai_admin.samples import TODAY, api_key
from tests.support.fake_api import FakeAPI, Reply

DAY = datetime.timedelta(days=1)
BALANCE = Balance(coins=Decimal("123456.78"))


def test_the_report_adds_up_exactly_in_total_and_per_group() -> None:
    keys = [
        api_key(group="ha", credit_used="33.33", credit_limit="100"),
        api_key(group="ha", credit_used="0.1"),
        api_key(group="balance", credit_used="0.2"),
        api_key(group=None, credit_used=None),  # neither said: counted, spent nothing
    ]
    report = build_report(BALANCE, keys, today=TODAY)
    assert report.balance == BALANCE
    assert report.keys == 4
    assert report.credit_used == Decimal("33.63")
    assert report.by_group == {
        "balance": GroupSpend(1, Decimal("0.2")),
        "ha": GroupSpend(2, Decimal("33.43")),
        UNKNOWN_GROUP: GroupSpend(1, Decimal(0)),
    }
    assert list(report.by_group) == sorted(report.by_group)


def test_the_report_lists_the_keys_that_need_attention_in_listing_order() -> None:
    near = api_key(credit_used="80", credit_limit="100")
    far = api_key(credit_used="79.99", credit_limit="100")
    unlimited = api_key(credit_used="99999")
    soon = api_key(expires=TODAY + 7 * DAY)
    later = api_key(expires=TODAY + 8 * DAY)
    gone = api_key(expires=TODAY - DAY)
    flagged = api_key(expired=True)
    idle = api_key(last_used_at=None)
    report = build_report(BALANCE, [near, far, unlimited, soon, later, gone, flagged, idle], today=TODAY)
    assert report.near_limit == (near,)
    assert report.expiring == (soon,)
    assert report.expired == (gone, flagged)
    assert report.unused == (idle,)
    assert (report.today, report.expiring_within, report.near_limit_percent) == (TODAY, 7, Decimal(80))


def test_the_thresholds_are_the_callers() -> None:
    half = api_key(credit_used="50", credit_limit="100")
    soon = api_key(expires=TODAY + 2 * DAY)
    report = build_report(BALANCE, [half, soon], expiring_within=1, near_limit=Decimal("49.99"), today=TODAY)
    assert report.near_limit == (half,)
    assert report.expiring == ()


def test_an_empty_account_makes_an_empty_report() -> None:
    report = build_report(Balance(coins=Decimal(0)), [], today=TODAY)
    assert report.to_dict() == {
        "balance": {"coins": "0", "yuan": "0"},
        "keys": 0,
        "credit_used": "0",
        "by_group": {},
        "near_limit": [],
        "expiring": [],
        "expired": [],
        "unused": [],
    }


def test_to_dict_is_the_issues_json_shape_with_exact_decimal_strings() -> None:
    near = api_key(group="ha", credit_used="33.33", credit_limit="40")
    report = build_report(BALANCE, [near], today=TODAY)
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["balance"] == {"coins": "123456.78", "yuan": "1234.5678"}
    assert data["credit_used"] == "33.33"
    assert data["by_group"] == {"ha": {"keys": 1, "credit_used": "33.33"}}
    assert data["near_limit"] == [near.to_dict()]
    assert set(data) == {"balance", "keys", "credit_used", "by_group", "near_limit", "expiring", "expired", "unused"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"expiring_within": -1}, "expiring_within"),
        ({"near_limit": 80.5}, "near_limit"),
        ({"near_limit": Decimal("NaN")}, "near_limit"),
        ({"today": "2026-12-01"}, "today"),
    ],
)
def test_bad_criteria_are_refused(arguments: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_report(BALANCE, [], **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


# --- over HTTP ---------------------------------------------------------------------------------


def test_client_report_reads_the_balance_and_the_listing(against: Against, fake_api: FakeAPI) -> None:
    fake_api.balance = 5000.5
    near = fake_api.seed(name="ci", group="ha", credit_limit=100, credit_used=Decimal("33.33"), expired_at="")
    fake_api.seed(name="batch", group="ha", credit_limit=0, credit_used=Decimal("0.01"), expired_at="2026-12-05")
    fake_api.seed(name="old", group="lowcost", credit_limit=50, credit_used=0, expired_at="2026-11-30", last_used_at="")
    report = against(lambda c: ops.report(c, near_limit=Decimal("33.33"), today=TODAY))
    assert fake_api.calls == ["GET /api/credit/balance", "GET /api/api_keys"]
    assert report.balance == Balance(coins=Decimal("5000.5"))
    assert report.keys == 3
    assert report.credit_used == Decimal("33.34")
    assert report.to_dict()["by_group"] == {
        "ha": {"keys": 2, "credit_used": "33.34"},
        "lowcost": {"keys": 1, "credit_used": "0"},
    }
    assert [k.uuid for k in report.near_limit] == [near.uuid]
    assert [k.name for k in report.expiring] == ["batch"]
    assert [k.name for k in report.expired] == ["old"]
    assert [k.name for k in report.unused] == ["old"]


def test_client_report_refuses_bad_criteria_before_sending(against: Against, fake_api: FakeAPI) -> None:
    with pytest.raises(InvalidInputError, match="near_limit"):
        against(lambda c: ops.report(c, near_limit=-5))
    assert fake_api.log == []


def test_client_report_raises_what_a_read_raised(against: Against, fake_api: FakeAPI) -> None:
    fake_api.inject(Reply.json({"code": "not_found", "message": "gone"}, 404), route="/api_keys")
    with pytest.raises(NotFoundError):
        against(ops.report)
