"""The one validator: where each broken rule is, which operation an answer is for, both documents."""

from __future__ import annotations

import httpx
import pytest
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from devtools.openapi_validation import (
    PATCHED_SPEC,
    UPSTREAM_SPEC,
    ContractViolation,
    SpecValidator,
    Violation,
    spec_validator,
)

KEY_URL = "https://geekai.co/api/api_keys/123e4567-e89b-12d3-a456-426614174000"


def answer(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, headers={"Content-Type": "application/json"}, content=body)


def test_the_operation_is_named_by_its_template_whatever_the_base() -> None:
    validator = spec_validator()
    assert validator.operation(httpx.Request("GET", KEY_URL)) == "GET /api_keys/{uuid}"
    assert validator.operation(httpx.Request("PUT", "http://127.0.0.1:9/api_keys/x")) == "PUT /api_keys/{uuid}"
    with pytest.raises(ContractViolation, match="no path"):
        validator.operation(httpx.Request("GET", "https://geekai.co/api/nothing"))


def test_each_broken_rule_says_where_it_is() -> None:
    request = httpx.Request("GET", KEY_URL)
    body = b'{"data": {"uuid": "u", "expired_at": "", "last_used_at": null, "credit_limit": -1}}'
    upstream = spec_validator(UPSTREAM_SPEC).response_violations(request, answer(200, body))
    assert Violation("data/expired_at", "'' is not a 'date'") in upstream
    assert Violation("data/last_used_at", "None is not of type 'string'") in upstream
    patched = spec_validator(PATCHED_SPEC).response_violations(request, answer(200, body))
    assert [v.where for v in patched] == ["data/credit_limit"]


def test_an_undeclared_status_is_one_violation_of_the_whole_answer() -> None:
    # 422: the patch declares no status for an invalid body (codegen/SPEC_NOTES.md).
    found = spec_validator().response_violations(httpx.Request("GET", KEY_URL), answer(422, b"{}"))
    assert found == [Violation("(ResponseNotFound)", "Unknown response http status: 422")]


def test_upstreams_document_is_read_without_openapi_cores_own_check_which_it_fails() -> None:
    with pytest.raises(OpenAPIValidationError, match="uuid"):
        SpecValidator(UPSTREAM_SPEC)
    assert spec_validator(UPSTREAM_SPEC).spec == UPSTREAM_SPEC
