"""Every response the spec allows, fed to the overlay: it parses, or raises its documented error.

For each operation and each declared status of the patched spec, Hypothesis generates bodies
from the response schema (hypothesis-jsonschema; $refs inlined here first) and serves them
through httpx.MockTransport. openapi-core confirms each generated body is one the spec allows,
so the test is about the overlay, not the generator of bodies. The overlay must then:

- on 200, return its model, or raise APIResponseValidationError, and do which one exactly as
  `usable()` predicts (the spec makes every field optional; some are needed, like a key's uuid,
  and amounts must be within the documented bound);
- on 401 / 500, raise AuthenticationError / InternalServerError;
- never raise anything else (KeyError, TypeError, decimal.InvalidOperation, ...).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from geekai_admin import (
    ApiKey,
    APIResponseValidationError,
    AuthenticationError,
    Balance,
    CreatedKey,
    GeekAIAdmin,
    InternalServerError,
    NotFoundError,
    RetryPolicy,
)
from tests.contract.cases import UUID, spec_operation_ids
from tests.support.fake_api import SYSTEM_KEY
from tests.support.openapi_validation import spec_validator, validating_transport

EXAMPLES_PER_SCHEMA = int(os.environ.get("GEEKAI_CONTRACT_EXAMPLES", "60"))
"""Examples for each (operation, status): 21 schemas, about 1,250 bodies in the default run.
Set GEEKAI_CONTRACT_EXAMPLES (e.g. 2000) for a deeper search."""

KNOWN_KEY = ApiKey(uuid=UUID, name="ci", group="balance")

# operationId -> how the overlay performs it (each sends exactly one request).
OPERATIONS: dict[str, Callable[[GeekAIAdmin], Any]] = {
    "getCreditBalance": lambda c: c.balance(),
    "listApiKeys": lambda c: c.keys.list(),
    "getApiKey": lambda c: c.keys.get(UUID),
    "createApiKey": lambda c: c.keys.create(name="ci"),
    "updateApiKey": lambda c: c.keys.update(KNOWN_KEY, name="renamed"),
    "deleteApiKey": lambda c: c.keys.delete(UUID),
}
ERRORS = {401: AuthenticationError, 404: NotFoundError, 500: InternalServerError}


def inline_refs(document: Mapping[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """`node` with every local $ref replaced by (a copy of) its target; cycles are refused."""
    if isinstance(node, list):
        return [inline_refs(document, item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {ref}")
        if ref in seen:
            raise ValueError(f"recursive schema through {ref}: not supported here")
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        # Keywords beside a $ref (3.1 allows them: a description, here) are annotations only.
        return inline_refs(document, copy.deepcopy(target), (*seen, ref))
    return {key: inline_refs(document, value, seen) for key, value in node.items()}


@dataclasses.dataclass(frozen=True)
class ResponseCase:
    operation_id: str
    method: str
    path: str
    status: int
    schema: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.operation_id}-{self.status}"


def response_cases() -> list[ResponseCase]:
    document = spec_validator().document
    cases = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            for status, response in operation["responses"].items():
                resolved = inline_refs(document, response)
                schema = resolved["content"]["application/json"]["schema"]
                cases.append(ResponseCase(operation["operationId"], method, path, int(status), schema))
    return cases


CASES = response_cases()
_STRATEGIES = {str(case): from_schema(case.schema) for case in CASES}


def _present(value: Any) -> bool:
    return isinstance(value, str) and value != ""


MAX_COINS = Decimal(10) ** 15
"""The documented bound on amounts read from the API: 10^15 coins either way, 20 decimal places."""


def _amount_usable(value: Any) -> bool:
    if value is None:
        return True
    amount = Decimal(str(value))  # as json.loads(parse_float=Decimal) reads the number json.dumps wrote
    exponent = amount.as_tuple().exponent
    return amount.copy_abs() <= MAX_COINS and isinstance(exponent, int) and exponent >= -20


def _key_usable(key: Any) -> bool:
    return (
        isinstance(key, dict)
        and _present(key.get("uuid"))
        and _amount_usable(key.get("credit_limit"))
        and _amount_usable(key.get("credit_used"))
    )


def usable(operation_id: str, body: dict[str, Any]) -> bool:
    """Whether a 200 body that the spec allows carries what the overlay needs to return a result."""
    data = body.get("data")
    if operation_id == "getCreditBalance":
        if "balance" in body:
            return _amount_usable(body["balance"])
        return isinstance(data, dict) and "balance" in data and _amount_usable(data["balance"])
    if operation_id == "listApiKeys":
        return data is None or all(_key_usable(key) for key in data)
    if operation_id == "getApiKey":  # and the key asked for, not another
        return _key_usable(data) and isinstance(data, dict) and data["uuid"].lower() == UUID
    if operation_id == "createApiKey":
        return _key_usable(data) and isinstance(data, dict) and _present(data.get("raw_value"))
    return True  # update, delete: any JSON object acknowledges


def _amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def check_result(operation_id: str, body: dict[str, Any], result: Any) -> None:
    """The parsed result says what the body said."""
    if operation_id == "getCreditBalance":
        assert isinstance(result, Balance)
        expected = body["balance"] if "balance" in body else body["data"]["balance"]
        assert result.coins == _amount(expected)
    elif operation_id == "listApiKeys":
        assert [key.uuid for key in result] == [key["uuid"] for key in body.get("data", [])]
    elif operation_id in ("getApiKey", "createApiKey"):
        assert isinstance(result, CreatedKey if operation_id == "createApiKey" else ApiKey)
        data = body["data"]
        assert result.uuid == data["uuid"]
        limit = data.get("credit_limit")
        assert result.credit_limit == (None if limit in (None, 0) else _amount(limit))
        assert result.credit_used == _amount(data.get("credit_used"))
        assert result.name == data.get("name")
        if isinstance(result, CreatedKey):
            assert result.secret == data["raw_value"]
    else:
        assert result is None or isinstance(result, ApiKey)


def test_every_operation_of_the_spec_has_a_driver_and_declared_responses() -> None:
    assert set(OPERATIONS) == spec_operation_ids()
    assert {case.status for case in CASES} == {200, *ERRORS}


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(
    max_examples=EXAMPLES_PER_SCHEMA,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_allowed_body_parses_or_raises_the_documented_error(case: ResponseCase, data: st.DataObject) -> None:
    body = data.draw(_STRATEGIES[str(case)], label="body")
    assert isinstance(body, dict)  # every response schema of the spec is an object
    content = json.dumps(body, ensure_ascii=False).encode()

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(case.status, content=content, headers={"content-type": "application/json"})

    # validate_responses: openapi-core agrees the generated body is one the spec allows.
    transport = validating_transport(serve, validate_responses=True)
    with GeekAIAdmin(SYSTEM_KEY, transport=transport, retry_policy=RetryPolicy(max_retries=0)) as client:
        operation = OPERATIONS[case.operation_id]
        if case.status in ERRORS:
            with pytest.raises(ERRORS[case.status]) as raised:
                operation(client)
            assert raised.value.status_code == case.status
            return
        if not usable(case.operation_id, body):
            with pytest.raises(APIResponseValidationError):
                operation(client)
            return
        result = operation(client)
    check_result(case.operation_id, body, result)
