"""Local references only: the scan, and the validator that follows nothing outside the document."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

from codegen.generate import ROOT, load_yaml
from codegen.local_references import UNRESOLVED, NonLocalReference, local_only_validator, non_local_references
from codegen.overlay_apply import apply_overlay
from codegen.spec_checks import SpecError, check_spec
from codegen.upstream.source import InvalidDocumentError, validate_document

VENDORED: dict[str, Any] = load_yaml(ROOT / "adminapi.yaml")
PATCHED: dict[str, Any] = apply_overlay(VENDORED, load_yaml(ROOT / "adminapi.patch.yaml"))[0]
_OPENED: list[str] = []
sys.addaudithook(lambda event, args: _OPENED.append(str(args[0])) if event == "open" else None)


def test_the_vendored_document_has_only_local_references() -> None:
    assert list(non_local_references(VENDORED)) == []


def test_every_key_position_at_any_depth_is_found_in_document_order() -> None:
    document = {
        "paths": {"/a~b": {"$ref": "other.yaml"}},
        "x": [{"deep": [{"$dynamicRef": "https://e.test/#meta"}]}, {"operationRef": "#/paths/~1a"}],
        "links": {"l": {"operationRef": "../o.yaml#/paths"}},
        "ex": {"externalValue": "#/not/even/then"},
        "s": {"$id": "https://e.test/base/", "$ref": 5},
    }
    assert list(non_local_references(document)) == [
        NonLocalReference("/paths/~1a~0b/$ref", "other.yaml"),
        NonLocalReference("/x/0/deep/0/$dynamicRef", "https://e.test/#meta"),
        NonLocalReference("/links/l/operationRef", "../o.yaml#/paths"),
        NonLocalReference("/ex/externalValue", "#/not/even/then"),
        NonLocalReference("/s/$id", "https://e.test/base/"),
        NonLocalReference("/s/$ref", 5),
    ]


def _with_outside_ref(target: Path, base: dict[str, Any]) -> dict[str, Any]:
    target.write_text("components: {schemas: {X: {type: string}}}\n", encoding="utf-8")
    document = copy.deepcopy(base)
    schema = {"$ref": f"file://{target}#/components/schemas/X"}
    document["paths"]["/credit/balance"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = schema
    return document


def test_the_local_only_validator_follows_no_reference_outside_the_document(tmp_path: Path) -> None:
    target = tmp_path / "outside.yaml"
    document, patched = _with_outside_ref(target, VENDORED), _with_outside_ref(target, PATCHED)
    _OPENED.clear()
    with pytest.raises(UNRESOLVED):
        list(local_only_validator(document).iter_errors())
    with pytest.raises(InvalidDocumentError, match="a reference that cannot be followed"):
        validate_document("upstream", document)
    with pytest.raises(SpecError, match="a reference that was not followed"):
        check_spec(patched)
    assert str(target) not in _OPENED


def test_the_local_only_validator_still_follows_local_references() -> None:
    assert list(local_only_validator(VENDORED).iter_errors()) != []  # upstream's path-parameter errors, found
    assert validate_document("vendored", VENDORED) == VENDORED
