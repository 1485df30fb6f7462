"""Spec-change rehearsal: what the project's own regeneration does when upstream changes the spec.

Each test copies adminapi.yaml and adminapi.patch.yaml into a temporary folder, changes the copy
as upstream might, and runs codegen.generate.generate() into another temporary folder. The
committed spec, patch and generated/ are never touched.
"""

from __future__ import annotations

import compileall
import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from codegen.generate import PACKAGE, ROOT, Inputs, differences, generate, load_yaml
from codegen.overlay_apply import ActionResult, apply_overlay
from codegen.spec_checks import check_spec
from geekai_admin import GeekAIAdmin
from tests.contract.cases import UUID
from tests.support.fake_api import SYSTEM_KEY
from tests.support.generated_tree import SIX_OPERATION_MODULES, operation_modules
from tests.support.openapi_validation import SpecValidator, validating_transport

UUID_REF = {"$ref": "#/components/parameters/UuidParam"}


def _copy_inputs(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Inputs:
    """The spec and the patch copied into tmp_path, the spec changed by `change`."""
    shutil.copy(ROOT / "adminapi.patch.yaml", tmp_path / "adminapi.patch.yaml")
    spec = load_yaml(ROOT / "adminapi.yaml")
    change(spec)
    (tmp_path / "adminapi.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")
    return Inputs(spec=tmp_path / "adminapi.yaml", patch=tmp_path / "adminapi.patch.yaml")


def _matched(report: list[ActionResult]) -> dict[int, int]:
    return {action.index: action.matched for action in report}


@pytest.fixture(scope="module")
def original_report() -> list[ActionResult]:
    _, report = apply_overlay(load_yaml(ROOT / "adminapi.yaml"), load_yaml(ROOT / "adminapi.patch.yaml"))
    return report


@pytest.fixture
def import_package() -> Iterator[Callable[[Path, str], ModuleType]]:
    """Imports a generated package under another name (geekai_admin_api is the installed one)."""
    loaded: list[str] = []

    def load(package_dir: Path, name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(
            name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in list(sys.modules):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in loaded):
            del sys.modules[name]


# --- upstream adds a field and an operation ------------------------------------------------------


def _add_field_and_operation(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["ApiKey"]["properties"]["rate_limit"] = {
        "type": "integer",
        "description": "Requests per minute; 0 means no limit.",
    }
    # Written the way upstream writes the /api_keys operations: no operationId, no tag.
    spec["paths"]["/api_keys/{uuid}/usage"] = {
        "get": {
            "description": "Usage of one API KEY.",
            "parameters": [UUID_REF],
            "responses": {
                "200": {
                    "description": "成功响应",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "data": {"type": "object", "properties": {"tokens": {"type": "integer"}}}
                                },
                            }
                        }
                    },
                }
            },
        }
    }


@pytest.mark.slow
def test_a_new_field_and_a_new_operation_reach_the_generated_client(
    tmp_path: Path,
    original_report: list[ActionResult],
    import_package: Callable[[Path, str], ModuleType],
) -> None:
    inputs = _copy_inputs(tmp_path, _add_field_and_operation)
    out = tmp_path / "generated"

    report = generate(out, inputs)

    # The patch still applies: every action that selected something still does (the 401/500
    # action now selects the new operation too), and the result passed check_spec in generate().
    before, after = _matched(original_report), _matched(report)
    assert after.keys() == before.keys()
    assert all(after[i] >= before[i] for i in before), (before, after)
    assert after != before
    package = out / PACKAGE
    modules = operation_modules(package)
    new = modules - SIX_OPERATION_MODULES
    assert modules >= SIX_OPERATION_MODULES
    assert len(new) == 1, new
    [new_module] = new
    assert "usage" in new_module
    assert compileall.compile_dir(package, quiet=1)

    import_package(package, "rehearsal_new_field_api")
    models = importlib.import_module("rehearsal_new_field_api.models")
    api_key_model = models.ApiKey.from_dict({"uuid": UUID, "rate_limit": 60})
    assert api_key_model.rate_limit == 60
    assert "rate_limit" not in api_key_model.additional_properties
    usage_module = importlib.import_module("rehearsal_new_field_api." + new_module[:-3].replace("/", "."))
    assert callable(usage_module.sync_detailed)
    assert usage_module._get_kwargs(uuid=UUID)["url"] == f"/api_keys/{UUID}/usage"

    # The new operation answers 401/500 like the others: the patch's rule covers it.
    patched = load_yaml(out / "adminapi.patched.yaml")
    assert {"200", "401", "500"} <= set(patched["paths"]["/api_keys/{uuid}/usage"]["get"]["responses"])


