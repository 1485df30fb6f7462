"""The Overlay 1.0 applier, on small documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from codegen.overlay_apply import OverlayError, apply_overlay


def overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


DOC: dict[str, Any] = {
    "paths": {
        "/a": {"get": {"parameters": [{"name": "x", "in": "path"}, {"name": "y", "in": "query"}], "tags": ["t"]}},
        "/b": {"get": {"summary": "b"}},
    }
}


def test_update_merges_objects_recursively_and_replaces_scalars() -> None:
    patched, report = apply_overlay(
        DOC, overlay({"target": "$.paths['/b'].get", "update": {"summary": "new", "operationId": "getB"}})
    )
    assert patched["paths"]["/b"]["get"] == {"summary": "new", "operationId": "getB"}
    assert report[0].matched == 1
    assert report[0].kind == "update"


def test_update_appends_to_arrays_inside_objects() -> None:
    patched, _ = apply_overlay(DOC, overlay({"target": "$.paths['/a'].get", "update": {"tags": ["u"]}}))
    assert patched["paths"]["/a"]["get"]["tags"] == ["t", "u"]


def test_update_of_an_array_target_appends_the_value() -> None:
    patched, _ = apply_overlay(DOC, overlay({"target": "$.paths['/a'].get.tags", "update": "v"}))
    assert patched["paths"]["/a"]["get"]["tags"] == ["t", "v"]


def test_remove_by_filter_keeps_the_rest_of_the_array() -> None:
    patched, report = apply_overlay(
        DOC, overlay({"target": "$.paths['/a'].get.parameters[?@.in == 'path']", "remove": True})
    )
    assert patched["paths"]["/a"]["get"]["parameters"] == [{"name": "y", "in": "query"}]
    assert report[0].matched == 1


def test_remove_of_several_array_items_removes_each_once() -> None:
    patched, report = apply_overlay(DOC, overlay({"target": "$.paths['/a'].get.parameters[*]", "remove": True}))
    assert patched["paths"]["/a"]["get"]["parameters"] == []
    assert report[0].matched == 2


def test_an_action_that_selects_nothing_is_a_reported_no_op() -> None:
    patched, report = apply_overlay(DOC, overlay({"target": "$.paths['/missing'].get", "remove": True}))
    assert patched == DOC
    assert report[0].matched == 0


def test_the_input_document_is_never_mutated() -> None:
    before = copy.deepcopy(DOC)
    update = {"tags": ["u"]}
    patched, _ = apply_overlay(DOC, overlay({"target": "$.paths['/a'].get", "update": update}))
    patched["paths"]["/a"]["get"]["tags"].append("later")
    assert before == DOC
    assert update == {"tags": ["u"]}


def test_actions_apply_in_order() -> None:
    patched, _ = apply_overlay(
        DOC,
        overlay(
            {"target": "$.paths['/b'].get", "update": {"operationId": "first"}},
            {"target": "$.paths['/b'].get", "update": {"operationId": "second"}},
        ),
    )
    assert patched["paths"]["/b"]["get"]["operationId"] == "second"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"overlay": "2.0.0", "info": {"title": "t", "version": "1"}, "actions": [{}]}, "unsupported overlay version"),
        ({"overlay": "1.0.0", "info": {"title": "t"}, "actions": [{}]}, "title and a version"),
        ({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": []}, "non-empty list"),
        ({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [{"remove": True}]}, "target"),
        (overlay({"target": "$.paths"}), "needs `update` or `remove: true`"),
        (overlay({"target": "$.paths[", "remove": True}), "invalid JSONPath"),
        (overlay({"target": "$.paths['/b'].get.summary", "update": {"x": 1}}), "not an object or array"),
        (overlay({"target": "$.paths['/b'].get", "update": ["x"]}), "needs an object update"),
        (overlay({"target": "$", "remove": True}), "cannot remove the document root"),
    ],
)
def test_malformed_overlays_fail_with_a_message_that_names_the_problem(document: dict[str, Any], message: str) -> None:
    with pytest.raises(OverlayError, match=message.replace("[", r"\[").replace("`", "`")):
        apply_overlay(DOC, document)
