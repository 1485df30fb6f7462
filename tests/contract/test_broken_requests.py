"""Requests the spec forbids are caught: by Prism, and by the in-process openapi-core validator.

These prove the other contract tests can fail: a client that sent `credit_limit` as a string, a
malformed uuid or no system key would be stopped here.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from geekai_admin import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin import _calls as overlay_operations
from geekai_admin_api import AuthenticatedClient, Client
from geekai_admin_api.api.api_keys import create_api_key
from geekai_admin_api.api.credit_balance import get_credit_balance
from geekai_admin_api.models import ApiKeyCreateRequest
from tests.contract.cases import run_overlay
from tests.contract.prism_watch import PrismWatch
from tests.support.fake_api import SYSTEM_KEY
from tests.support.openapi_validation import ContractViolation, spec_validator, validating_transport

BROKEN_CREATE = {"name": "ci", "group": "balance", "credit_limit": "5", "expired_at": ""}


@pytest.fixture
def overlay_sends_amounts_as_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sabotage: the overlay's wire conversion of coins returns a string (a plausible regression)."""

    def as_string(amount: Decimal | None) -> str:
        return "0" if amount is None else str(amount)

    monkeypatch.setattr(overlay_operations, "_wire_amount", as_string)


# --- Prism ---------------------------------------------------------------------------------------


def test_prism_rejects_credit_limit_sent_as_a_string(prism_url: str) -> None:
    watch = PrismWatch(strict=False)
    with httpx.Client(base_url=prism_url, transport=watch.transport()) as raw:
        response = raw.post("/api_keys", json=BROKEN_CREATE, headers={"Authorization": f"Bearer {SYSTEM_KEY}"})

    assert response.status_code == 422
    [exchange] = watch.violations
    assert exchange.violations is not None
    assert "credit_limit" in exchange.violations


def test_the_strict_watch_fails_a_generated_client_call_that_sends_a_string(prism_url: str) -> None:
    body = ApiKeyCreateRequest(name="ci", group="balance", credit_limit="5")  # type: ignore[arg-type]
    watch = PrismWatch()
    client = AuthenticatedClient(base_url=prism_url, token=SYSTEM_KEY, httpx_args={"transport": watch.transport()})
    with client, pytest.raises(ContractViolation, match="credit_limit"):
        create_api_key.sync_detailed(client=client, body=body)


def test_the_strict_watch_fails_a_request_without_the_system_key(prism_url: str) -> None:
    # Prism answers 401 here, with its complaint in the sl-violations header.
    watch = PrismWatch()
    with (
        Client(base_url=prism_url, httpx_args={"transport": watch.transport()}) as client,
        pytest.raises(ContractViolation, match="sl-violations"),
    ):
        get_credit_balance.sync_detailed(client=client)
    assert [exchange.status for exchange in watch.exchanges] == [401]


@pytest.mark.usefixtures("overlay_sends_amounts_as_strings")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_overlay_regression_is_caught_by_prism(prism_url: str, mode: str) -> None:
    watch = PrismWatch()
    with pytest.raises(ContractViolation, match="credit_limit"):
        run_overlay(mode, prism_url, watch, lambda c: c.keys.create(name="ci", credit_limit=5))
    assert [exchange.status for exchange in watch.exchanges] == [422]


# --- in process ----------------------------------------------------------------------------------


def _never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the handler got a request the validator should have stopped: {request}")


def test_the_validator_rejects_credit_limit_sent_as_a_string() -> None:
    with (
        httpx.Client(transport=validating_transport(_never_called), base_url="https://geekai.co/api") as raw,
        pytest.raises(ContractViolation) as raised,
    ):
        raw.post("/api_keys", json=BROKEN_CREATE, headers={"Authorization": f"Bearer {SYSTEM_KEY}"})

    message = str(raised.value)
    assert "POST https://geekai.co/api/api_keys violates the spec" in message
    assert "at credit_limit: '5' is not of type 'number'" in message


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"),
    [
        ("GET", "/api_keys/not-a-uuid", {}, "uuid"),
        ("POST", "/api_keys", {"json": {"name": "ci", "group": "fastest"}}, "'fastest' is not one of"),
        ("POST", "/api_keys", {"json": {"group": "balance"}}, "'name' is a required property"),
        ("POST", "/api_keys", {"json": {"name": "ci", "group": "ha", "credit_limit": -1}}, "minimum"),
        ("POST", "/api_keys", {"json": {"name": "ci", "group": "ha", "expired_at": "31/12/2030"}}, "does not match"),
        ("PUT", "/api_keys/123e4567-e89b-12d3-a456-426614174000", {}, "MissingRequiredRequestBody"),
        ("GET", "/api_keys/123e4567-e89b-12d3-a456-426614174000/usage", {}, "no path of"),
    ],
    ids=["uuid", "group", "name-missing", "negative-limit", "expiry-format", "no-body", "unknown-path"],
)
def test_the_validator_names_each_violation(method: str, path: str, kwargs: dict[str, object], expected: str) -> None:
    transport = validating_transport(_never_called)
    with (
        httpx.Client(transport=transport, base_url="https://geekai.co/api") as raw,
        pytest.raises(ContractViolation, match=expected),
    ):
        raw.request(method, path, headers={"Authorization": f"Bearer {SYSTEM_KEY}"}, **kwargs)  # type: ignore[arg-type]


def test_the_validator_requires_the_system_key() -> None:
    with (
        httpx.Client(transport=validating_transport(_never_called), base_url="https://geekai.co/api") as raw,
        pytest.raises(ContractViolation, match="Security"),
    ):
        raw.get("/credit/balance")


@pytest.mark.usefixtures("overlay_sends_amounts_as_strings")
def test_an_overlay_regression_is_caught_in_process() -> None:
    with (
        GeekAIAdmin(SYSTEM_KEY, transport=validating_transport(_never_called)) as client,
        pytest.raises(ContractViolation, match="credit_limit"),
    ):
        client.keys.create(name="ci", credit_limit=5)

    async def run() -> None:
        async with AsyncGeekAIAdmin(SYSTEM_KEY, transport=validating_transport(_never_called)) as client:
            await client.keys.create(name="ci", credit_limit=5)

    with pytest.raises(ContractViolation, match="credit_limit"):
        asyncio.run(run())


def test_responses_are_checked_when_asked() -> None:
    def wrong_balance(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"balance": "a lot"})

    transport = validating_transport(wrong_balance, validate_responses=True)
    with (
        GeekAIAdmin(SYSTEM_KEY, transport=transport) as client,
        pytest.raises(ContractViolation, match="HTTP 200 answer to GET"),
    ):
        client.balance()


def test_the_validator_accepts_the_spec_s_own_examples() -> None:
    validator = spec_validator()
    request = httpx.Request(
        "POST",
        "https://geekai.dev/api/api_keys",
        json={"name": "geekai", "group": "balance", "credit_limit": 10000, "expired_at": "2025-12-31"},
        headers={"Authorization": f"Bearer {SYSTEM_KEY}"},
    )
    assert validator.request_problems(request) == []
