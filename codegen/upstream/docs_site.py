"""Reading the docs site (Mintlify): its indexes, its pages, the spec excerpts they embed, its spec links.

The root index is `URL/llms.txt`, else `URL/.well-known/llms.txt`; it and the nested indexes it
links (llms_index.py) give the pages (each read as Markdown) and the spec files. Each excerpt
block (page_blocks.py) is attributed to a spec by the file its label names: `adminapi.yaml`
under no language folder, or under the default language's (`cn/`), is the document vendored
here; under another language folder (`en/adminapi.yaml`) it is that language's copy, compared
only when asked; any other file is another spec (the model API's `openapi.json`). A label with no
file is attributed only on a site that names a single admin spec file and no other; elsewhere it
is a finding, as is a block that names a method but cannot be read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from codegen.spec_checks import operations
from codegen.upstream.coverage import Finding, SourceRead
from codegen.upstream.fetch import Fetched, Fetcher, FetchError
from codegen.upstream.llms_index import read_index, site_key
from codegen.upstream.page_blocks import LabelledBlock, UnknownBlock, normal_path, page_blocks
from codegen.upstream.untrusted_yaml import UntrustedYamlError, load_untrusted

__all__ = [
    "MAX_INDEXES",
    "MAX_PAGES",
    "MAX_SITE_BYTES",
    "SPEC_NAME",
    "DocsError",
    "Excerpt",
    "SiteRead",
    "excerpt_of",
    "read_site",
    "spec_language",
]

SPEC_NAME = "adminapi.yaml"
DEFAULT_LANGUAGE_FOLDERS = frozenset({"cn", "zh", "zh-cn", "zh-hans"})
"""Where the default language's (Chinese) copy may sit: what `cn/adminapi.yaml` names."""
INDEX_PATHS = ("llms.txt", ".well-known/llms.txt")
MAX_INDEXES = 50
MAX_PAGES = 500
MAX_SITE_BYTES = 64 * 1024 * 1024
"""GeekAI's site has about a hundred pages; a site past these limits is refused, not read on."""
_LANGUAGE_FOLDER = re.compile(r"^[a-z]{2}(-[a-z]{2,4})?$", re.IGNORECASE)


class DocsError(ValueError):
    """The site cannot be read: a block contradicts its label, or the site is past the limits."""


@dataclass(frozen=True)
class Excerpt:
    page: str
    method: str  # lower case, as in the document
    path: str  # as in the document
    document: Mapping[str, Any]

    @property
    def operation(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass
class SiteRead:
    index: str  # the root index, as finally served
    sources: list[SourceRead] = field(default_factory=list)
    excerpts: list[Excerpt] = field(default_factory=list)  # of the compared spec and language
    spec_links: list[str] = field(default_factory=list)  # the compared spec file itself, as linked
    truncated: list[str] = field(default_factory=list)  # indexes that may leave pages out
    findings: list[Finding] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)  # of every body read, in order

    @property
    def complete(self) -> bool:
        """Every page is known to have been read and every block attributed."""
        return not self.truncated and not any(f.kind != "disagreement" for f in self.findings)


def spec_language(file: str) -> str | None:
    """The language of an admin spec file ("" for the default one); None for any other file."""
    parts = file.strip("/").split("/")
    if parts[-1] != SPEC_NAME:
        return None
    folder = next((part.lower() for part in parts[:-1] if _LANGUAGE_FOLDER.match(part)), "")
    return "" if folder in DEFAULT_LANGUAGE_FOLDERS else folder


def excerpt_of(block: LabelledBlock) -> Excerpt:
    """The excerpt a labelled block holds, checked against its label; raises DocsError."""
    where = f"{block.page}: the {block.operation} block"
    try:
        document = load_untrusted(block.content)
    except UntrustedYamlError as exc:
        raise DocsError(f"{where} {exc}") from None
    paths = document.get("paths") if isinstance(document, Mapping) else None
    if not isinstance(paths, Mapping) or not all(isinstance(item, Mapping) for item in paths.values()):
        raise DocsError(f"{where} is not an OpenAPI excerpt (no paths mapping of path items)")
    held = [(method, path) for method, path, _ in operations(document)]
    if [(m, normal_path(p)) for m, p in held] != [(block.method, block.path)]:
        named = sorted(f"{m.upper()} {p}" for m, p in held)
        raise DocsError(f"{block.page}: the block labelled {block.operation} holds {named or 'no operation'}")
    return Excerpt(block.page, held[0][0], held[0][1], document)


def _decoded(fetched: Fetched) -> str:
    try:
        return fetched.body.decode("utf-8")
    except UnicodeDecodeError:
        raise DocsError(f"{fetched.url}: not UTF-8 text") from None


