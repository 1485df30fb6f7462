"""Every operation, sync and async: the request sent and the result returned."""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from geekai_admin import (
    NOT_GIVEN,
    ApiKey,
    APIResponseValidationError,
    Balance,
    CreatedKey,
    Group,
    InvalidInputError,
    KeyChanges,
    ops,
)
from tests.geekai_admin.fakes import SECRET, SYSTEM_KEY, UUID, Driver, ok, scripted
from tests.support.fake_api import FakeAPI, Reply, key_record

# --- what goes on the wire ---------------------------------------------------------------------


def test_every_request_carries_the_key_and_asks_for_json(drive: Driver) -> None:
    server = scripted(ok({"balance": 1}))
    drive(server, lambda c: c.balance())
    request = server.log[0]
    assert request.headers["authorization"] == f"Bearer {SYSTEM_KEY}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("geekai-admin-python/")
    assert request.url == "https://geekai.co/api/credit/balance"


def test_default_headers_are_sent_too(drive: Driver) -> None:
    server = scripted(ok({"balance": 1}))
    drive(server, lambda c: c.balance(), default_headers={"X-Team": "ops"})
    assert server.log[0].headers["x-team"] == "ops"


# --- balance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"balance": 12345.67}, {"data": {"balance": 12345.67}}, {"balance": 12345.67, "data": {"balance": 1}}],
    ids=["flat", "wrapped", "both-flat-wins"],
)
def test_balance_reads_both_documented_shapes_exactly(drive: Driver, body: dict[str, Any]) -> None:
    balance = drive(scripted(ok(body)), lambda c: c.balance())
    assert balance == Balance(coins=Decimal("12345.67"))
    assert balance.yuan == Decimal("123.4567")


def test_balance_keeps_integers_integral(drive: Driver) -> None:
    assert drive(scripted(ok({"balance": 100})), lambda c: c.balance()).yuan == Decimal(1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "has no balance"),
        ({"data": {}}, "has no balance"),
        ({"balance": "12"}, "'balance' should be a number"),
        ({"balance": True}, "'balance' should be a number"),
        ({"data": "x"}, "unexpected response shape"),
        ([1, 2], "expected a JSON object, got list"),
    ],
)
def test_balance_that_does_not_fit_is_a_validation_error(drive: Driver, body: Any, message: str) -> None:
    with pytest.raises(APIResponseValidationError, match=message):
        drive(scripted(ok(body)), lambda c: c.balance())


def test_a_success_that_is_not_json_is_a_validation_error(drive: Driver) -> None:
    server = scripted(httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}))
    with pytest.raises(APIResponseValidationError, match=r"not JSON \(text/html, 24 bytes\)") as caught:
        drive(server, lambda c: c.balance())
    assert caught.value.body == "<html>maintenance</html>"
    assert caught.value.status_code == 200


# --- list and get ----------------------------------------------------------------------------


