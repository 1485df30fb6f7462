"""Finding the pages in llms.txt and the spec excerpts in a page."""

from __future__ import annotations

import pytest

from codegen.upstream.docs_site import DocsError, excerpts, page_links
from tests.support.docs_site import page

INDEX = "https://docs.geekai.co/llms.txt"
BLOCK = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /credit/balance:\n    get: {responses: {}}\n"


def test_pages_on_the_index_host_are_followed_as_markdown_once_each() -> None:
    llms = """# GeekAI
- [Balance](https://docs.geekai.co/cn/api/balance.md): the balance
- [Intro](https://docs.geekai.co/cn/intro): no .md in the link
- [Relative](/cn/api/keys.md#list)
- [Again](https://docs.geekai.co/cn/api/balance.md)
- [Console](https://geekai.co/user/provision_keys)
- [Everything](https://docs.geekai.co/llms-full.txt)
"""
    assert page_links(INDEX, llms) == [
        "https://docs.geekai.co/cn/api/balance.md",
        "https://docs.geekai.co/cn/intro.md",
        "https://docs.geekai.co/cn/api/keys.md",
    ]


def test_a_page_yields_the_operation_its_label_names() -> None:
    [found] = excerpts("p.md", page("余额", "get", "/credit/balance", BLOCK))
    assert (found.page, found.operation, found.document["info"]["title"]) == ("p.md", "GET /credit/balance", "t")


def test_other_blocks_are_not_excerpts() -> None:
    markdown = "# Intro\n\n```yaml\nopenapi: 3.1.0\n```\n\n```yaml adminapi.json GET /x\n{}\n```\n"
    assert list(excerpts("p.md", markdown)) == []


def test_a_label_that_does_not_match_the_block_is_an_error_naming_the_page() -> None:
    with pytest.raises(
        DocsError, match=r"p.md: the block labelled POST /credit/balance holds \['GET /credit/balance'\]"
    ):
        list(excerpts("p.md", page("余额", "post", "/credit/balance", BLOCK)))


@pytest.mark.parametrize(
    ("label", "body", "message"),
    [
        ("yaml adminapi.yaml GET", BLOCK, "cannot read the block label"),
        ("yaml adminapi.yaml GET /x", "a: [", "is not YAML"),
        ("yaml adminapi.yaml GET /x", "- a list", "is not an OpenAPI excerpt"),
        ("yaml adminapi.yaml GET /x", "paths: [/x]", "is not an OpenAPI excerpt"),
    ],
)
def test_an_unreadable_block_is_an_error_naming_the_page(label: str, body: str, message: str) -> None:
    with pytest.raises(DocsError, match=f"^p.md: .*{message}"):
        list(excerpts("p.md", f"````{label}\n{body}\n````\n"))
