"""Every operation of the overlay (sync and async) against Prism: zero violations, typed errors."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import (
    ApiKey,
    APIStatusError,
    AuthenticationError,
    Balance,
    CreatedKey,
    Group,
    InternalServerError,
    InvalidInputError,
    RetryPolicy,
)
from tests.contract.cases import MODES, SECRET, UUID, run_overlay, spec_operation_ids
from tests.contract.prism_watch import PrismWatch

KNOWN_KEY = ApiKey(uuid=UUID, name="ci-pipeline", group="balance", credit_limit=Decimal(10000))

Operation = Callable[[Any], Any]

# operationId -> (label, operation, the requests it sends) for every way of calling it.
CASES: list[tuple[str, str, Operation, list[str]]] = [
    ("getCreditBalance", "balance", lambda c: c.balance(), ["GET /credit/balance"]),
    ("listApiKeys", "list", lambda c: c.keys.list(), ["GET /api_keys"]),
    ("getApiKey", "get", lambda c: c.keys.get(UUID), [f"GET /api_keys/{UUID}"]),
    ("createApiKey", "create-defaults", lambda c: c.keys.create(name="ci"), ["POST /api_keys"]),
    (
        "createApiKey",
        "create-every-field",
        lambda c: c.keys.create(
            name="nightly build 夜间", group=Group.HA, credit_limit=Decimal("1234.56"), expires="2030-01-31"
        ),
        ["POST /api_keys"],
    ),
    (
        "updateApiKey",
        "update-one-field",
        lambda c: c.keys.update(UUID, name="renamed"),
        [f"GET /api_keys/{UUID}", f"PUT /api_keys/{UUID}"],
    ),
    (
        "updateApiKey",
        "update-every-field",
        lambda c: c.keys.update(
            UUID, name="renamed", group="lowcost", credit_limit=50, expires=datetime.date(2031, 6, 30)
        ),
        [f"GET /api_keys/{UUID}", f"PUT /api_keys/{UUID}"],
    ),
    (
        "updateApiKey",
        "update-clear-limit-and-expiry",
        lambda c: c.keys.update(KNOWN_KEY, credit_limit=None, expires=None),
        [f"PUT /api_keys/{UUID}"],
    ),
    ("deleteApiKey", "delete", lambda c: c.keys.delete(UUID), [f"DELETE /api_keys/{UUID}"]),
]


ERROR_CASES = ("balance", "list", "get", "create-every-field", "update-clear-limit-and-expiry", "delete")


def test_the_cases_cover_every_operation_of_the_spec() -> None:
    assert {case[0] for case in CASES} == spec_operation_ids()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("operation_id", "label", "operation", "sent"), CASES, ids=[c[1] for c in CASES])
def test_every_operation_sends_what_the_spec_allows(
    prism_url: str,
    watch: PrismWatch,
    mode: str,
    operation_id: str,
    label: str,
    operation: Operation,
    sent: list[str],
) -> None:
    result = run_overlay(mode, prism_url, watch, operation)

    assert [f"{e.method} {e.path}" for e in watch.exchanges] == sent
    assert [e.status for e in watch.exchanges] == [200] * len(sent)
    assert not watch.violations
    if operation_id == "getCreditBalance":
        assert result == Balance(coins=Decimal("123456.78"))
    elif operation_id == "listApiKeys":
        assert [key.uuid for key in result] == [UUID]
    elif operation_id == "createApiKey":
        assert isinstance(result, CreatedKey)
        assert (result.uuid, result.secret) == (UUID, SECRET)
    elif operation_id in ("getApiKey", "updateApiKey"):
        assert isinstance(result, ApiKey)
        assert result.uuid == UUID
    else:
        assert result is None


def _sent_body(watch: PrismWatch) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(watch.exchanges[-1].request_body)
    return body


@pytest.mark.parametrize("mode", MODES)
def test_create_sends_the_documented_defaults(prism_url: str, watch: PrismWatch, mode: str) -> None:
    run_overlay(mode, prism_url, watch, lambda c: c.keys.create(name="ci"))
    assert _sent_body(watch) == {"name": "ci", "group": "balance", "credit_limit": 0, "expired_at": ""}


@pytest.mark.parametrize("mode", MODES)
def test_every_optional_field_goes_on_the_wire_in_the_spec_s_types(
    prism_url: str, watch: PrismWatch, mode: str
) -> None:
    # A decimal string of coins becomes a JSON number; a date becomes YYYY-MM-DD.
    run_overlay(
        mode,
        prism_url,
        watch,
        lambda c: c.keys.create(name="ci", group="none", credit_limit="12.5", expires=datetime.date(2030, 1, 2)),
    )
    assert _sent_body(watch) == {"name": "ci", "group": "none", "credit_limit": 12.5, "expired_at": "2030-01-02"}


@pytest.mark.parametrize("mode", MODES)
def test_update_sends_every_field_merged_with_the_current_key(prism_url: str, watch: PrismWatch, mode: str) -> None:
    updated = run_overlay(mode, prism_url, watch, lambda c: c.keys.update(UUID, credit_limit=7))
    # The other fields are Prism's example key, read by the GET.
    assert _sent_body(watch) == {
        "name": "ci-pipeline",
        "group": "balance",
        "credit_limit": 7,
        "expired_at": "2026-12-31",
    }
    assert updated.credit_limit == Decimal(7)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("operation_id", "label", "operation", "sent"),
    # Update through an ApiKey sends only the PUT, so the error comes from the operation itself.
    [pytest.param(*case, id=case[1]) for case in CASES if case[1] in ERROR_CASES],
)
@pytest.mark.parametrize(
    ("status", "error", "code"),
    [(401, AuthenticationError, "unauthorized"), (500, InternalServerError, "invalid_request")],
    ids=["401", "500"],
)
def test_error_answers_raise_the_typed_exception(
    prism_url: str,
    watch: PrismWatch,
    mode: str,
    operation_id: str,
    label: str,
    operation: Operation,
    sent: list[str],
    status: int,
    error: type[APIStatusError],
    code: str,
) -> None:
    with pytest.raises(error) as raised:
        run_overlay(mode, prism_url, watch, operation, default_headers={"Prefer": f"code={status}"})

    assert raised.value.status_code == status
    assert raised.value.code == code
    assert [e.status for e in watch.exchanges] == [status]
    assert not watch.violations


@pytest.mark.parametrize("mode", MODES)
def test_a_500_is_retried_by_the_policy(prism_url: str, watch: PrismWatch, mode: str) -> None:
    policy = RetryPolicy(max_retries=2, initial_delay=0, max_delay=0)
    with pytest.raises(InternalServerError):
        run_overlay(
            mode, prism_url, watch, lambda c: c.balance(), retry_policy=policy, default_headers={"Prefer": "code=500"}
        )
    assert [e.status for e in watch.exchanges] == [500, 500, 500]


def test_input_the_spec_forbids_is_refused_before_anything_is_sent(prism_url: str) -> None:
    watch = PrismWatch()
    for operation in (
        lambda c: c.keys.create(name="ci", credit_limit="five"),
        lambda c: c.keys.create(name="ci", group="fastest"),
        lambda c: c.keys.create(name="ci", expires="31/12/2030"),
        lambda c: c.keys.get("not-a-uuid"),
    ):
        with pytest.raises(InvalidInputError):
            run_overlay("sync", prism_url, watch, operation)
    assert watch.exchanges == []
