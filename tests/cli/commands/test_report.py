"""`report` and `check`: the spend report and the threshold check (exit status 3 and 0)."""

from __future__ import annotations

import datetime

import pytest

from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI

TODAY = datetime.date.today()


def _day(days: int) -> str:
    return (TODAY + datetime.timedelta(days=days)).isoformat()


def _seed(api: FakeAPI) -> dict[str, str]:
    api.balance = 4321.5
    return {
        "near": api.seed(name="near", group="ha", credit_limit=100, credit_used=95, expired_at="").uuid,
        "soon": api.seed(name="soon", group="ha", credit_limit=0, credit_used=10.25, expired_at=_day(3)).uuid,
        "gone": api.seed(
            name="gone", group="balance", credit_limit=0, credit_used=0, expired_at=_day(-2), expired=True
        ).uuid,
        "idle": api.seed(
            name="idle", group="balance", credit_limit=1000, credit_used=0, expired_at="", last_used_at=""
        ).uuid,
    }


def test_report_json(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    result = cli("--json", "report")
    assert (result.code, result.err) == (0, "")
    document = result.json()
    assert document["balance"] == {"coins": "4321.5", "yuan": "43.215"}
    assert document["keys"] == 4
    assert document["credit_used"] == "105.25"
    assert document["by_group"] == {
        "ha": {"keys": 2, "credit_used": "105.25"},
        "balance": {"keys": 2, "credit_used": "0"},
    }
    assert [key["uuid"] for key in document["near_limit"]] == [keys["near"]]
    assert [key["uuid"] for key in document["expiring"]] == [keys["soon"]]
    assert [key["uuid"] for key in document["expired"]] == [keys["gone"]]
    assert keys["idle"] in [key["uuid"] for key in document["unused"]]
    # Keys in a report are the command's KEY, as `keys list --json` prints them.
    listed = {key["uuid"]: key for key in cli("--json", "keys", "list").json()["keys"]}
    assert document["near_limit"][0] == listed[keys["near"]]
    assert api.writes == 0


def test_report_thresholds(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    document = cli("report", "--near-limit", "96", "--expiring-within", "2", "--json").json()
    assert document["near_limit"] == []
    assert document["expiring"] == []
    document = cli("report", "--near-limit", "9.5%", "--json").json()
    assert {key["uuid"] for key in document["near_limit"]} == {keys["near"]}


def test_report_for_people(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    out = cli("report").out
    assert out.startswith("Balance: 4321.5 coins (43.215 yuan; 100 coins = 1 yuan)\n")
    assert "Keys: 4, credit used 105.25 coins in all" in out
    assert "Near their limit (>= 80 %):" in out
    assert "Expiring within 7 days:" in out
    assert "Never used:" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "--near-limit", "lots"], "argument --near-limit: must be a percentage"),
        (["report", "--expiring-within", "-1"], "argument --expiring-within: must be a whole number of days"),
        (["check", "--min-balance", "-5"], "argument --min-balance: must be an amount of coins"),
        (["check", "--max-usage", "nan"], "argument --max-usage: must be a percentage"),
    ],
)
def test_bad_thresholds_are_exit_2_and_send_nothing(cli: Cli, api: FakeAPI, argv: list[str], message: str) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert message in result.err
    assert api.log == []


def test_check_exits_3_with_one_line_per_problem(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    result = cli("check", "--min-balance", "5000")
    assert result.code == 3
    balance, expired, expiring, usage = result.out.splitlines()  # the library's order
    assert balance == "balance 4321.5 coins is below the minimum of 5000 coins"
    assert expired.startswith(f"key {keys['gone']} ('gone') expired on ")
    assert expiring == f"key {keys['soon']} ('soon') expires in 3 days ({_day(3)})"
    assert usage.startswith(f"key {keys['near']} ('near') has used 95 coins of its limit of 100 coins")
    assert result.err == ""


def test_check_json(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    result = cli("--json", "check", "--max-usage", "99")
    assert result.code == 3
    document = result.json()
    assert document["ok"] is False
    by_kind = {problem["kind"]: problem for problem in document["problems"]}
    assert set(by_kind) == {"expired", "expiring"}  # no --min-balance: the balance is not checked
    assert by_kind["expiring"]["uuid"] == keys["soon"]
    assert set(by_kind["expiring"]) == {"kind", "uuid", "message"}


def test_check_exits_0_when_all_is_well(cli: Cli, api: FakeAPI) -> None:
    api.balance = 10_000
    api.seed(name="fine", group="ha", credit_limit=100, credit_used=10, expired_at=_day(365))
    result = cli("check", "--min-balance", "5000")
    assert (result.code, result.out, result.err) == (0, "OK: no problem found\n", "")
    assert cli("check", "--json").json() == {"ok": True, "problems": []}


def test_check_on_an_api_failure_is_exit_1(cli: Cli, api: FakeAPI) -> None:
    api.system_key = "sk-another-one"
    result = cli("check")
    assert result.code == 1
    assert "HTTP 401" in result.err
