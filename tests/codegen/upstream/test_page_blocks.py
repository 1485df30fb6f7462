"""The blocks of a page that label an excerpt, in every form Mintlify writes; the rest is code."""

from __future__ import annotations

import pytest

from codegen.upstream.page_blocks import LabelledBlock, UnknownBlock, page_blocks


def _one(info: str) -> LabelledBlock | UnknownBlock | None:
    found = list(page_blocks("p.md", f"````{info}\nopenapi: 3.1.0\n````\n"))
    return found[0] if found else None


@pytest.mark.parametrize(
    ("info", "file", "method", "path"),
    [
        ("yaml adminapi.yaml GET /api_keys", "adminapi.yaml", "get", "/api_keys"),
        ("yaml /adminapi.yaml get /api_keys", "adminapi.yaml", "get", "/api_keys"),
        ("yaml cn/adminapi.yaml delete /api_keys/{uuid}", "cn/adminapi.yaml", "delete", "/api_keys/{uuid}"),
        ("yaml adminapi.yaml get /api_keys/", "adminapi.yaml", "get", "/api_keys"),
        ("yaml get /api_keys", None, "get", "/api_keys"),
        ("yaml  adminapi.yaml  POST  /api_keys  theme={null}", "adminapi.yaml", "post", "/api_keys"),
        (
            "json en/api-reference/openapi_chat.json post /chat-messages",
            "en/api-reference/openapi_chat.json",
            "post",
            "/chat-messages",
        ),
    ],
)
def test_every_label_form_names_its_file_method_and_path(info: str, file: str | None, method: str, path: str) -> None:
    found = _one(info)
    assert isinstance(found, LabelledBlock)
    assert (found.file, found.method, found.path, found.content) == (file, method, path, "openapi: 3.1.0\n")


@pytest.mark.parametrize(
    "info",
    [
        "yaml",
        "yaml adminapi.yaml",
        "yaml adminapi.yaml theme={null}",
        "bash 创建 KEY theme={null}",
        "python get /x",
        "yaml Get a key theme={null}",
        "json Delete response",
        "yaml Webhook payload example",
        "",
    ],
)
def test_code_blocks_with_titles_or_meta_are_not_excerpts(info: str) -> None:
    assert _one(info) is None


@pytest.mark.parametrize(
    ("info", "why"),
    [
        ("yaml adminapi.yaml GET", "no path after the method"),
        ("yaml api-reference/openapi.json webhook card-updated", "a webhook"),
        ("yaml webhook card-updated", "a webhook"),
        ("yaml Example request GET /x", "not one spec file name"),
        ("yaml adminapi.yaml GET /x extra words", "not meta"),
    ],
)
def test_a_block_that_names_a_method_but_cannot_be_read_is_an_unknown_form(info: str, why: str) -> None:
    found = _one(info)
    assert isinstance(found, UnknownBlock)
    assert (found.page, found.info, why in found.why) == ("p.md", info, True)
