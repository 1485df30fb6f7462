"""The project's patch on the vendored spec: what it fixes, and the checks that guard generation."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from codegen.generate import ROOT, Inputs, load_yaml, patched_document
from codegen.spec_checks import SpecError, check_path_parameters, check_spec, operations

PUBLISHED_HASH = ROOT / "codegen" / "adminapi.published.sha256"
"""sha256sum's line for the document as published (codegen/SPEC_NOTES.md says where from)."""
EXPECTED_OPERATIONS = {
    ("get", "/api_keys"): "listApiKeys",
    ("post", "/api_keys"): "createApiKey",
    ("get", "/api_keys/{uuid}"): "getApiKey",
    ("put", "/api_keys/{uuid}"): "updateApiKey",
    ("delete", "/api_keys/{uuid}"): "deleteApiKey",
    ("get", "/credit/balance"): "getCreditBalance",
}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_yaml(ROOT / "adminapi.yaml")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def patched() -> dict[str, Any]:
    return patched_document(Inputs())[0]


def test_the_vendored_spec_is_the_published_one_byte_for_byte() -> None:
    recorded, name = PUBLISHED_HASH.read_text(encoding="ascii").split()
    actual = hashlib.sha256((ROOT / name).read_bytes()).hexdigest()
    assert actual == recorded, (
        f"{name} is not the document as published (sha256 {recorded}): never edit it by hand; after "
        f"replacing it with a new publication, record its hash in {PUBLISHED_HASH.name} and the change in SPEC_NOTES.md"
    )


def test_the_published_spec_has_both_path_parameter_errors(raw: dict[str, Any]) -> None:
    assert check_path_parameters(raw) == [
        "PUT /api_keys/{uuid}: path has {uuid} but declares no path parameter 'uuid'",
        "GET /credit/balance: declares path parameter 'uuid' but the path has no {uuid}",
    ]


def test_the_patched_spec_is_valid_and_consistent(patched: dict[str, Any]) -> None:
    check_spec(patched)
    assert check_path_parameters(patched) == []


def test_every_operation_has_its_operation_id_and_a_tag(patched: dict[str, Any]) -> None:
    found = {(method, path): op.get("operationId") for method, path, op in operations(patched)}
    assert found == EXPECTED_OPERATIONS
    assert all(op.get("tags") for _, _, op in operations(patched))


def test_the_update_operation_declares_uuid_exactly_once(patched: dict[str, Any]) -> None:
    params = patched["paths"]["/api_keys/{uuid}"]["put"]["parameters"]
    assert params == [{"$ref": "#/components/parameters/UuidParam"}]


def test_every_operation_declares_401_and_500(patched: dict[str, Any]) -> None:
    for method, path, op in operations(patched):
        assert {"200", "401", "500"} <= set(op["responses"]), f"{method} {path}"


def test_empty_values_are_allowed_where_the_api_sends_them(patched: dict[str, Any]) -> None:
    props = patched["components"]["schemas"]["ApiKey"]["properties"]
    for name in ("expired_at", "last_used_at", "created_at"):
        kinds = props[name]["anyOf"]
        assert {"type": "null"} in kinds
        assert {"type": "string", "maxLength": 0} in kinds
        assert "type" not in props[name]


def test_both_balance_shapes_are_documented(patched: dict[str, Any]) -> None:
    schema = patched["paths"]["/credit/balance"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["properties"]) == {"balance", "data"}


def test_the_system_key_is_no_longer_called_a_jwt(patched: dict[str, Any]) -> None:
    assert "bearerFormat" not in patched["components"]["securitySchemes"]["bearerAuth"]


def test_check_spec_names_a_path_template_mismatch(patched: dict[str, Any]) -> None:
    broken = copy.deepcopy(patched)
    broken["paths"]["/api_keys/{uuid}"]["put"]["parameters"] = []
    with pytest.raises(SpecError, match=r"PUT /api_keys/\{uuid\}: path has \{uuid\}"):
        check_spec(broken)


def test_check_spec_rejects_an_invalid_document(patched: dict[str, Any]) -> None:
    broken = copy.deepcopy(patched)
    broken["paths"]["/api_keys"]["get"]["responses"] = "not a mapping"
    with pytest.raises(SpecError, match="not valid OpenAPI"):
        check_spec(broken)


def test_path_level_parameters_count_for_every_operation_below() -> None:
    document = {
        "paths": {
            "/k/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True}],
                "get": {},
                "delete": {"parameters": [{"name": "q", "in": "query"}]},
            }
        }
    }
    assert check_path_parameters(document) == []


def test_patched_document_fails_loudly_when_the_patch_breaks_the_spec(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: \"$.paths['/api_keys/{uuid}'].get.parameters\"\n    remove: true\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match=r"GET /api_keys/\{uuid\}"):
        patched_document(Inputs(patch=patch))
