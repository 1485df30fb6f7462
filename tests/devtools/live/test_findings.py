"""The verdicts of the live run, from observations alone (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.live.findings import (
    balance_shape,
    empty_style,
    error_shape,
    error_shapes,
    key_records,
    put_omission,
    update_mismatches,
)
from devtools.live.wire import NOT_JSON, Exchange


def exchange(operation: str, status: int, body: Any, text: str = "", content_type: str = "") -> Exchange:
    return Exchange(operation, status, body, text, content_type, retry_after=None)


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ({"balance": 12.5}, "flat"),
        ({"balance": 0}, "flat"),
        ({"data": {"balance": 7}}, "wrapped"),
        ({"balance": 1, "data": {"balance": 1}}, "other"),
        ({"balance": "12"}, "other"),
        ({"balance": True}, "other"),
        ({"data": []}, "other"),
        ([1], "other"),
        (NOT_JSON, "other"),
        (None, "not_seen"),
    ],
)
def test_balance_shape(body: Any, verdict: str) -> None:
    assert balance_shape(body) == verdict


def test_key_records_come_from_successful_lists_and_gets_only() -> None:
    seen = [
        exchange("GET /api_keys", 200, {"data": [{"uuid": "a"}, {"uuid": "b"}, "junk"]}),
        exchange("GET /api_keys/{uuid}", 200, {"data": {"uuid": "c"}}),
        exchange("GET /api_keys/{uuid}", 404, {"code": "not_found", "message": "no"}),
        exchange("POST /api_keys", 200, {"data": {"uuid": "d", "raw_value": "sk-x"}}),
        exchange("GET /api_keys", 200, NOT_JSON),
    ]
    assert [record["uuid"] for record in key_records(seen)] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("records", "verdict", "counts"),
    [
        ([{"expired_at": ""}, {"expired_at": "2027-01-01"}], "empty_string", {"empty_string": 1}),
        ([{"expired_at": None}, {"expired_at": None}], "null", {"null": 2}),
        ([{"uuid": "a"}], "absent", {"absent": 1}),
        ([{"expired_at": ""}, {"expired_at": None}], "mixed", {"empty_string": 1, "null": 1}),
        ([{"expired_at": "2027-01-01"}], "not_seen", {}),
        ([], "not_seen", {}),
    ],
)
def test_empty_style(records: list[dict[str, Any]], verdict: str, counts: dict[str, int]) -> None:
    assert empty_style(records, "expired_at") == (verdict, counts)


BEFORE = {"credit_limit": 2, "expired_at": "2026-12-04"}


@pytest.mark.parametrize(
    ("after", "verdict", "fates"),
    [
        ({"credit_limit": 2.0, "expired_at": "2026-12-04T00:00:00+08:00"}, "kept", ("kept", "kept")),
        ({"credit_limit": 0, "expired_at": ""}, "reset", ("reset", "reset")),
        ({"credit_limit": None, "expired_at": None}, "reset", ("reset", "reset")),
        ({}, "reset", ("reset", "reset")),
        ({"credit_limit": 2, "expired_at": ""}, "mixed", ("kept", "reset")),
        ({"credit_limit": 0, "expired_at": "2026-12-04"}, "mixed", ("reset", "kept")),
        ({"credit_limit": 5, "expired_at": "2026-12-04"}, "other", ("changed", "kept")),
        ({"credit_limit": 2, "expired_at": "2030-01-01"}, "other", ("kept", "changed")),
    ],
)
def test_put_omission(after: dict[str, Any], verdict: str, fates: tuple[str, str]) -> None:
    found, details = put_omission(BEFORE, after, 200)
    assert found == verdict
    assert (details["fields"]["credit_limit"], details["fields"]["expired_at"]) == fates


def test_put_omission_refused_or_not_run() -> None:
    assert put_omission(BEFORE, BEFORE, 422) == ("rejected", {"put_status": 422})
    assert put_omission(BEFORE, None, 200) == ("not_tested", {})
    assert put_omission(None, BEFORE, 200) == ("not_tested", {})
    assert put_omission(BEFORE, BEFORE, None) == ("not_tested", {})


def test_update_mismatches_name_each_field_not_shown_as_sent() -> None:
    sent = {"name": "n", "group": "lowcost", "credit_limit": 2, "expired_at": "2026-12-04"}
    shown = {"name": "n", "group": {"name": "lowcost"}, "credit_limit": 2.0, "expired_at": "2026-12-04 00:00:00"}
    assert update_mismatches(sent, shown) == []
    assert update_mismatches(sent, {"name": "other", "group": {"name": "balance"}}) == [
        "name",
        "group",
        "credit_limit",
        "expired_at",
    ]


@pytest.mark.parametrize(
    ("body", "text", "content_type", "shape"),
    [
        ({"code": "unauthorized", "message": "no"}, "", "application/json", "code+message"),
        ({"message": "no"}, "", "application/json", "message"),
        ({"error": {"code": "x", "message": "y"}}, "", "application/json", "error{code+message}"),
        ({"error": {"type": "x"}}, "", "application/json", "error{other}"),
        ({"error": "bad key"}, "", "application/json", "error_string"),
        ({"detail": "x"}, "", "application/json", "other"),
        (["x"], "", "application/json", "json_list"),
        (NOT_JSON, "", "", "empty"),
        (NOT_JSON, "<html><title>502</title></html>", "text/html", "html"),
        (NOT_JSON, "Bad Gateway", "text/plain", "text"),
    ],
)
def test_error_shape(body: Any, text: str, content_type: str, shape: str) -> None:
    assert error_shape(exchange("GET /api_keys", 500, body, text, content_type)) == shape


def test_error_shapes_lists_each_shape_once_with_its_statuses() -> None:
    seen = [
        exchange("GET /api_keys/{uuid}", 404, {"code": "not_found", "message": "no"}),
        exchange("GET /credit/balance", 401, {"code": "unauthorized", "message": "no"}),
        exchange("GET /credit/balance", 200, {"balance": 1}),
        exchange("GET /api_keys", 502, NOT_JSON, "<html></html>", "text/html"),
    ]
    assert error_shapes(seen) == (["code+message", "html"], {"code+message": [401, 404], "html": [502]})
