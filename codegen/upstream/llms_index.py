"""One llms.txt (or a nested `/_llms/` index) of a Mintlify site: what it links, and whether it is whole.

Mintlify writes (github.com/mintlify/docs, ai/llmstxt.mdx): an H1 title, a `>` description, an
optional `> ## Agent Instructions` blockquote, sections of `- [Title](URL.md): description`
links, `## OpenAPI Specs` linking the spec files themselves, and `## Optional` for external
links. An index past 100,000 characters is cut: entries are dropped and a note says so; large
sites are split into indexes under `/_llms/` that the root one links. Links count only on the
host the index was finally served from (after redirects); the rest (consoles, other products)
are not the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["MINTLIFY_INDEX_LIMIT", "IndexLinks", "read_index", "site_key"]

MINTLIFY_INDEX_LIMIT = 100_000
"""Mintlify cuts a generated llms.txt at this many characters; one this close to it may be cut."""
_NEAR_LIMIT = MINTLIFY_INDEX_LIMIT * 95 // 100
_SPEC_SECTIONS = re.compile(r"^(openapi|asyncapi) spec(ification)?s$|^api specifications$", re.IGNORECASE)
_SPEC_SUFFIXES = (".json", ".yaml", ".yml")
_NOT_PAGES = (".txt", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".pdf", ".zip", ".xml")
# Said of the index itself, outside its lists of links (Mintlify's wording of the note is not
# documented; these are the words any such note uses, in the site's two languages).
_TRUNCATION = re.compile(r"truncat|omit|exceed|character limit|截断|省略|未列出|超出", re.IGNORECASE)


@dataclass
class IndexLinks:
    url: str  # the index as finally served
    pages: list[str] = field(default_factory=list)  # Markdown URLs
    indexes: list[str] = field(default_factory=list)  # nested indexes
    specs: list[str] = field(default_factory=list)  # spec files
    truncated: str = ""  # why the index may leave pages out ("" when whole)


def site_key(base: httpx.URL, url: httpx.URL) -> str:
    """`url`'s path below the site's base path, without a leading slash ("cn/adminapi.yaml")."""
    prefix = base.path.rstrip("/")
    path = url.path
    return (path[len(prefix) :] if path.startswith(prefix + "/") else path).lstrip("/")


def _text(token: Token) -> str:
    return "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline"))


def _classify(found: IndexLinks, base: httpx.URL, url: httpx.URL, in_specs: bool) -> None:
    key = site_key(base, url)
    path = url.path.lower()
    if key.startswith("_llms/") or path.endswith("/llms.txt"):
        target, link = found.indexes, str(url)
    elif in_specs or path.endswith(_SPEC_SUFFIXES):
        target, link = found.specs, str(url)
    elif path.endswith(_NOT_PAGES) or not key:
        return
    else:
        target = found.pages
        trimmed = url.path.rstrip("/")
        link = str(url if trimmed.endswith(".md") else url.copy_with(path=trimmed + ".md"))
    if link not in target:
        target.append(link)


def read_index(index_url: str, base: str, text: str) -> IndexLinks:
    """The links of one index served at `index_url` for the site at `base` (both as finally reached)."""
    site, here = httpx.URL(base), httpx.URL(index_url)
    found = IndexLinks(index_url)
    section, lists, quotes, notes = "", 0, 0, []
    tokens = MarkdownIt("commonmark").parse(text)
    for position, token in enumerate(tokens):
        lists += token.type.endswith("_list_open") - token.type.endswith("_list_close")
        quotes += (token.type == "blockquote_open") - (token.type == "blockquote_close")
        if token.type != "inline":
            continue
        if tokens[position - 1].type == "heading_open" and not quotes:
            section = _text(token).strip()
        if not lists:
            notes.append(token.content)
        for child in token.children or []:
            href = child.attrs.get("href") if child.type == "link_open" else None
            if not isinstance(href, str) or quotes:
                continue  # a blockquote's links (agent instructions) are not the site's pages
            url = here.join(href).copy_with(fragment=None, query=None)
            if url.host == site.host and url.port == site.port:
                _classify(found, site, url, bool(_SPEC_SECTIONS.match(section)))
    note = next((line for line in notes if _TRUNCATION.search(line)), "")
    if note:
        found.truncated = f"it says it leaves entries out: {note.strip()[:200]!r}"
    elif len(text) >= _NEAR_LIMIT:
        found.truncated = (
            f"{len(text)} characters, near Mintlify's {MINTLIFY_INDEX_LIMIT} limit past which it drops entries"
        )
    return found
