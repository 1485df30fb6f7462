"""`balance`, in-process against the fake API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fake_api import SYSTEM_KEY, FakeAPI

pytestmark = pytest.mark.usefixtures("cli_env")


def test_balance_for_people(run: Any, fake: FakeAPI) -> None:
    result = run("balance")
    assert (result.code, result.err) == (0, "")
    assert result.out == "Balance: 123456.78 coins (1234.5678 yuan; 100 coins = 1 yuan)\n"
    (request,) = fake.log
    assert (request.method, request.path) == ("GET", "/api/credit/balance")
    assert request.headers["authorization"] == f"Bearer {SYSTEM_KEY}"


def test_balance_json_is_exact(run: Any, fake: FakeAPI) -> None:
    fake.balance = 1.5e-7  # sent as 1.5e-07: shown without an exponent
    result = run("--json", "balance")
    assert result.json() == {"coins": "0.00000015", "yuan": "0.0000000015"}
