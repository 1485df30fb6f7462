"""The schemathesis run against the fake: its one exception to the spec, and its bounds."""

from __future__ import annotations

from typing import cast

import pytest
import requests
import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.core.transport import Response

from tests.support.fake_api import INVALID_REQUEST_STATUS
from tests.support.fake_api.fuzz import CONFIG, FUZZ_ARGUMENTS, command
from tests.support.fake_api.fuzz_hooks import status_code_conformance_but_invalid_request as conformance
from tests.support.fake_api.records import PATCHED_SPEC

NO_CONTEXT = cast(schemathesis.CheckContext, None)
"""The check reads nothing from its context (nor does the built-in one it defers to)."""


@pytest.fixture(scope="module")
def schema() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_path(str(PATCHED_SPEC))


def answer(status: int) -> Response:
    request = requests.Request("POST", "http://127.0.0.1/api/api_keys").prepare()
    return Response(status_code=status, headers={}, content=b"{}", request=request, elapsed=0.0, verify=True)


@pytest.mark.parametrize(("path", "method"), [("/api_keys", "POST"), ("/api_keys/{uuid}", "PUT")])
def test_the_invalid_request_status_is_accepted_where_a_body_is_sent(
    schema: schemathesis.BaseSchema, path: str, method: str
) -> None:
    case = schema[path][method].Case(body={"name": 5})
    assert conformance(NO_CONTEXT, answer(INVALID_REQUEST_STATUS), case) is None


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api_keys", "GET", INVALID_REQUEST_STATUS),
        ("/api_keys/{uuid}", "DELETE", INVALID_REQUEST_STATUS),
        ("/api_keys", "POST", 400),
        ("/api_keys", "POST", 418),
    ],
)
def test_any_other_undeclared_status_is_still_a_failure(
    schema: schemathesis.BaseSchema, path: str, method: str, status: int
) -> None:
    with pytest.raises(Failure, match=f"Received: {status}"):
        conformance(NO_CONTEXT, answer(status), schema[path][method].Case())


def test_declared_statuses_pass(schema: schemathesis.BaseSchema) -> None:
    for status in (200, 401, 404, 500):
        assert conformance(NO_CONTEXT, answer(status), schema["/api_keys/{uuid}"]["GET"].Case()) is None


def test_the_run_is_bounded_and_checks_everything() -> None:
    line = command("http://127.0.0.1:1/api", ["--seed=1"])
    assert {"--checks=all", "--exclude-checks=status_code_conformance"} <= set(line)
    assert "--phases=examples,coverage,fuzzing,stateful" in line
    assert any(argument.startswith("--max-time=") for argument in FUZZ_ARGUMENTS)
    assert any(argument.startswith("--max-examples=") for argument in FUZZ_ARGUMENTS)
    assert line[-1] == "--seed=1"  # given last, so it wins


def test_the_run_keeps_no_cache_of_earlier_failures() -> None:
    assert f"--config-file={CONFIG}" in command("http://127.0.0.1:1/api")
    assert "[cache]\nenabled = false" in CONFIG.read_text(encoding="utf-8")
