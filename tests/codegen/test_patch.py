"""The project's patch on the vendored spec: what it fixes, and the checks that guard generation."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest

from codegen.generate import ROOT, Inputs, load_yaml, patched_document
from codegen.overlay_apply import apply_overlay
from codegen.spec_checks import SpecError, check_path_parameters, check_spec, operations
from tests.support.generated_tree import OPERATIONS

PUBLISHED_HASH = Inputs().published
"""sha256sum's line for the document as published (codegen/SPEC_NOTES.md says where from)."""


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
    assert found == {(method, path): op_id for op_id, (method, path, _) in OPERATIONS.items()}
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


def test_every_operation_has_a_summary(patched: dict[str, Any]) -> None:
    missing = [f"{method.upper()} {path}" for method, path, op in operations(patched) if not op.get("summary")]
    assert missing == []


def test_an_unknown_uuid_is_declared_404_on_get_update_and_delete(patched: dict[str, Any]) -> None:
    declared = {(method, path) for method, path, op in operations(patched) if "404" in op["responses"]}
    assert declared == {("get", "/api_keys/{uuid}"), ("put", "/api_keys/{uuid}"), ("delete", "/api_keys/{uuid}")}


def test_the_requested_expiry_is_a_real_date_or_empty(patched: dict[str, Any]) -> None:
    for name in ("ApiKeyCreateRequest", "ApiKeyUpdateRequest"):
        expiry = patched["components"]["schemas"][name]["properties"]["expired_at"]
        assert expiry["anyOf"] == [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]
        assert expiry["default"] == ""


# The actions that stand for what upstream may add itself: summaries, 404, the request's date format.
ADDED_BY_FILTER = ("!@.summary", "!@.responses['404']", "!@.expired_at.format")


def test_the_filtered_actions_select_nothing_once_upstream_has_what_they_add(patched: dict[str, Any]) -> None:
    fixed = copy.deepcopy(patched)
    for method, path, _ in operations(patched):
        fixed["paths"][path][method]["summary"] = "upstream's own title"
    fixed["paths"]["/api_keys/{uuid}"]["get"]["responses"]["404"] = {"description": "upstream's own 404"}
    _, report = apply_overlay(fixed, load_yaml(ROOT / "adminapi.patch.yaml"))
    filtered = [result for result in report if any(marker in result.target for marker in ADDED_BY_FILTER)]
    assert len(filtered) == 6
    assert [result.matched for result in filtered] == [0, 0, 0, 0, 0, 0]


def test_upstream_s_own_summary_and_404_are_kept(raw: dict[str, Any]) -> None:
    fixed = copy.deepcopy(raw)
    fixed["paths"]["/api_keys"]["post"]["summary"] = "upstream's own title"
    fixed["paths"]["/api_keys/{uuid}"]["delete"]["responses"]["404"] = {"description": "upstream's own 404"}
    document, _ = apply_overlay(fixed, load_yaml(ROOT / "adminapi.patch.yaml"))
    assert document["paths"]["/api_keys"]["post"]["summary"] == "upstream's own title"
    assert document["paths"]["/api_keys/{uuid}"]["delete"]["responses"]["404"] == {"description": "upstream's own 404"}
    assert document["paths"]["/api_keys/{uuid}"]["get"]["responses"]["404"] == {
        "$ref": "#/components/responses/NotFound"
    }


def test_every_lint_rule_switched_off_says_why() -> None:
    lines = (ROOT / "redocly.yaml").read_text(encoding="utf-8").splitlines()
    config = load_yaml(ROOT / "redocly.yaml")
    switched_off = [rule for rule, level in config["rules"].items() if level in ("off", False)]  # YAML 1.1: off
    assert switched_off, "redocly.yaml switches no rule off: drop this test's premise, or the file"
    for rule in switched_off:
        at = next(n for n, line in enumerate(lines) if line.strip() == f"{rule}: off")
        assert lines[at - 1].strip().startswith("#"), f"redocly.yaml: {rule} is off without its reason above it"
