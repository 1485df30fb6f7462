"""Threshold checks: check_report (pure) and ops.check(client) over the fake API, sync and async."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from geekai_admin import Balance, CheckResult, InvalidInputError, Problem, check_report, ops
from tests.geekai_admin.conftest import Against
from tests.geekai_admin.samples import TODAY, api_key
from tests.support.fake_api import FakeAPI

DAY = datetime.timedelta(days=1)
UUID = "00000000-0000-4000-8000-0000000000aa"


def test_nothing_crossed_is_ok() -> None:
    keys = [api_key(credit_used="89.99", credit_limit="100"), api_key(expires=TODAY + 8 * DAY)]
    result = check_report(Balance(coins=Decimal(1000)), keys, min_balance=1000, today=TODAY)
    assert result == CheckResult(ok=True, problems=())
    assert result.to_dict() == {"ok": True, "problems": []}


def test_the_balance_is_checked_only_when_a_minimum_is_given() -> None:
    low = Balance(coins=Decimal("99.99"))
    assert check_report(low, [], today=TODAY).ok
    assert check_report(None, [], today=TODAY).ok
    result = check_report(low, [], min_balance=100, today=TODAY)
    assert result.problems == (Problem("balance", None, "balance 99.99 coins is below the minimum of 100 coins"),)
    with pytest.raises(InvalidInputError, match="needs the balance"):
        check_report(None, [], min_balance=100, today=TODAY)


def test_each_kind_of_problem_has_one_line_naming_the_key() -> None:
    keys = [
        api_key(uuid=UUID, name="ci", credit_used="90", credit_limit="100"),
        api_key(uuid=UUID, name="ci", expires=TODAY + 3 * DAY),
        api_key(uuid=UUID, name="ci", expires=TODAY + DAY),
        api_key(uuid=UUID, name="ci", expires=TODAY),
        api_key(uuid=UUID, name=None, expires=TODAY - DAY),
        api_key(uuid=UUID, name="ci", expired=True),
    ]
    result = check_report(None, keys, today=TODAY)
    assert not result.ok
    key = f"key {UUID} ('ci')"
    assert [(p.kind, p.message) for p in result.problems] == [
        ("expired", f"key {UUID} expired on 2026-11-30"),
        ("expired", f"{key} has expired (the server says so)"),
        ("expiring", f"{key} expires in 3 days (2026-12-04)"),
        ("expiring", f"{key} expires tomorrow (2026-12-02)"),
        ("expiring", f"{key} expires today (2026-12-01)"),
        ("usage", f"{key} has used 90 coins of its limit of 100 coins (90.0%, threshold 90%)"),
    ]
    assert {p.uuid for p in result.problems} == {UUID}


def test_usage_is_exact_and_at_the_threshold_counts() -> None:
    at = api_key(credit_used="33.33", credit_limit="100")
    under = api_key(credit_used="33.32", credit_limit="100")
    result = check_report(None, [at, under, api_key(credit_used="1000000")], max_usage=Decimal("33.33"), today=TODAY)
    assert [p.uuid for p in result.problems] == [at.uuid]
    assert "(33.3%, threshold 33.33%)" in result.problems[0].message


def test_to_dict_is_the_issues_json_shape() -> None:
    result = check_report(Balance(coins=Decimal(5)), [api_key(uuid=UUID, expires=TODAY)], min_balance=10, today=TODAY)
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["ok"] is False
    assert [(p["kind"], p["uuid"]) for p in data["problems"]] == [("balance", None), ("expiring", UUID)]
    assert all(set(p) == {"kind", "uuid", "message"} for p in data["problems"])


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"min_balance": -1}, "min_balance"),
        ({"min_balance": 1.5}, "min_balance"),
        ({"max_usage": "lots"}, "max_usage"),
        ({"expiring_within": None}, "expiring_within"),
    ],
)
def test_bad_thresholds_are_refused(arguments: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_report(Balance(coins=Decimal(1)), [], **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


# --- over HTTP ---------------------------------------------------------------------------------


def test_client_check_without_a_minimum_reads_only_the_listing(against: Against, fake_api: FakeAPI) -> None:
    fake_api.seed(name="ci", credit_limit=100, credit_used=Decimal("95.5"), expired_at="")
    result = against(lambda c: ops.check(c, today=TODAY))
    assert fake_api.calls == ["GET /api/api_keys"]
    assert [p.kind for p in result.problems] == ["usage"]
    assert "95.5 coins of its limit of 100 coins (95.5%" in result.problems[0].message


def test_client_check_with_a_minimum_reads_the_balance_too(against: Against, fake_api: FakeAPI) -> None:
    fake_api.balance = 12.34
    seeded = fake_api.seed(name="soon", credit_limit=0, expired_at="2026-12-08")
    result = against(lambda c: ops.check(c, min_balance=Decimal("12.35"), expiring_within=7, today=TODAY))
    assert fake_api.calls == ["GET /api/credit/balance", "GET /api/api_keys"]
    assert [(p.kind, p.uuid) for p in result.problems] == [("balance", None), ("expiring", seeded.uuid)]
    assert result.problems[0].message == "balance 12.34 coins is below the minimum of 12.35 coins"
    assert against(lambda c: ops.check(c, min_balance=Decimal("12.34"), expiring_within=6, today=TODAY)).ok


def test_client_check_refuses_bad_thresholds_before_sending(against: Against, fake_api: FakeAPI) -> None:
    with pytest.raises(InvalidInputError, match="max_usage"):
        against(lambda c: ops.check(c, max_usage=Decimal("-1")))
    assert fake_api.log == []