def test_list_maps_every_field(drive: Driver) -> None:
    keys = drive(scripted(ok({"data": [key_record(), key_record(uuid="u2", name="b")]})), lambda c: c.keys.list())
    assert [k.uuid for k in keys] == [UUID, "u2"]
    key = keys[0]
    assert key == ApiKey(
        uuid=UUID,
        name="ci-pipeline",
        value="sk-Ab3x****************Yz9Q",
        group="balance",
        credit_limit=Decimal(10000),
        credit_used=Decimal("1234.5"),
        expires=datetime.date(2026, 12, 31),
        expired=False,
        enabled=True,
        last_used_at=datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
        created_at=datetime.datetime(2026, 1, 15, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
    )
    assert key.group == Group.BALANCE
    assert key.group == "balance"


@pytest.mark.parametrize("body", [{}, {"data": None}, {"data": []}], ids=["absent", "null", "[]"])
def test_list_without_data_is_an_empty_list(drive: Driver, body: dict[str, Any]) -> None:
    assert drive(scripted(ok(body)), lambda c: c.keys.list()) == []


@pytest.mark.parametrize("empty", ["", None, "absent"])
def test_empty_values_mean_no_limit_no_expiry_never_used(drive: Driver, empty: str | None) -> None:
    fields: dict[str, Any] = {"credit_limit": 0}
    raw = key_record(**fields)
    for name in ("expired_at", "last_used_at", "created_at"):
        if empty == "absent":
            del raw[name]
        else:
            raw[name] = empty
    key = drive(scripted(ok({"data": raw})), lambda c: c.keys.get(UUID))
    assert key.credit_limit is None
    assert key.expires is None
    assert key.last_used_at is None
    assert key.created_at is None


def test_a_key_with_only_a_uuid_is_read_with_nones(drive: Driver) -> None:
    key = drive(scripted(ok({"data": {"uuid": UUID}})), lambda c: c.keys.get(UUID))
    assert key == ApiKey(uuid=UUID)


def test_a_secret_in_a_listing_is_not_kept_where_repr_shows_it(drive: Driver) -> None:
    key = drive(scripted(ok({"data": key_record(raw_value=SECRET)})), lambda c: c.keys.get(UUID))
    assert key.extra == {}
    assert SECRET not in repr(key)


def test_unknown_fields_are_kept(drive: Driver) -> None:
    key = drive(scripted(ok({"data": key_record(rpm_limit=60, tags=["a"])})), lambda c: c.keys.get(UUID))
    assert key.extra == {"rpm_limit": 60, "tags": ["a"]}
    assert key.to_dict()["extra"] == {"rpm_limit": 60, "tags": ["a"]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20T08:30:00.123456789Z", datetime.datetime(2026, 11, 20, 8, 30, 0, 123456, tzinfo=datetime.UTC)),
        ("2026-11-20t08:30:00z", datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.UTC)),
        ("2026-11-20 08:30:00", datetime.datetime(2026, 11, 20, 8, 30)),
        ("2026-11-20", datetime.datetime(2026, 11, 20)),
    ],
)
def test_timestamps_are_read_leniently(drive: Driver, raw: str, expected: datetime.datetime) -> None:
    key = drive(scripted(ok({"data": key_record(last_used_at=raw)})), lambda c: c.keys.get(UUID))
    assert key.last_used_at == expected


def test_an_expiry_sent_as_a_timestamp_is_read_as_its_date(drive: Driver) -> None:
    key = drive(scripted(ok({"data": key_record(expired_at="2026-12-31 23:59:59")})), lambda c: c.keys.get(UUID))
    assert key.expires == datetime.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("expired_at", "31/12/2026", "'expired_at' should be an ISO 8601 date"),
        ("last_used_at", "yesterday", "'last_used_at' should be an ISO 8601"),
        ("credit_used", "12", "'credit_used' should be a number"),
        ("credit_limit", [1], "'credit_limit' should be a number"),
        ("status", "yes", "'status' should be a boolean"),
        ("name", 5, "'name' should be a string"),
        ("uuid", None, "the key has no uuid"),
        ("group", "balance", "unexpected response shape"),
    ],
)
def test_a_field_of_the_wrong_kind_is_named(drive: Driver, field: str, value: Any, message: str) -> None:
    with pytest.raises(APIResponseValidationError, match=message):
        drive(scripted(ok({"data": {**key_record(), field: value}})), lambda c: c.keys.get(UUID))


def test_one_bad_item_names_its_index_and_its_uuid_when_it_is_one(drive: Driver) -> None:
    server = scripted(ok({"data": [key_record(), key_record(uuid=UUID, credit_used="x")]}))
    with pytest.raises(APIResponseValidationError, match=rf"^listing item 1 \({UUID}\): field 'credit_used'"):
        drive(server, lambda c: c.keys.list())
    odd = scripted(ok({"data": [key_record(uuid="not\x1b[31ma-uuid", credit_used="x")]}))
    with pytest.raises(APIResponseValidationError, match=r"^listing item 0: field 'credit_used'"):  # not quoted
        drive(odd, lambda c: c.keys.list())


