"""Attributing a block to its spec and language, and reading the excerpt it holds."""

from __future__ import annotations

import pytest

from codegen.upstream.docs_site import DocsError, excerpt_of, spec_language
from codegen.upstream.page_blocks import LabelledBlock

BLOCK = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /credit/balance:\n    get: {responses: {}}\n"


@pytest.mark.parametrize(
    ("file", "language"),
    [
        ("adminapi.yaml", ""),
        ("cn/adminapi.yaml", ""),
        ("zh-Hans/adminapi.yaml", ""),
        ("api-reference/adminapi.yaml", ""),
        ("en/adminapi.yaml", "en"),
        ("en/api-reference/adminapi.yaml", "en"),
        ("openapi.json", None),
        ("cn/openapi.json", None),
        ("adminapi.yml", None),
    ],
)
def test_the_admin_spec_and_its_language_are_told_by_the_file_named(file: str, language: str | None) -> None:
    assert spec_language(file) == language


def _block(content: str, method: str = "get", path: str = "/credit/balance") -> LabelledBlock:
    return LabelledBlock("p.md", "adminapi.yaml", method, path, content)


def test_a_block_yields_the_operation_its_label_names_with_the_documents_own_path() -> None:
    found = excerpt_of(_block(BLOCK.replace("/credit/balance:", "/credit/balance/:")))
    assert (found.page, found.operation, found.document["info"]["title"]) == ("p.md", "GET /credit/balance/", "t")


def test_a_label_that_does_not_match_the_block_is_an_error_naming_the_page() -> None:
    with pytest.raises(
        DocsError, match=r"^p.md: the block labelled POST /credit/balance holds \['GET /credit/balance'\]"
    ):
        excerpt_of(_block(BLOCK, method="post"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a: [", "is not YAML or JSON"),
        ("- a list", "is not an OpenAPI excerpt"),
        ("paths: [/x]", "is not an OpenAPI excerpt"),
        ("paths:\n  path: /credit/balance\n  method: get\n", "is not an OpenAPI excerpt"),  # Mintlify's older export
        ("a: &x 1\nb: *x\n", "uses a YAML alias"),
    ],
)
def test_an_unreadable_block_is_an_error_naming_the_page(body: str, message: str) -> None:
    with pytest.raises(DocsError, match=f"^p.md: the GET /credit/balance block {message}"):
        excerpt_of(_block(body))
