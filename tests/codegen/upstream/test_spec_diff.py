"""The classification of each difference between two documents, rule by rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from codegen.generate import ROOT, load_yaml
from codegen.overlay_apply import apply_overlay
from codegen.upstream.spec_diff import diff_documents, diff_upstream

VENDORED: dict[str, Any] = load_yaml(ROOT / "adminapi.yaml")
Edit = Callable[[dict[str, Any]], None]


def _edited(edit: Edit) -> dict[str, Any]:
    document = copy.deepcopy(VENDORED)
    edit(document)
    return document


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _changes(edit: Edit) -> dict[str, tuple[str, bool, str]]:
    return {c.where: (c.kind, c.breaking, c.rule) for c in diff_documents(VENDORED, _edited(edit)).changes}


def test_order_quoting_and_formatting_are_no_change() -> None:
    def reorder(document: dict[str, Any]) -> None:
        document["paths"] = dict(reversed(document["paths"].items()))
        _schema(document, "ApiKeyCreateRequest")["required"].reverse()
        _schema(document, "ApiKeyCreateRequest")["properties"]["group"]["enum"].reverse()

    assert diff_documents(VENDORED, _edited(reorder)).changes == []


def _add_remark(document: dict[str, Any]) -> None:
    _schema(document, "ApiKey")["properties"]["remark"] = {"type": "string"}


def _add_project(document: dict[str, Any]) -> None:
    _schema(document, "ApiKeyCreateRequest")["properties"]["project"] = {"type": "string"}


def _require_project(document: dict[str, Any]) -> None:
    _add_project(document)
    _schema(document, "ApiKeyCreateRequest")["required"].append("project")


@pytest.mark.parametrize(
    ("edit", "where", "expected"),
    [
        (_add_remark, "components.schemas.ApiKey.properties.remark", ("added", False, "response field added")),
        (
            _add_project,
            "components.schemas.ApiKeyCreateRequest.properties.project",
            ("added", False, "optional field added"),
        ),
        (
            _require_project,
            "components.schemas.ApiKeyCreateRequest.properties.project",
            ("added", True, "request field added as required"),
        ),
        (
            lambda d: _schema(d, "ApiKey")["properties"].pop("expired"),
            "components.schemas.ApiKey.properties.expired",
            ("removed", True, "response field removed"),
        ),
        (
            lambda d: _schema(d, "ApiKey")["properties"]["credit_used"].update(type="string"),
            "components.schemas.ApiKey.properties.credit_used.type",
            ("changed", True, "type changed"),
        ),
        (
            lambda d: _schema(d, "ApiKeyCreateRequest")["properties"]["group"]["enum"].remove("ha"),
            "components.schemas.ApiKeyCreateRequest.properties.group.enum.ha",
            ("removed", True, "enum value removed from a request"),
        ),
        (
            lambda d: _schema(d, "ApiKeyCreateRequest")["properties"]["group"]["enum"].append("fast"),
            "components.schemas.ApiKeyCreateRequest.properties.group.enum.fast",
            ("added", False, "enum value added"),
        ),
        (
            lambda d: _schema(d, "ApiKeyUpdateRequest")["required"].append("credit_limit"),
            "components.schemas.ApiKeyUpdateRequest.required.credit_limit",
            ("added", True, "request field credit_limit now required"),
        ),
        (
            lambda d: _schema(d, "Error").pop("required"),
            "components.schemas.Error.required",
            ("removed", True, "response field code, message may now be absent"),
        ),
        (
            lambda d: _schema(d, "ApiKeyUpdateRequest").pop("required"),
            "components.schemas.ApiKeyUpdateRequest.required",
            ("removed", False, "request field group, name now optional"),
        ),
        (
            lambda d: (
                d["paths"]["/api_keys"]["get"]
                .setdefault("parameters", [])
                .append({"name": "page", "in": "query", "required": True, "schema": {"type": "integer"}})
            ),
            "paths./api_keys.get.parameters",
            ("added", True, "parameter added as required"),
        ),
        (
            lambda d: d["paths"]["/credit/balance"]["get"]["parameters"].append(
                {"name": "currency", "in": "query", "schema": {"type": "string"}}
            ),
            "paths./credit/balance.get.parameters.currency (in query)",
            ("added", False, "optional parameter added"),
        ),
        (
            lambda d: d["paths"]["/api_keys"]["post"]["responses"].update(
                {"201": d["paths"]["/api_keys"]["post"]["responses"].pop("200")}
            ),
            "paths./api_keys.post.responses.200",
            ("removed", True, "success status changed"),
        ),
        (
            lambda d: d["paths"]["/api_keys"]["get"]["responses"].update({"429": {"description": "slow down"}}),
            "paths./api_keys.get.responses.429",
            ("added", False, "new response status"),
        ),
        (
            lambda d: d["paths"]["/api_keys"]["get"].update(summary="列出"),
            "paths./api_keys.get.summary",
            ("changed", False, "summary changed"),
        ),
        (
            lambda d: _schema(d, "Error")["properties"]["code"].update(example="bad"),
            "components.schemas.Error.properties.code.example",
            ("changed", False, "example changed"),
        ),
        (
            lambda d: _schema(d, "ApiKey")["properties"].update(description={"type": "string"}),
            "components.schemas.ApiKey.properties.description",  # a field named like a keyword
            ("added", False, "response field added"),
        ),
    ],
)
def test_each_rule(edit: Edit, where: str, expected: tuple[str, bool, str]) -> None:
    assert _changes(edit)[where] == expected


def test_a_removed_or_moved_operation_is_breaking_and_named() -> None:
    def move(document: dict[str, Any]) -> None:
        document["paths"]["/api_keys/{uuid}"].pop("delete")
        document["paths"]["/api_keys/{uuid}/remove"] = {"post": VENDORED["paths"]["/api_keys/{uuid}"]["delete"]}

    diff = diff_documents(VENDORED, _edited(move))
    assert (diff.removed, diff.added) == (["DELETE /api_keys/{uuid}"], ["POST /api_keys/{uuid}/remove"])
    assert diff.breaking


def test_a_changed_component_names_every_operation_that_uses_it() -> None:
    diff = diff_documents(VENDORED, _edited(_add_remark))
    assert diff.changed == ["GET /api_keys", "GET /api_keys/{uuid}", "POST /api_keys"]
    assert not diff.breaking


def test_a_change_the_patch_already_made_is_not_breaking() -> None:
    """Upstream declaring PUT's uuid parameter adds a required parameter, which the patch has always declared."""

    def fix(document: dict[str, Any]) -> None:
        document["paths"]["/api_keys/{uuid}"]["put"]["parameters"] = [{"$ref": "#/components/parameters/UuidParam"}]

    new = _edited(fix)
    overlay = load_yaml(ROOT / "adminapi.patch.yaml")
    diff = diff_upstream(VENDORED, new, apply_overlay(VENDORED, overlay)[0], apply_overlay(new, overlay)[0])
    [change] = diff.changes
    assert (change.where, change.rule, change.absorbed, change.breaking) == (
        "paths./api_keys/{uuid}.put.parameters",
        "parameter added as required",
        True,
        False,
    )