@pytest.mark.parametrize("body", [{"message": "ok"}, {"data": None}, {"data": []}], ids=["absent", "null", "list"])
def test_get_without_data_is_a_validation_error(drive: Driver, body: dict[str, Any]) -> None:
    with pytest.raises(APIResponseValidationError, match=r"^the response has no data"):
        drive(scripted(ok(body)), lambda c: c.keys.get(UUID))


@pytest.mark.parametrize("ref", [UUID, UUID.upper(), uuid.UUID(UUID), ApiKey(uuid=UUID)], ids=str)
def test_get_accepts_a_uuid_in_any_form(drive: Driver, ref: Any) -> None:
    server = scripted(ok({"data": key_record()}))
    drive(server, lambda c: c.keys.get(ref))
    assert server.calls == [f"GET /api/api_keys/{UUID}"]


# --- create -----------------------------------------------------------------------------------


def test_create_sends_the_defaults_and_returns_the_secret(drive: Driver) -> None:
    server = scripted(ok({"data": key_record(raw_value=SECRET), "message": "ok"}))
    created = drive(server, lambda c: c.keys.create(name="ci"))
    assert server.calls == ["POST /api/api_keys"]
    assert server.log[0].json() == {"name": "ci", "group": "balance", "credit_limit": 0, "expired_at": ""}
    assert server.log[0].headers["content-type"] == "application/json"
    assert isinstance(created, CreatedKey)
    assert created.secret == SECRET
    assert created.key() == ApiKey(**{k: v for k, v in vars_of(created).items() if k != "secret"})


def vars_of(key: ApiKey) -> dict[str, Any]:
    return {f.name: getattr(key, f.name) for f in dataclasses.fields(key)}


def test_create_sends_every_optional_field(drive: Driver) -> None:
    server = scripted(ok({"data": key_record(raw_value=SECRET)}))
    drive(
        server,
        lambda c: c.keys.create(
            name="ci", group=Group.HA, credit_limit=Decimal("10000.50"), expires=datetime.date(2027, 1, 31)
        ),
    )
    assert server.log[0].json() == {
        "name": "ci",
        "group": "ha",
        "credit_limit": 10000.5,
        "expired_at": "2027-01-31",
    }


@pytest.mark.parametrize(("given", "sent"), [(10000, 10000), ("250", 250), (0.5, 0.5), (None, 0)])
def test_credit_limits_go_out_as_json_numbers(drive: Driver, given: Any, sent: float) -> None:
    server = scripted(ok({"data": key_record(raw_value=SECRET)}))
    drive(server, lambda c: c.keys.create(name="ci", credit_limit=given))
    assert server.log[0].json()["credit_limit"] == sent
    assert type(server.log[0].json()["credit_limit"]) is type(sent)


def test_a_create_without_a_secret_keeps_the_body_reachable(drive: Driver) -> None:
    server = scripted(ok({"data": key_record()}))
    with pytest.raises(APIResponseValidationError, match=f"key {UUID} was created, but .* no secret") as caught:
        drive(server, lambda c: c.keys.create(name="ci"))
    assert json.loads(caught.value.body)["data"]["uuid"] == UUID


def test_a_create_whose_body_does_not_fit_keeps_the_secret_reachable(drive: Driver) -> None:
    body = {"data": key_record(raw_value=SECRET, credit_used="oops")}
    with pytest.raises(APIResponseValidationError) as caught:
        drive(scripted(ok(body)), lambda c: c.keys.create(name="ci"))
    assert SECRET in caught.value.body
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)


def test_a_create_without_data_says_the_key_may_exist(drive: Driver) -> None:
    with pytest.raises(APIResponseValidationError, match="may have been created"):
        drive(scripted(ok({"message": "ok"})), lambda c: c.keys.create(name="ci"))


# --- update -----------------------------------------------------------------------------------


