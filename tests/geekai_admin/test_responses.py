"""Hostile values in answers: each is a typed error naming the field, with bounded output.

The bodies are written by hand (a number JSON can carry but Python's json.dumps would not write),
and served by the one fake API.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import APIResponseValidationError, Balance
from geekai_admin._inputs import MAX_AMOUNT, amount_in_bounds
from geekai_admin._key_listing import read_listing
from tests.geekai_admin.fakes import UUID, Driver
from tests.support.fake_api import FakeAPI, Reply, key_record

NUMBER = "__number__"


def _body(payload: Any, number: str) -> bytes:
    """`payload` as JSON, with the string NUMBER replaced by the literal JSON number `number`."""
    return json.dumps(payload).replace(f'"{NUMBER}"', number).encode()


def _serving(body: bytes) -> FakeAPI:
    fake = FakeAPI()
    fake.inject(Reply.raw(body), times=None)
    return fake


BEYOND_BOUNDS = [
    "1e100000000",  # 11 bytes: decimal.Overflow when divided into yuan, 100 MB when printed plainly
    "-1e100000000",
    "1e-100000000",  # 100 MB of zeros when printed plainly
    "1000000000000001",  # 10^15 + 1
    "1e16",
    "0.000000000000000000001",  # 21 decimal places
]
WITHIN_BOUNDS = ["1000000000000000", "-1000000000000000", "1E+15", "12.5", "0.00000000000000000001", "0", "-3"]


@pytest.mark.parametrize("number", BEYOND_BOUNDS)
def test_a_balance_beyond_the_bound_is_refused_naming_the_field(drive: Driver, number: str) -> None:
    fake = _serving(_body({"balance": NUMBER}, number))
    with pytest.raises(
        APIResponseValidationError,
        match=r"^field 'balance' should be a finite number of coins "
        r"within ±10\^15, with at most 20 decimal places, got ",
    ) as caught:
        drive(fake, lambda c: c.balance())
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("number", WITHIN_BOUNDS)
def test_a_balance_within_the_bound_is_read_exactly(drive: Driver, number: str) -> None:
    balance = drive(_serving(_body({"data": {"balance": NUMBER}}, number)), lambda c: c.balance())
    assert balance == Balance(coins=Decimal(number))


@pytest.mark.parametrize("field", ["credit_used", "credit_limit"])
@pytest.mark.parametrize("number", BEYOND_BOUNDS)
def test_a_listed_amount_beyond_the_bound_is_refused_on_either_path(drive: Driver, field: str, number: str) -> None:
    body = _body({"data": [key_record(uuid=UUID, **{field: NUMBER})]}, number)
    assert read_listing(body) is None  # the one-pass reader leaves it to the general path, which names it
    with pytest.raises(
        APIResponseValidationError, match=rf"^listing item 0 \({UUID}\): field '{field}' should be a finite number"
    ):
        drive(_serving(body), lambda c: c.keys.list())


@pytest.mark.parametrize("number", WITHIN_BOUNDS)
def test_a_listed_amount_within_the_bound_is_read_on_the_one_pass_path(number: str) -> None:
    keys = read_listing(_body({"data": [key_record(uuid=UUID, credit_used=NUMBER)]}, number))
    assert keys is not None
    assert keys[0].credit_used == Decimal(number)


def test_a_key_read_with_an_amount_beyond_the_bound_is_refused(drive: Driver) -> None:
    body = _body({"data": key_record(uuid=UUID, credit_limit=NUMBER)}, "1e5000")
    with pytest.raises(APIResponseValidationError, match=r"^field 'credit_limit' should be a finite number"):
        drive(_serving(body), lambda c: c.keys.get(UUID))


def test_the_bound_is_exact_at_its_edges() -> None:
    assert amount_in_bounds(MAX_AMOUNT)
    assert amount_in_bounds(-MAX_AMOUNT)
    assert not amount_in_bounds(MAX_AMOUNT + Decimal("0.01"))
    assert not amount_in_bounds(Decimal("NaN"))
    assert not amount_in_bounds(Decimal("-Infinity"))


# --- nesting in undeclared fields -----------------------------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [33, 330, 600])
def test_an_undeclared_field_nested_past_the_limit_is_refused_naming_it(drive: Driver, depth: int) -> None:
    body = _body({"data": [key_record(uuid=UUID, surprise=NUMBER)]}, _nested(depth))
    with pytest.raises(
        APIResponseValidationError,
        match=rf"^listing item 0 \({UUID}\): field 'surprise' nests lists or objects more than 32 levels deep",
    ):
        drive(_serving(body), lambda c: c.keys.list())


def test_an_undeclared_field_nested_up_to_the_limit_is_kept_and_printable(drive: Driver) -> None:
    body = _body({"data": key_record(uuid=UUID, surprise=NUMBER)}, _nested(32))
    key = drive(_serving(body), lambda c: c.keys.get(UUID))
    assert json.dumps(key.to_dict()["extra"]["surprise"]) == _nested(32).replace("][", "], [")
    assert repr(key)


def test_a_field_with_a_huge_name_is_named_by_its_length(drive: Driver) -> None:
    name = "n" * 10_000
    body = _body({"data": key_record(uuid=UUID, **{name: NUMBER})}, _nested(40))
    with pytest.raises(APIResponseValidationError, match="field with a name of 10000 characters nests") as caught:
        drive(_serving(body), lambda c: c.keys.get(UUID))
    assert len(str(caught.value)) < 200