def test_until_regeneration_the_overlay_keeps_an_unknown_field_in_extra() -> None:
    body = {"data": {"uuid": UUID, "name": "ci", "rate_limit": 60}}
    transport = validating_transport(lambda request: httpx.Response(200, json=body), validate_responses=True)
    with GeekAIAdmin(SYSTEM_KEY, transport=transport) as client:
        key = client.keys.get(UUID)
    assert key.extra == {"rate_limit": 60}


# --- upstream fixes its errors ---------------------------------------------------------------------


def _fix_upstream_errors(spec: dict[str, Any]) -> None:
    """The published errors of codegen/SPEC_NOTES.md corrected the way upstream would most likely do it."""
    paths = spec["paths"]
    # 1. No uuid parameter on the balance.
    del paths["/credit/balance"]["get"]["parameters"]
    # 2. The update declares its uuid.
    paths["/api_keys/{uuid}"]["put"]["parameters"] = [UUID_REF]
    # 3. operationIds and tags on the /api_keys operations.
    for path, method, operation_id in [
        ("/api_keys", "get", "listApiKeys"),
        ("/api_keys", "post", "createApiKey"),
        ("/api_keys/{uuid}", "get", "getApiKey"),
        ("/api_keys/{uuid}", "put", "updateApiKey"),
        ("/api_keys/{uuid}", "delete", "deleteApiKey"),
    ]:
        paths[path][method]["operationId"] = operation_id
        paths[path][method]["tags"] = ["API_KEYS"]
    # Request bodies required; 401 and 500 declared on every operation.
    for item in paths.values():
        for operation in item.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
            operation["responses"].setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
            operation["responses"].setdefault("500", {"$ref": "#/components/responses/StandardError"})
    # The 401 body as a named schema.
    components = spec["components"]
    unauthorized = components["responses"]["Unauthorized"]["content"]["application/json"]
    components["schemas"]["UnauthorizedError"] = unauthorized["schema"]
    unauthorized["schema"] = {"$ref": "#/components/schemas/UnauthorizedError"}
    # 10. The system key is not a JWT.
    components["securitySchemes"]["bearerAuth"].pop("bearerFormat", None)


@pytest.mark.slow
def test_once_upstream_fixes_its_errors_the_patch_is_a_harmless_no_op(tmp_path: Path) -> None:
    inputs = _copy_inputs(tmp_path, _fix_upstream_errors)
    fixed = load_yaml(inputs.spec)
    check_spec(fixed)  # the rehearsed fix is itself a consistent document

    out = tmp_path / "generated"
    report = generate(out, inputs)

    # The action that removed the balance's uuid parameter finds nothing to remove.
    [balance_removal] = [a for a in report if a.target.startswith("$.paths['/credit/balance'].get.parameters")]
    assert balance_removal.matched == 0
    # Same six operations, and the same client, byte for byte, as the committed one.
    assert operation_modules(out / PACKAGE) == SIX_OPERATION_MODULES
    assert differences(ROOT / "generated" / PACKAGE, out / PACKAGE) == []
    # The patched document still validates (generate() ran check_spec; openapi-core agrees).
    SpecValidator(out / "adminapi.patched.yaml")
