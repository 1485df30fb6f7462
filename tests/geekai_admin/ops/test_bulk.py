"""Bulk deletes and updates against the one fake API, sync and async: order, failures, the bound."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import (
    ApiKey,
    AsyncGeekAIAdmin,
    BulkResult,
    GeekAIAdmin,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ops,
)
from tests.geekai_admin.conftest import Against
from tests.geekai_admin.fakes import NO_WAIT, Driver
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, Reply, status

DENIED = Reply.json({"code": "forbidden", "message": "not\nallowed"}, 403)
MISSING = "123e4567-e89b-12d3-a456-426614174999"


def seed(fake: FakeAPI, count: int) -> list[str]:
    return [fake.seed(name=f"k{n}", group="balance", credit_limit=100, expired_at="").uuid for n in range(count)]


# --- delete_many ---------------------------------------------------------------------------------


def test_delete_many_deletes_each_key_and_reports_in_input_order(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed(fake_api, 5)
    results = against(lambda c: ops.delete_many(c, uuids, concurrency=3))
    assert results == [BulkResult(uuid, True, None, None) for uuid in uuids]
    assert fake_api.keys == {}
    assert sorted(entry.uuid or "" for entry in fake_api.log) == sorted(uuids)


def test_delete_many_goes_on_past_a_failed_key(against: Against, fake_api: FakeAPI) -> None:
    first, denied, last = seed(fake_api, 3)
    fake_api.inject(DENIED, method="DELETE", uuid=denied)
    results = against(lambda c: ops.delete_many(c, [first, denied, MISSING, last], concurrency=2))
    assert [(r.uuid, r.ok) for r in results] == [(first, True), (denied, False), (MISSING, False), (last, True)]
    assert isinstance(results[1].error, PermissionDeniedError)
    assert isinstance(results[2].error, NotFoundError)
    assert list(fake_api.keys) == [denied]
    data = [r.to_dict() for r in results]
    assert data[0] == {"uuid": first, "ok": True, "outcome": "done", "error": None}
    assert data[1] == {"uuid": denied, "ok": False, "outcome": "failed", "error": "HTTP 403 [forbidden] not allowed"}
    assert json.loads(json.dumps(data)) == data


def test_delete_many_keeps_the_api_keys_passed_in(against: Against, fake_api: FakeAPI) -> None:
    seed(fake_api, 2)
    listed = against(lambda c: c.keys.list())
    results = against(lambda c: ops.delete_many(c, listed))
    assert [r.key for r in results] == listed


def test_results_keep_the_input_order_when_the_first_key_answers_last(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed(fake_api, 4)
    fake_api.inject(Reply(delay=0.2), method="DELETE", uuid=uuids[0])
    results = against(lambda c: ops.delete_many(c, uuids, concurrency=4))
    assert [r.uuid for r in results] == uuids
    assert all(r.ok for r in results)


def test_nothing_to_delete_sends_nothing(against: Against, fake_api: FakeAPI) -> None:
    assert against(lambda c: ops.delete_many(c, [])) == []
    assert fake_api.log == []


@pytest.mark.parametrize(
    ("keys", "concurrency", "field", "problem"),
    [
        (["123e4567-e89b-12d3-a456-426614174000", "../credit/balance"], 8, "keys[1]", "not a UUID"),
        ([MISSING, MISSING.upper()], 8, "keys[1]", "listed twice"),
        ([MISSING, 42], 8, "keys[1]", "got int"),
        (MISSING, 8, "keys", "got one str"),
        (uuid.UUID(MISSING), 8, "keys", "got one UUID"),
        (None, 8, "keys", "got NoneType"),
        (42, 8, "keys", "got int"),
        ([MISSING], 0, "concurrency", "at least 1"),
        ([MISSING], True, "concurrency", "at least 1"),
    ],
)
def test_every_key_is_checked_before_anything_is_sent(
    against: Against, fake_api: FakeAPI, keys: Any, concurrency: Any, field: str, problem: str
) -> None:
    for bulk in ("delete_many", "update_many"):
        changes = {"group": "ha"} if bulk == "update_many" else {}
        with pytest.raises(InvalidInputError, match=problem) as caught:
            against(
                lambda c, bulk=bulk, changes=changes: getattr(ops, bulk)(c, keys, concurrency=concurrency, **changes)
            )
        assert caught.value.field == field
    assert fake_api.log == []


def test_an_interrupt_starts_no_further_key(fake_api: FakeAPI) -> None:
    uuids = seed(fake_api, 5)
    fake_api.inject(Reply.raising(KeyboardInterrupt()), method="DELETE", uuid=uuids[1])
    for busy in uuids[2:4]:  # both workers are in flight when the interrupt arrives
        fake_api.inject(Reply(delay=0.3), method="DELETE", uuid=busy)
    with (
        GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client,
        pytest.raises(KeyboardInterrupt),
    ):
        ops.delete_many(client, uuids, concurrency=2)
    assert fake_api.count("DELETE", uuid=uuids[4]) == 0
    assert fake_api.has_key(uuids[4])


def test_an_interrupted_run_reports_every_key_done_unknown_or_not_started(fake_api: FakeAPI) -> None:
    uuids = seed(fake_api, 5)
    fake_api.inject(Reply.raising(KeyboardInterrupt()), method="DELETE", uuid=uuids[1])
    fake_api.inject(Reply(delay=0.3), method="DELETE", uuid=uuids[0])  # in flight, ends within the grace
    with (
        GeekAIAdmin(SYSTEM_KEY, transport=fake_api.mock_transport(), retry_policy=NO_WAIT) as client,
        pytest.raises(ops.BulkInterrupted) as caught,
    ):
        ops.delete_many(client, uuids, concurrency=2)
    outcomes = [(r.uuid, r.outcome) for r in caught.value.results]
    assert outcomes == [
        (uuids[0], "done"),  # in flight when the interrupt came: waited for
        (uuids[1], "unknown"),  # the interrupt came during its call
        (uuids[2], "not started"),
        (uuids[3], "not started"),
        (uuids[4], "not started"),
    ]
    assert isinstance(caught.value.interrupt, KeyboardInterrupt)
    assert caught.value.results[3].to_dict() == {"uuid": uuids[3], "ok": False, "outcome": "not started", "error": None}
    assert [fake_api.has_key(u) for u in uuids] == [False, True, True, True, True]


@pytest.mark.parametrize("error", [OverflowError("int too large to convert"), ValueError("bad"), RecursionError()])
def test_any_failure_of_one_key_is_that_keys_result(against: Against, fake_api: FakeAPI, error: Exception) -> None:
    first, broken, last = seed(fake_api, 3)
    fake_api.inject(Reply.raising(error), method="PUT", uuid=broken)
    results = against(lambda c: ops.update_many(c, [first, broken, last], name="renamed", concurrency=1))
    assert [r.outcome for r in results] == ["done", "failed", "done"]
    assert results[1].error is not None
    assert results[1].to_dict()["error"].startswith(type(results[1].error).__name__)
    assert [fake_api.key(u)["name"] for u in (first, broken, last)] == ["renamed", "k1", "renamed"]


def test_an_answer_beyond_any_amount_fails_that_key_only(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed(fake_api, 4)
    hostile = {"code": 0, "data": {**fake_api.key(uuids[2]), "credit_limit": 1e5000}}
    body = json.dumps(hostile).replace("Infinity", "1e5000").encode()
    fake_api.inject(Reply.raw(body), method="GET", uuid=uuids[2])
    results = against(lambda c: ops.update_many(c, uuids, credit_limit=5, concurrency=1))
    assert [r.outcome for r in results] == ["done", "done", "failed", "done"]
    assert "credit_limit" in results[2].to_dict()["error"]


# --- update_many ---------------------------------------------------------------------------------


def test_update_many_reads_merges_and_writes_each_key(against: Against, fake_api: FakeAPI) -> None:
    uuids = seed(fake_api, 3)
    results = against(lambda c: ops.update_many(c, uuids, credit_limit=Decimal("250.5")))
    assert [(r.uuid, r.ok, r.error) for r in results] == [(u, True, None) for u in uuids]
    assert all(r.key is not None and r.key.credit_limit == Decimal("250.5") for r in results)
    assert [fake_api.key(u)["credit_limit"] for u in uuids] == [250.5] * 3
    assert [fake_api.key(u)["name"] for u in uuids] == ["k0", "k1", "k2"]  # the other fields kept
    assert fake_api.count("GET") == fake_api.count("PUT") == 3


def test_update_many_with_api_keys_skips_the_reads(against: Against, fake_api: FakeAPI) -> None:
    seed(fake_api, 2)
    listed: list[ApiKey] = against(lambda c: c.keys.list())
    del fake_api.log[:]
    results = against(lambda c: ops.update_many(c, listed, group="ha"))
    assert [entry.method for entry in fake_api.log] == ["PUT", "PUT"]
    assert [r.key.group if r.key else None for r in results] == ["ha", "ha"]


def test_update_many_goes_on_past_a_failed_key(against: Against, fake_api: FakeAPI) -> None:
    first, broken, last = seed(fake_api, 3)
    fake_api.inject(status(500), method="PUT", uuid=broken, times=None)
    results = against(lambda c: ops.update_many(c, [first, broken, last], name="renamed", concurrency=2))
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, InternalServerError)
    assert results[1].key is None
    assert [fake_api.key(u)["name"] for u in (first, broken, last)] == ["renamed", "k1", "renamed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({}, "update"), ({"credit_limit": -1}, "credit_limit"), ({"group": "vip"}, "group")],
)
def test_update_many_checks_the_changes_before_anything_is_sent(
    against: Against, fake_api: FakeAPI, changes: dict[str, Any], field: str
) -> None:
    uuids = seed(fake_api, 2)
    with pytest.raises(InvalidInputError) as caught:
        against(lambda c: ops.update_many(c, uuids, **changes))
    assert caught.value.field == field
    assert fake_api.log == []


# --- the bound, seen at the fake's socket --------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3])
def test_at_most_concurrency_requests_are_in_flight(drive: Driver, fake_api: FakeAPI, concurrency: int) -> None:
    uuids = seed(fake_api, 9)
    fake_api.inject(Reply(delay=0.1), method="DELETE", times=None)  # long enough for the calls to overlap
    with fake_api.serve() as server:
        if drive.mode == "sync":
            with GeekAIAdmin(SYSTEM_KEY, base_url=server.base_url, retry_policy=NO_WAIT) as client:
                results = ops.delete_many(client, uuids, concurrency=concurrency)
        else:

            async def run() -> list[BulkResult]:
                async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=server.base_url, retry_policy=NO_WAIT) as client:
                    return await ops.delete_many(client, uuids, concurrency=concurrency)

            results = asyncio.run(run())
        peak = server.peak_connections
    assert all(r.ok for r in results)
    assert fake_api.keys == {}
    # A keep-alive pool opens a connection only when every open one is busy: the peak of open
    # connections is the peak of requests in flight.
    assert peak <= concurrency
    assert peak >= min(concurrency, 2)  # and the calls did overlap
