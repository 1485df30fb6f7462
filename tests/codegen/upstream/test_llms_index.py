"""Reading one llms.txt or nested index: pages, nested indexes, spec files, and whether it is whole."""

from __future__ import annotations

from codegen.upstream.llms_index import MINTLIFY_INDEX_LIMIT, read_index

INDEX = "https://docs.geekai.co/llms.txt"
BASE = "https://docs.geekai.co"


def test_pages_on_the_site_host_are_followed_as_markdown_once_each_in_every_link_form() -> None:
    llms = """# GeekAI
- [Balance](https://docs.geekai.co/cn/api/balance.md): absolute, .md
- [Intro](https://docs.geekai.co/cn/intro): no .md in the link
- [Relative](/cn/api/keys.md#list)
- [Slash](/cn/api/slash/)
- [Again](https://docs.geekai.co/cn/api/balance.md)
- [Console](https://geekai.co/user/provision_keys)
- [Everything](https://docs.geekai.co/llms-full.txt)
- [Logo](/logo.png)
"""
    assert read_index(INDEX, BASE, llms).pages == [
        "https://docs.geekai.co/cn/api/balance.md",
        "https://docs.geekai.co/cn/intro.md",
        "https://docs.geekai.co/cn/api/keys.md",
        "https://docs.geekai.co/cn/api/slash.md",
    ]


def test_openapi_specs_are_spec_files_not_pages_and_nested_indexes_are_indexes() -> None:
    llms = """# GeekAI

## Docs

- [API 参考 (40 pages)](https://docs.geekai.co/_llms/cn/api-reference.md): the API pages
- [Section](/guides/llms.txt)

## OpenAPI Specs

- [adminapi](https://docs.geekai.co/adminapi.yaml)
- [openapi](/openapi.json)
- [elsewhere](https://api.example.com/v3/openapi)
"""
    found = read_index(INDEX, BASE, llms)
    assert found.pages == []
    assert found.indexes == [
        "https://docs.geekai.co/_llms/cn/api-reference.md",
        "https://docs.geekai.co/guides/llms.txt",
    ]
    assert found.specs == ["https://docs.geekai.co/adminapi.yaml", "https://docs.geekai.co/openapi.json"]


def test_links_are_judged_against_the_host_and_base_path_finally_reached() -> None:
    llms = "- [A](https://docs.example/docs/a.md)\n- [B](/docs/_llms/api.md)\n- [C](https://old.example/docs/c.md)\n"
    found = read_index("https://docs.example/docs/llms.txt", "https://docs.example/docs", llms)
    assert (found.pages, found.indexes) == (
        ["https://docs.example/docs/a.md"],
        ["https://docs.example/docs/_llms/api.md"],
    )


def test_blockquotes_give_no_pages_and_do_not_make_an_index_truncated() -> None:
    llms = """# GeekAI

> The GeekAI docs.

> ## Agent Instructions
> Read [the quickstart](https://docs.geekai.co/quickstart.md) first.

- [Balance](/cn/api/balance.md): the balance
"""
    found = read_index(INDEX, BASE, llms)
    assert (found.pages, found.truncated) == (["https://docs.geekai.co/cn/api/balance.md"], "")


def test_a_note_that_entries_were_left_out_makes_the_index_truncated() -> None:
    llms = "# GeekAI\n\n- [A](/a.md)\n\nThis index was truncated: 12 pages were omitted.\n"
    assert "12 pages were omitted" in read_index(INDEX, BASE, llms).truncated


def test_an_index_near_mintlifys_limit_is_taken_as_truncated_without_a_note() -> None:
    line = "- [Page](/cn/page.md): " + "x" * 80 + "\n"
    llms = "# GeekAI\n\n" + line * (MINTLIFY_INDEX_LIMIT // len(line))
    assert "near Mintlify's 100000 limit" in read_index(INDEX, BASE, llms).truncated