def test_update_reads_then_writes_every_field(drive: Driver) -> None:
    server = scripted(ok({"data": key_record()}), ok({"message": "ok"}))
    updated = drive(server, lambda c: c.keys.update(UUID, name="renamed"))
    assert server.calls == [f"GET /api/api_keys/{UUID}", f"PUT /api/api_keys/{UUID}"]
    assert server.log[1].json() == {
        "name": "renamed",
        "group": "balance",
        "credit_limit": 10000,
        "expired_at": "2026-12-31",
    }
    assert updated.name == "renamed"
    assert updated.credit_limit == Decimal(10000)


def test_update_clears_limit_and_expiry_with_none(drive: Driver) -> None:
    server = scripted(ok({"data": key_record()}), ok({"message": "ok"}))
    updated = drive(server, lambda c: c.keys.update(UUID, credit_limit=None, expires=None))
    assert server.log[1].json() == {"name": "ci-pipeline", "group": "balance", "credit_limit": 0, "expired_at": ""}
    assert updated.credit_limit is None
    assert updated.expires is None


def test_update_of_a_key_in_hand_is_a_single_put(drive: Driver) -> None:
    current = ApiKey(uuid=UUID, name="ci", group="lowcost", credit_limit=Decimal(5), expires=None)
    server = scripted(httpx.Response(200))
    updated = drive(server, lambda c: c.keys.update(current, group="ha", expires="2027-02-01"))
    assert server.calls == [f"PUT /api/api_keys/{UUID}"]
    assert server.log[0].json() == {"name": "ci", "group": "ha", "credit_limit": 5, "expired_at": "2027-02-01"}
    assert updated == ApiKey(
        uuid=UUID, name="ci", group="ha", credit_limit=Decimal(5), expires=datetime.date(2027, 2, 1)
    )


def test_update_with_nothing_to_change_sends_nothing(drive: Driver) -> None:
    server = scripted()
    with pytest.raises(InvalidInputError, match="update: name at least one change: name, group"):
        drive(server, lambda c: c.keys.update(UUID))
    assert server.log == []


def test_update_cannot_keep_a_name_it_never_saw(drive: Driver) -> None:
    server = scripted(ok({"data": {"uuid": UUID, "group": {"name": "ha"}, "expired_at": ""}}))
    with pytest.raises(APIResponseValidationError, match=r"does not say its name, .*give name= too"):
        drive(server, lambda c: c.keys.update(UUID, credit_limit=5))
    assert server.calls == [f"GET /api/api_keys/{UUID}"]


@pytest.mark.parametrize("unsaid", ["credit_limit", "expired_at"])
def test_update_never_resets_what_the_key_as_read_does_not_say(drive: Driver, unsaid: str) -> None:
    # ApiKey's None is both "not said" and "none": sending it back would remove a limit or expiry.
    current = key_record()
    del current[unsaid]
    server = scripted(ok({"data": current}))
    argument = "credit_limit=" if unsaid == "credit_limit" else "expires="
    with pytest.raises(APIResponseValidationError, match=f"does not say its {unsaid}, .*give {argument} too"):
        drive(server, lambda c: c.keys.update(UUID, name="renamed"))
    assert server.calls == [f"GET /api/api_keys/{UUID}"]


def test_update_may_name_what_the_key_does_not_say(drive: Driver) -> None:
    current = key_record(credit_limit=None)
    del current["expired_at"]
    server = scripted(ok({"data": current}), ok({}))
    drive(server, lambda c: c.keys.update(UUID, name="renamed", credit_limit=5, expires=None))
    assert json.loads(server.log[1].body) == {
        "name": "renamed",
        "group": "balance",
        "credit_limit": 5,
        "expired_at": "",
    }


def test_update_keeps_an_expiry_the_server_sends_as_null(drive: Driver) -> None:
    server = scripted(ok({"data": key_record(expired_at=None)}), ok({}))
    drive(server, lambda c: c.keys.update(UUID, name="renamed"))
    assert json.loads(server.log[1].body)["expired_at"] == ""


