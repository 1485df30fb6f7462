"""Bad input is refused before anything is sent, with an error that names the field."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import Group, InvalidInputError
from geekai_admin._inputs import check_group, check_uuid
from tests.geekai_admin.fakes import UUID, Driver, scripted

BAD_UUIDS = [
    "",
    " ",
    f" {UUID}",
    f"{UUID}\n",
    "../credit/balance",
    f"{UUID}/../../credit",
    "a/b",
    "%2e%2e",
    UUID.replace("-", ""),
    "{" + UUID + "}",
    f"urn:uuid:{UUID}",
    "123e4567-e89b-12d3-a456-42661417400g",
    "\uff11\uff12\uff13e4567-e89b-12d3-a456-426614174000",  # full-width digits
    123,
    None,
    b"123e4567-e89b-12d3-a456-426614174000",
]


@pytest.mark.parametrize("bad", BAD_UUIDS, ids=repr)
@pytest.mark.parametrize("operation", ["get", "delete", "update"])
def test_anything_but_a_uuid_is_refused_with_nothing_sent(drive: Driver, bad: Any, operation: str) -> None:
    calls = {
        "get": lambda c: c.keys.get(bad),
        "delete": lambda c: c.keys.delete(bad),
        "update": lambda c: c.keys.update(bad, name="x"),
    }
    server = scripted()
    with pytest.raises(InvalidInputError) as caught:
        drive(server, calls[operation])
    assert caught.value.field == "uuid"
    assert isinstance(caught.value, ValueError)
    assert server.log == []


CREATE_CASES: list[tuple[dict[str, Any], str, str]] = [
    ({"name": ""}, "name", "must not be empty"),
    ({"name": "   "}, "name", "must not be empty"),
    ({"name": None}, "name", "expected a string, got NoneType"),
    ({"name": "x" * 256}, "name", "longer than 255 characters"),
    ({"name": "a\nb"}, "name", "control characters"),
    ({"name": "a\x00b"}, "name", "control characters"),
    ({"name": "a\u2028b"}, "name", "control characters"),
    ({"name": "evil\u202egnp.exe"}, "name", "control characters"),
    ({"name": "bad\udcff"}, "name", "not valid Unicode text"),
    ({"name": "\ud800"}, "name", "not valid Unicode text"),
    ({"group": "fastest"}, "group", "must be one of lowcost, balance, ha, none"),
    ({"group": "BALANCE"}, "group", "must be one of"),
    ({"group": None}, "group", "must be one of"),
    ({"credit_limit": -1}, "credit_limit", "must not be negative"),
    ({"credit_limit": float("nan")}, "credit_limit", "must be a finite number"),
    ({"credit_limit": float("inf")}, "credit_limit", "must be a finite number"),
    ({"credit_limit": Decimal("NaN")}, "credit_limit", "must be a finite number"),
    ({"credit_limit": "Infinity"}, "credit_limit", "must be a finite number"),
    ({"credit_limit": 10**13}, "credit_limit", "larger than"),
    ({"credit_limit": "1e400"}, "credit_limit", "larger than"),
    ({"credit_limit": "0.1234567890123456"}, "credit_limit", "at most 15 significant digits"),
    ({"credit_limit": "ten"}, "credit_limit", "not a number"),
    # sent as 0.0 (no limit), or read back as more places than the client reads: never sent
    ({"credit_limit": "1e-400"}, "credit_limit", "more than 20 decimal places of a coin, got 1E-400"),
    ({"credit_limit": Decimal("1e-30")}, "credit_limit", "more than 20 decimal places"),
    # Decimal() takes these; a typo or a pasted value should not become an amount
    ({"credit_limit": "\uff11\uff12"}, "credit_limit", "not a number in ASCII digits"),
    ({"credit_limit": "5_000"}, "credit_limit", "not a number in ASCII digits"),
    ({"credit_limit": " 5"}, "credit_limit", "not a number in ASCII digits"),
    ({"credit_limit": True}, "credit_limit", "expected a number of coins, got bool"),
    ({"credit_limit": [1]}, "credit_limit", "got list"),
    (
        {"credit_limit": 0},
        "credit_limit",
        "0 means no limit to the API, not a limit of 0 coins: pass None for no limit",
    ),
    ({"credit_limit": "0.00"}, "credit_limit", "0 means no limit to the API"),
    ({"expires": "2026-13-01"}, "expires", "not a valid date"),
    ({"expires": "2026/12/31"}, "expires", "expected a datetime.date or 'YYYY-MM-DD'"),
    ({"expires": "20261231"}, "expires", "expected a datetime.date"),
    ({"expires": "31-12-2026"}, "expires", "expected a datetime.date"),
    ({"expires": "2026-12-31T00:00:00"}, "expires", "expected a datetime.date"),
    ({"expires": datetime.datetime(2026, 12, 31)}, "expires", "got a datetime"),
    ({"expires": 20261231}, "expires", "expected a datetime.date"),
    ({"expires": ""}, "expires", "expected a datetime.date"),
]


@pytest.mark.parametrize(("given", "field", "message"), CREATE_CASES, ids=repr)
def test_bad_create_input_is_refused_with_nothing_sent(
    drive: Driver, given: dict[str, Any], field: str, message: str
) -> None:
    arguments = {"name": "ci", **given}
    server = scripted()
    with pytest.raises(InvalidInputError, match=message) as caught:
        drive(server, lambda c: c.keys.create(**arguments))
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert server.log == []


@pytest.mark.parametrize(("given", "field", "message"), CREATE_CASES, ids=repr)
def test_bad_update_input_is_refused_with_nothing_sent(
    drive: Driver, given: dict[str, Any], field: str, message: str
) -> None:
    server = scripted()
    with pytest.raises(InvalidInputError, match=message) as caught:
        drive(server, lambda c: c.keys.update(UUID, **given))
    assert caught.value.field == field
    assert server.log == []


def test_a_huge_value_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_uuid("x" * 10_000)
    assert len(str(caught.value)) < 150


@pytest.mark.parametrize("group", [*Group, "lowcost", "balance", "ha", "none"])
def test_every_group_is_accepted_as_enum_or_string(group: str) -> None:
    assert check_group(group) == group


def test_a_uuid_object_is_accepted() -> None:
    assert check_uuid(uuid.UUID(UUID)) == UUID
