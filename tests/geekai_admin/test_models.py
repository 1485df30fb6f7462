"""The result types: exact money, JSON-ready dicts, a secret that does not show."""

from __future__ import annotations

import dataclasses
import datetime
import json
from decimal import Decimal

import pytest

from geekai_admin import COINS_PER_YUAN, ApiKey, Balance, CreatedKey, Group
from tests.geekai_admin.fakes import SECRET, UUID


def test_balance_converts_coins_to_yuan_exactly() -> None:
    balance = Balance(coins=Decimal("12345.67"))
    assert balance.yuan == Decimal("123.4567")
    assert balance.coins / COINS_PER_YUAN == balance.yuan
    assert balance.to_dict() == {"coins": "12345.67", "yuan": "123.4567"}


def test_results_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Balance(coins=Decimal(1)).coins = Decimal(2)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ApiKey(uuid=UUID).name = "x"  # type: ignore[misc]


def test_api_key_to_dict_is_json_ready() -> None:
    key = ApiKey(
        uuid=UUID,
        name="ci",
        group="ha",
        credit_limit=Decimal("10.5"),
        expires=datetime.date(2026, 12, 31),
        created_at=datetime.datetime(2026, 1, 1, 8, 0, tzinfo=datetime.UTC),
    )
    data = key.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["credit_limit"] == "10.5"
    assert data["expires"] == "2026-12-31"
    assert data["created_at"] == "2026-01-01T08:00:00+00:00"
    assert data["extra"] == {}


def test_amounts_are_written_in_plain_decimal_notation_never_with_an_exponent() -> None:
    assert Balance(coins=Decimal("1E+4")).to_dict() == {"coins": "10000", "yuan": "100"}
    key = ApiKey(uuid=UUID, credit_limit=Decimal("1E+4"), credit_used=Decimal("0E-2"), extra={"rate": Decimal("1E+1")})
    data = key.to_dict()
    assert (data["credit_limit"], data["credit_used"], data["extra"]) == ("10000", "0.00", {"rate": "10"})
    assert json.loads(json.dumps(data)) == data


def test_to_dict_never_carries_a_secret_field_even_from_extra() -> None:
    key = ApiKey(uuid=UUID, extra={"raw_value": "sk-leaked", "secret": "sk-leaked", "remark": "kept"})
    assert key.to_dict()["extra"] == {"remark": "kept"}
    assert "sk-leaked" not in json.dumps(key.to_dict())


def test_group_members_equal_their_strings() -> None:
    assert Group.LOWCOST == "lowcost"  # type: ignore[comparison-overlap]
    assert [g.value for g in Group] == ["lowcost", "balance", "ha", "none"]
    assert f"{Group.HA}" == "ha"


def test_created_key_hides_its_secret_but_hands_it_over() -> None:
    created = CreatedKey(uuid=UUID, name="ci", secret=SECRET)
    assert created.secret == SECRET
    for text in (repr(created), str(created), f"{created}", repr([created]), repr(created.to_dict())):
        assert SECRET not in text
    assert "secret=<hidden>" in repr(created)
    assert "secret" not in created.to_dict()
    assert created.key() == ApiKey(uuid=UUID, name="ci")
    assert not isinstance(created.key(), CreatedKey)