def _root_index(fetcher: Fetcher, docs_url: str) -> tuple[Fetched, str]:
    """The root index and the site's base URL, both as finally reached (after redirects)."""
    for suffix in INDEX_PATHS:
        try:
            fetched = fetcher.fetch(f"{docs_url.rstrip('/')}/{suffix}")
        except FetchError as exc:
            if exc.status == 404 and suffix != INDEX_PATHS[-1]:
                continue
            raise
        final = httpx.URL(fetched.url)
        path = final.path[: -len(suffix)] if final.path.endswith("/" + suffix) else final.path.rpartition("/")[0]
        return fetched, str(final.copy_with(path=path.rstrip("/") or "/", query=None, fragment=None))
    raise FetchError(f"{docs_url}: no llms.txt")  # unreachable: the last suffix returns or raises


@dataclass
class _Crawl:
    fetcher: Fetcher
    read: SiteRead
    total: int = 0

    def fetch(self, url: str) -> Fetched:
        fetched = self.fetcher.fetch(url)
        self.total += len(fetched.body)
        if self.total > MAX_SITE_BYTES:
            raise DocsError(f"{url}: the site is past {MAX_SITE_BYTES} bytes in all; refused")
        self.read.digest.update(fetched.body)
        return fetched


def _enqueue(into: list[str], links: list[str], limit: int, what: str, index: str) -> None:
    for link in links:
        if link not in into:
            into.append(link)
    if len(into) > limit:
        raise DocsError(f"{index}: more than {limit} {what} linked; refused (raise the limit if the site grew)")


def read_site(fetcher: Fetcher, docs_url: str, language: str = "") -> SiteRead:
    """Every index, page and block of the site, attributed; `language` "" is the default one."""
    root, base = _root_index(fetcher, docs_url)
    read = SiteRead(root.url)
    crawl = _Crawl(fetcher, read)
    read.digest.update(root.body)
    indexes, pages, specs = [root.url], list[str](), list[str]()
    for position, index_url in enumerate(indexes):  # grows as nested indexes are found
        fetched = root if position == 0 else crawl.fetch(index_url)
        links = read_index(fetched.url, base, _decoded(fetched))
        read.sources.append(SourceRead(fetched.url, "index"))
        if links.truncated:
            read.sources[-1].note = f"truncated: {links.truncated}"
            read.truncated.append(fetched.url)
        _enqueue(indexes, links.indexes, MAX_INDEXES, "indexes", fetched.url)
        _enqueue(pages, links.pages, MAX_PAGES, "pages", fetched.url)
        _enqueue(specs, links.specs, MAX_PAGES, "spec files", fetched.url)
    blocks: list[tuple[SourceRead, LabelledBlock]] = []
    for page in pages:
        fetched = crawl.fetch(page)
        source = SourceRead(fetched.url, "page")
        read.sources.append(source)
        for block in page_blocks(fetched.url, _decoded(fetched)):
            if isinstance(block, UnknownBlock):
                read.findings.append(_unknown(block))
                source.note = "holds a block that cannot be read as an excerpt label"
            else:
                blocks.append((source, block))
    base_url = httpx.URL(base)
    spec_files = {site_key(base_url, httpx.URL(link)): link for link in specs}
    _attribute(read, blocks, set(spec_files) | {b.file for _, b in blocks if b.file}, language)
    for file, link in spec_files.items():
        if spec_language(file) == language:
            read.spec_links.append(link)
        else:
            read.sources.append(SourceRead(link, "spec", note="not read: another spec, or another language's copy"))
    return read


def _attribute(read: SiteRead, blocks: list[tuple[SourceRead, LabelledBlock]], files: set[str], language: str) -> None:
    alone = all(spec_language(file) == "" for file in files) and len(files) <= 1
    for source, block in blocks:
        if block.file is None and not alone:
            read.findings.append(
                Finding(
                    "unattributed block",
                    f"{block.page}: the block labelled {block.operation} names no spec file, and the site has "
                    f"several ({', '.join(sorted(files))}): which one it belongs to cannot be told",
                    (block.page,),
                )
            )
            source.other.append(block.described())
            continue
        owner = spec_language(block.file) if block.file is not None else ""
        if owner != language:
            source.other.append(block.described())
            continue
        excerpt = excerpt_of(block)
        read.excerpts.append(excerpt)
        source.operations.append(excerpt.operation)


def _unknown(block: UnknownBlock) -> Finding:
    return Finding(
        "unknown block",
        f"{block.page}: the block `{block.info.strip()}` names a method but is not an excerpt label "
        f"this tracker reads ({block.why})",
        (block.page,),
    )
