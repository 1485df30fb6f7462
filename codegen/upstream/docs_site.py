"""Reading the OpenAPI excerpts off the docs site (Mintlify): llms.txt, its pages, their fenced blocks.

`URL/llms.txt` links every page; each page is also published as Markdown at its URL plus `.md`.
An API page embeds its operation's excerpt of the document in a block whose info string is
`yaml adminapi.yaml METHOD PATH`. Pages without one are not API pages and are skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import yaml
from markdown_it import MarkdownIt

from codegen.generate import parse_yaml
from codegen.spec_checks import operations
from codegen.upstream.fetch import Fetcher

__all__ = ["DocsError", "Excerpt", "SiteRead", "excerpts", "page_links", "read_site"]

LABEL_PREFIX = "yaml adminapi.yaml"
_LABEL = re.compile(r"^yaml\s+adminapi\.yaml\s+([A-Za-z]+)\s+(/\S*)$")


class DocsError(ValueError):
    """A page's excerpt cannot be read, or does not hold what its label says."""


@dataclass(frozen=True)
class Excerpt:
    page: str
    method: str  # lower case, as in the document
    path: str
    document: Mapping[str, Any]

    @property
    def operation(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True)
class SiteRead:
    index: str
    excerpts: list[Excerpt]
    sha256: str  # of llms.txt and every page read, in order: what the document was built from


def page_links(index_url: str, llms_txt: str) -> list[str]:
    """The Markdown URLs of the pages llms.txt links to on its own host, in order, once each."""
    base = httpx.URL(index_url)
    found: list[str] = []
    for token in MarkdownIt("commonmark").parse(llms_txt):
        for child in token.children or []:
            href = child.attrs.get("href") if child.type == "link_open" else None
            if not isinstance(href, str):
                continue
            url = base.join(href).copy_with(fragment=None, query=None)
            if url.host != base.host or url.path.endswith(".txt"):
                continue
            page = str(url) if url.path.endswith(".md") else str(url.copy_with(path=url.path.rstrip("/") + ".md"))
            if page not in found:
                found.append(page)
    return found


def excerpts(page: str, markdown: str) -> Iterator[Excerpt]:
    """Every `yaml adminapi.yaml METHOD PATH` block of one page, checked against its label."""
    for token in MarkdownIt("commonmark").parse(markdown):
        info = " ".join(token.info.split())
        if token.type != "fence" or not info.startswith(LABEL_PREFIX):
            continue
        label = _LABEL.match(info)
        if label is None:
            raise DocsError(
                f"{page}: cannot read the block label {token.info!r} (expected `{LABEL_PREFIX} METHOD PATH`)"
            )
        method, path = label.group(1).lower(), label.group(2)
        try:
            document = parse_yaml(token.content)
        except yaml.YAMLError as exc:
            raise DocsError(f"{page}: the {method.upper()} {path} block is not YAML: {exc}") from None
        paths = document.get("paths") if isinstance(document, Mapping) else None
        if not isinstance(paths, Mapping) or not all(isinstance(item, Mapping) for item in paths.values()):
            raise DocsError(f"{page}: the {method.upper()} {path} block is not an OpenAPI excerpt (no paths mapping)")
        held = sorted(f"{m.upper()} {p}" for m, p, _ in operations(document))
        if held != [f"{method.upper()} {path}"]:
            raise DocsError(f"{page}: the block labelled {method.upper()} {path} holds {held or 'no operation'}")
        yield Excerpt(page, method, path, document)


def _text(url: str, body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise DocsError(f"{url}: not UTF-8 text") from None


def read_site(fetcher: Fetcher, docs_url: str) -> SiteRead:
    """Every excerpt of every page llms.txt links; any page that cannot be read is an error."""
    index = docs_url.rstrip("/") + "/llms.txt"
    digest = hashlib.sha256()
    body = fetcher.get(index)
    digest.update(body)
    found: list[Excerpt] = []
    for page in page_links(index, _text(index, body)):
        body = fetcher.get(page)
        digest.update(body)
        found.extend(excerpts(page, _text(page, body)))
    if not found:
        raise DocsError(f"{index}: no linked page holds a `{LABEL_PREFIX} METHOD PATH` block")
    return SiteRead(index, found, digest.hexdigest())
