"""Merging the per-operation excerpts back into one document."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from codegen.generate import ROOT, dump_yaml, load_yaml
from codegen.spec_checks import operations
from codegen.upstream.docs_site import Excerpt
from codegen.upstream.merge import DisagreementError, disagreements, fill_in, merge_excerpts
from codegen.upstream.spec_diff import diff_documents
from tests.support.docs_site import excerpt

VENDORED: dict[str, Any] = load_yaml(ROOT / "adminapi.yaml")


def _pages(document: dict[str, Any]) -> list[Excerpt]:
    return [
        Excerpt(f"{method}-{path}.md", method, path, excerpt(document, method, path))
        for method, path, _ in operations(document)
    ]


def test_the_excerpts_of_the_vendored_document_merge_back_into_it() -> None:
    merged = merge_excerpts(_pages(VENDORED))
    assert diff_documents(VENDORED, merged).changes == []


def test_the_merged_document_serialises_the_same_whatever_the_page_order() -> None:
    pages = _pages(VENDORED)
    assert dump_yaml(merge_excerpts(pages)) == dump_yaml(merge_excerpts(reversed(pages)))
    assert list(merge_excerpts(pages)) == ["openapi", "info", "servers", "security", "paths", "components"]


@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("info", lambda d: d["info"].update(version="2.0.0")),
        ("components.schemas.ApiKey", lambda d: d["components"]["schemas"]["ApiKey"].update(type="string")),
    ],
)
def test_two_pages_that_disagree_are_an_error_naming_both(where: str, edit: Any) -> None:
    pages = _pages(VENDORED)  # GET /api_keys, then POST /api_keys: both carry ApiKey
    changed = copy.deepcopy(dict(pages[1].document))
    edit(changed)
    pages[1] = Excerpt(pages[1].page, pages[1].method, pages[1].path, changed)
    with pytest.raises(DisagreementError, match=f"^{pages[0].page} and {pages[1].page} disagree on {where}$"):
        merge_excerpts(pages)


def test_excerpts_cut_from_a_whole_document_agree_with_it() -> None:
    assert disagreements(VENDORED, "adminapi.yaml", _pages(VENDORED)) == []


def test_each_part_the_whole_document_lacks_or_holds_otherwise_is_a_finding_naming_both() -> None:
    whole = copy.deepcopy(VENDORED)
    whole["info"]["version"] = "2.0.0"
    del whole["paths"]["/credit/balance"]
    found = disagreements(whole, "spec.yaml", _pages(VENDORED))
    messages = [finding.message for finding in found]
    first, balance = _pages(VENDORED)[0].page, "get-/credit/balance.md"
    assert f"spec.yaml and {first} disagree on info" in messages  # once, not once per page
    assert f"spec.yaml lacks paths./credit/balance.get, which {balance} has" in messages
    assert len([m for m in messages if m.endswith("disagree on info")]) == 1
    assert {finding.sources for finding in found} >= {("spec.yaml", first), ("spec.yaml", balance)}


def test_filling_in_adds_only_what_the_document_lacks() -> None:
    pages = _pages(VENDORED)
    partial = merge_excerpts(pages[:2])
    partial["info"] = {"title": "changed upstream", "version": "2"}
    filled = fill_in(partial, pages[2:])
    assert filled["info"] == {"title": "changed upstream", "version": "2"}
    assert sorted((m, p) for m, p, _ in operations(filled)) == sorted((m, p) for m, p, _ in operations(VENDORED))
    assert filled["components"] == merge_excerpts(pages)["components"]
