"""Every operation of the generated client (sync and async) against Prism: zero violations."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from geekai_admin_api import AuthenticatedClient
from geekai_admin_api.api.api_keys import create_api_key, delete_api_key, get_api_key, list_api_keys, update_api_key
from geekai_admin_api.api.credit_balance import get_credit_balance
from geekai_admin_api.models import (
    ApiKeyCreateRequest,
    ApiKeyCreateResponse,
    ApiKeyDetailResponse,
    ApiKeyListResponse,
    ApiKeyUpdateRequest,
    CreditBalanceResponse,
    Error,
    MessageResponse,
    UnauthorizedError,
)
from geekai_admin_api.types import UNSET, Response
from tests.contract.cases import MODES, UUID, spec_operation_ids
from tests.contract.prism_watch import PrismWatch
from tests.support.fake_api import SYSTEM_KEY

KEY = uuid.UUID(UUID)

SyncCall = Callable[[AuthenticatedClient], Response[Any]]
AsyncCall = Callable[[AuthenticatedClient], Awaitable[Response[Any]]]

CREATE_BODIES = {
    # Only the required fields: the optional ones are left out of the JSON.
    "create-required-only": ApiKeyCreateRequest(name="ci", group="balance", credit_limit=UNSET, expired_at=UNSET),
    # The model's defaults (the spec's): credit_limit 0, expired_at "".
    "create-defaults": ApiKeyCreateRequest(),
    "create-every-field": ApiKeyCreateRequest(
        name="nightly 夜间", group="lowcost", credit_limit=1234.56, expired_at="2030-01-31"
    ),
}
UPDATE_BODIES = {
    "update-required-only": ApiKeyUpdateRequest(name="ci", group="ha", credit_limit=UNSET, expired_at=UNSET),
    "update-defaults": ApiKeyUpdateRequest(),
    "update-every-field": ApiKeyUpdateRequest(name="renamed", group="none", credit_limit=0, expired_at=""),
}


def _create(body: ApiKeyCreateRequest) -> tuple[SyncCall, AsyncCall]:
    return (
        lambda c: create_api_key.sync_detailed(client=c, body=body),
        lambda c: create_api_key.asyncio_detailed(client=c, body=body),
    )


def _update(body: ApiKeyUpdateRequest) -> tuple[SyncCall, AsyncCall]:
    return (
        lambda c: update_api_key.sync_detailed(KEY, client=c, body=body),
        lambda c: update_api_key.asyncio_detailed(KEY, client=c, body=body),
    )


# (operationId, label, sync call, async call, the model a 200 parses into)
CASES: list[tuple[str, str, SyncCall, AsyncCall, type]] = [
    (
        "getCreditBalance",
        "balance",
        lambda c: get_credit_balance.sync_detailed(client=c),
        lambda c: get_credit_balance.asyncio_detailed(client=c),
        CreditBalanceResponse,
    ),
    (
        "listApiKeys",
        "list",
        lambda c: list_api_keys.sync_detailed(client=c),
        lambda c: list_api_keys.asyncio_detailed(client=c),
        ApiKeyListResponse,
    ),
    (
        "getApiKey",
        "get",
        lambda c: get_api_key.sync_detailed(KEY, client=c),
        lambda c: get_api_key.asyncio_detailed(KEY, client=c),
        ApiKeyDetailResponse,
    ),
    *[("createApiKey", label, *_create(body), ApiKeyCreateResponse) for label, body in CREATE_BODIES.items()],
    *[("updateApiKey", label, *_update(body), MessageResponse) for label, body in UPDATE_BODIES.items()],
    (
        "deleteApiKey",
        "delete",
        lambda c: delete_api_key.sync_detailed(KEY, client=c),
        lambda c: delete_api_key.asyncio_detailed(KEY, client=c),
        MessageResponse,
    ),
]
PARAMS = [pytest.param(*case, id=case[1]) for case in CASES]


def call(
    mode: str, base_url: str, watch: PrismWatch, sync_call: SyncCall, async_call: AsyncCall, **settings: Any
) -> Response[Any]:
    if mode == "sync":
        client = AuthenticatedClient(
            base_url=base_url, token=SYSTEM_KEY, httpx_args={"transport": watch.transport()}, **settings
        )
        with client:
            return sync_call(client)

    async def run() -> Response[Any]:
        client = AuthenticatedClient(
            base_url=base_url, token=SYSTEM_KEY, httpx_args={"transport": watch.async_transport()}, **settings
        )
        async with client:
            return await async_call(client)

    return asyncio.run(run())


def test_the_cases_cover_every_operation_of_the_spec() -> None:
    assert {case[0] for case in CASES} == spec_operation_ids()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("operation_id", "label", "sync_call", "async_call", "model"), PARAMS)
def test_every_operation_sends_what_the_spec_allows(
    prism_url: str,
    watch: PrismWatch,
    mode: str,
    operation_id: str,
    label: str,
    sync_call: SyncCall,
    async_call: AsyncCall,
    model: type,
) -> None:
    response = call(mode, prism_url, watch, sync_call, async_call, raise_on_unexpected_status=True)

    assert response.status_code == 200
    assert isinstance(response.parsed, model)
    assert len(watch.exchanges) == 1
    assert not watch.violations


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("operation_id", "label", "sync_call", "async_call", "model"), PARAMS)
@pytest.mark.parametrize(("status", "error_model"), [(401, UnauthorizedError), (500, Error)], ids=["401", "500"])
def test_error_answers_parse_into_the_error_models(
    prism_url: str,
    watch: PrismWatch,
    mode: str,
    operation_id: str,
    label: str,
    sync_call: SyncCall,
    async_call: AsyncCall,
    model: type,
    status: int,
    error_model: type,
) -> None:
    response = call(mode, prism_url, watch, sync_call, async_call, headers={"Prefer": f"code={status}"})

    assert response.status_code == status
    assert isinstance(response.parsed, error_model)
    assert not watch.violations