def test_update_of_a_key_in_a_group_it_cannot_send_back_says_so(drive: Driver) -> None:
    server = scripted(ok({"data": key_record(group={"name": "fast"})}), ok({}))
    with pytest.raises(InvalidInputError, match="has the group 'fast', which this client cannot send back"):
        drive(server, lambda c: c.keys.update(UUID, name="renamed"))
    assert len(server.log) == 1
    server = scripted(ok({"data": key_record(group={"name": "fast"})}), ok({}))
    drive(server, lambda c: c.keys.update(UUID, name="renamed", group="ha"))
    assert json.loads(server.log[-1].body)["group"] == "ha"


def test_update_rejects_bad_changes_before_reading(drive: Driver) -> None:
    server = scripted()
    with pytest.raises(InvalidInputError, match="group: must be one of"):
        drive(server, lambda c: c.keys.update(UUID, group="fastest"))
    assert server.log == []


def test_update_accepts_an_empty_or_non_json_ack(drive: Driver) -> None:
    server = scripted(httpx.Response(200, text="not json"))
    with pytest.raises(APIResponseValidationError, match=r"^HTTP 200 response is not JSON"):
        drive(server, lambda c: c.keys.update(ApiKey(uuid=UUID, name="a", group="ha"), name="b"))


# --- delete -----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [ok({"message": "deleted"}), httpx.Response(204), httpx.Response(200)])
def test_delete_returns_none_on_any_success(drive: Driver, answer: httpx.Response) -> None:
    server = scripted(answer)
    assert drive(server, lambda c: c.keys.delete(UUID)) is None
    assert server.calls == [f"DELETE /api/api_keys/{UUID}"]


# --- every write targets the key the caller named -----------------------------------------------

ASKED_OTHER: list[tuple[str, Any]] = [
    ("get", lambda uuid: lambda c: c.keys.get(uuid)),
    ("update", lambda uuid: lambda c: c.keys.update(uuid, name="renamed")),
    ("rotate", lambda uuid: lambda c: ops.rotate(c, uuid, on_created=lambda new: None)),
    ("update_many", lambda uuid: lambda c: ops.update_many(c, [uuid], name="renamed")),
]


@pytest.mark.parametrize("operation", [o for _, o in ASKED_OTHER], ids=[n for n, _ in ASKED_OTHER])
def test_a_read_that_answers_with_another_key_is_refused_and_nothing_is_written(
    against: Any, fake_api: FakeAPI, operation: Any
) -> None:
    named = fake_api.seed(name="named", group="ha", credit_limit=10)
    other = fake_api.seed(name="other", group="ha", credit_limit=10)
    fake_api.inject(Reply.json({"data": fake_api.key(other.uuid)}), method="GET", uuid=named.uuid, times=None)
    try:
        outcome = against(operation(named.uuid))
    except APIResponseValidationError as caught:
        error = caught
    else:  # update_many reports each key's failure on its result
        (result,) = outcome
        assert isinstance(result.error, APIResponseValidationError)
        error = result.error
    assert f"field 'uuid' should be {named.uuid}, the key asked for, got '{other.uuid}'" in str(error)
    assert fake_api.writes == 0
    assert fake_api.key(other.uuid)["name"] == "other"


def test_the_same_uuid_in_upper_case_is_the_same_key(drive: Driver) -> None:
    server = scripted(ok({"data": key_record(uuid=UUID.upper())}))
    assert drive(server, lambda c: c.keys.get(UUID)).uuid == UUID.upper()


# --- KeyChanges: an update's fields, and a rotation's ------------------------------------------


def test_an_update_must_change_something_a_rotation_need_not() -> None:
    with pytest.raises(InvalidInputError, match="update"):
        KeyChanges.of(name=NOT_GIVEN, group=NOT_GIVEN, credit_limit=NOT_GIVEN, expires=NOT_GIVEN)
    assert KeyChanges.checked() == KeyChanges()
    assert KeyChanges.checked(group="ha", credit_limit="1.5") == KeyChanges(group=Group.HA, credit_limit=Decimal("1.5"))


@pytest.mark.parametrize(
    ("field", "value"), [("name", ""), ("group", "nope"), ("credit_limit", -1), ("expires", "someday")]
)
def test_each_given_field_is_checked_and_named(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        KeyChanges.checked(**{field: value})
    assert caught.value.field == field
