"""A local copy of the GeekAI docs site (Mintlify), built from an OpenAPI document, on 127.0.0.1.

The real site publishes `llms.txt`, linking every page, and each page as Markdown at its URL plus
`.md`. An API page holds the excerpt of the document for its one operation in a fenced block
labelled `yaml adminapi.yaml METHOD PATH`: the document-level fields, that path and method, and
the components it references. This builds such a site from a document, serves it, and lets a
test change or break single pages.
"""

from __future__ import annotations

import copy
import http.server
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from codegen.spec_checks import component_refs, operations

INTRO_PAGE = "/cn/docs/introduction"
"""A page without an excerpt, linked without `.md` as Mintlify's index links some pages."""


def excerpt(document: Mapping[str, Any], method: str, path: str) -> dict[str, Any]:
    """What the page of one operation embeds: the document cut down to that operation."""
    cut: dict[str, Any] = {k: copy.deepcopy(v) for k, v in document.items() if k not in ("paths", "components")}
    item = document["paths"][path]
    cut["paths"] = {path: {k: copy.deepcopy(v) for k, v in item.items() if k == method or not isinstance(v, Mapping)}}
    components = document.get("components") or {}
    wanted = list(component_refs(cut))
    wanted += [f"securitySchemes/{name}" for requirement in document.get("security") or [] for name in requirement]
    kept: dict[str, dict[str, Any]] = {}
    while wanted:
        section, _, name = wanted.pop().partition("/")
        if name in kept.get(section, {}) or name not in components.get(section, {}):
            continue
        kept.setdefault(section, {})[name] = copy.deepcopy(components[section][name])
        wanted.extend(component_refs(components[section][name]))
    # In the document's own order, as the site prints them.
    cut["components"] = {
        section: {name: kept[section][name] for name in members if name in kept[section]}
        for section, members in components.items()
        if section in kept
    }
    return cut


def slug(method: str, path: str) -> str:
    return f"/cn/api-reference/{method}-" + "-".join(p.strip("{}") for p in path.split("/") if p)


def page(title: str, method: str, path: str, block: str) -> str:
    """One API page in the Markdown form the site publishes."""
    return f"""> ## Documentation Index
> Fetch the complete documentation index at: https://docs.geekai.co/llms.txt
> Use this file to discover all available pages before exploring further.

# {title}

{title}.

<Note>
  注意: 调用此接口需要通过[系统 KEY](https://geekai.co/user/provision_keys) 进行认证。
</Note>


## OpenAPI

````yaml adminapi.yaml {method.upper()} {path}
{block}````
"""


def dump(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False, width=100)


@dataclass
class DocsSite:
    """The pages by URL path; `status` overrides the answer for a path (a page that fails)."""

    pages: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DocsSite:
        site = cls()
        site.pages[INTRO_PAGE + ".md"] = "# 介绍\n\n极客智坊 API 文档。\n\n```yaml\nnot: an excerpt\n```\n"
        site.titles[INTRO_PAGE] = "介绍"
        for method, path, operation in operations(document):
            site.put(method, path, excerpt(document, method, path), str(operation.get("summary") or path))
        return site

    def put(self, method: str, path: str, block: Mapping[str, Any], title: str = "") -> str:
        """Add or replace the page of one operation; its URL path."""
        url = slug(method, path)
        self.pages[url + ".md"] = page(title or path, method, path, dump(block))
        self.titles[url] = title or path
        return url + ".md"

    def remove(self, method: str, path: str) -> None:
        url = slug(method, path)
        del self.pages[url + ".md"], self.titles[url]

    def llms_txt(self, base: str) -> str:
        lines = ["# 极客智坊", "", "## Docs", ""]
        for url, title in self.titles.items():
            link = f"{base}{url}" if url == INTRO_PAGE else f"{base}{url}.md"
            lines.append(f"- [{title}]({link}): {title}")
        lines += ["", "## Elsewhere", "", "- [控制台](https://geekai.co/user/provision_keys)", ""]
        return "\n".join(lines)


@contextmanager
def serve(site: DocsSite) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 (a free port) for the block; yields its base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            status = site.status.get(self.path, 200)
            if self.path == "/llms.txt":
                body: str | None = site.llms_txt(base)
            else:
                body = site.pages.get(self.path)
            if body is None or status != 200:
                self.send_response(404 if body is None else status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/markdown; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll: shutdown() waits for it, once per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
