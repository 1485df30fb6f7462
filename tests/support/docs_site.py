"""A local imitation of docs.geekai.co (a Mintlify site), built from an OpenAPI document, on loopback.

It serves what codegen/README.md ("What the tracker reads") records of real Mintlify sites:

- `llms.txt` (and `/.well-known/llms.txt`): an H1, a `>` description, a `> ## Agent Instructions`
  blockquote, page links in every form (absolute or root-relative, with or without `.md`, with a
  trailing slash), `## OpenAPI Specs` linking the spec files, `## Optional` with an external link;
  optionally with the API pages moved to a nested `/_llms/` index, or cut with a truncation note;
- Chinese (default-language) API pages, each embedding its operation's cut of the document under
  `## OpenAPI`, labelled in one of `LABEL_FORMS` (the page's `openapi` frontmatter verbatim);
- English pages cut from an English copy of the document (`en/adminapi.yaml`);
- the model API's page, embedding `openapi.json`;
- a guide page whose code blocks carry titles and meta (one titled with the spec's file name);
- the spec files themselves; redirects (a path moved, or the whole site on another host name and
  port, as a site reached through its canonical host).
"""

from __future__ import annotations

import copy
import http.server
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from codegen.spec_checks import operations
from codegen.upstream.operation_cut import cut_operation

BASE = "{base}"
"""Stands for the site's base URL in what it serves; filled in when served."""
GUIDE_PAGE = "/cn/docs/introduction"
MODEL_PAGE = "/cn/api-reference/chat-completions"
SPEC_FILES = ("adminapi.yaml", "openapi.json")
LABEL_FORMS: dict[str, Callable[[str, str], str]] = {
    # The `openapi` frontmatter as Mintlify writes it after the block's language.
    "file": lambda method, path: f"adminapi.yaml {method.upper()} {path}",
    "slash": lambda method, path: f"/adminapi.yaml {method} {path}",
    "folder": lambda method, path: f"cn/adminapi.yaml {method} {path}",
    "trailing slash": lambda method, path: f"adminapi.yaml {method} {path}/",
    "meta": lambda method, path: f"adminapi.yaml {method} {path} theme={{null}}",
    "no file": lambda method, path: f"{method} {path}",
}
LINK_FORMS: tuple[Callable[[str], str], ...] = (
    lambda url: f"{BASE}{url}.md",  # absolute, as Mintlify writes them
    lambda url: f"{url}.md",  # root-relative
    lambda url: f"{BASE}{url}",  # without .md
    lambda url: f"{url}/",  # with a trailing slash
)
TRUNCATION_NOTE = (
    "Note: this index was truncated to stay under 100,000 characters; {count} pages were omitted. "
    "Fetch each page's .md URL directly."
)
MODEL_API: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "极客智坊模型 API", "version": "1.0.0"},
    "servers": [{"url": "https://geekai.co/api/v1"}],
    "paths": {
        "/chat/completions": {
            "post": {"summary": "对话补全", "responses": {"200": {"description": "成功响应"}}},
        }
    },
}


def excerpt(document: Mapping[str, Any], method: str, path: str) -> dict[str, Any]:
    """What the page of one operation embeds: the document cut down to that operation."""
    return cut_operation(document, method, path)


def slug(method: str, path: str, language: str = "cn") -> str:
    return f"/{language}/api-reference/{method}-" + "-".join(p.strip("{}") for p in path.split("/") if p)


def dump(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False, width=100)


def english(document: Mapping[str, Any]) -> dict[str, Any]:
    """The English copy: the same document, every description, summary and title in "English"."""

    def translated(node: Any, key: str = "") -> Any:
        if isinstance(node, Mapping):
            return {k: translated(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [translated(v) for v in node]
        return f"(en) {node}" if key in ("description", "summary", "title") and isinstance(node, str) else node

    result: dict[str, Any] = translated(copy.deepcopy(dict(document)))
    return result


_HEADER = f"""> ## Documentation Index
> Fetch the complete documentation index at: {BASE}/llms.txt
> Use this file to discover all available pages before exploring further.

> ## Agent Instructions
> 调用管理接口时使用系统 KEY: 参见 [认证]({BASE}/cn/docs/introduction.md)。
"""


def api_page(title: str, label: str, block: str) -> str:
    """One API page in the Markdown form the site publishes."""
    return f"""{_HEADER}
# {title}

> {title}.

<Note>
  注意: 调用此接口需要通过[系统 KEY](https://geekai.co/user/provision_keys) 进行认证。
</Note>


## OpenAPI

````yaml {label}
{block}````

Built with [Mintlify](https://mintlify.com).
"""


GUIDE = f"""{_HEADER}
# 介绍

极客智坊 API 文档。管理接口的规范文件是 `adminapi.yaml`:

```yaml adminapi.yaml theme={{null}}
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
```

```bash 创建 KEY theme={{null}}
curl -X POST https://geekai.co/api/api_keys -H "Authorization: Bearer $GEEKAI_SYSTEM_KEY"
```

```json 响应示例
{{"code": 0}}
```

```yaml Get 响应 theme={{null}}
data: []
```
"""


@dataclass
class Entry:
    url: str  # URL path without .md
    title: str
    section: str


@dataclass
class DocsSite:
    """What the site serves, by URL path; tests change single pages, indexes or answers."""

    pages: dict[str, str] = field(default_factory=dict)  # URL path with .md -> Markdown
    entries: list[Entry] = field(default_factory=list)  # what llms.txt lists, in order
    files: dict[str, bytes] = field(default_factory=dict)  # spec files by URL path
    spec_links: list[str] = field(default_factory=list)  # what `## OpenAPI Specs` lists
    status: dict[str, int] = field(default_factory=dict)  # an answer other than 200 for a path
    redirects: dict[str, tuple[int, str]] = field(default_factory=dict)  # path -> (status, location)
    nested: bool = False  # the API pages listed in /_llms/cn/api-reference.md, linked from llms.txt
    truncate: int = 0  # leave this many API pages out of the index, with Mintlify's kind of note
    well_known_only: bool = False  # /llms.txt answers 404; /.well-known/llms.txt serves it
    requests: list[str] = field(default_factory=list)
    label_forms: tuple[str, ...] = tuple(form for form in LABEL_FORMS if form != "no file")

    @classmethod
    def from_document(
        cls,
        document: Mapping[str, Any],
        *,
        forms: tuple[str, ...] | None = None,
        spec_link: bool = True,
        other_specs: bool = True,
        languages: bool = True,
    ) -> DocsSite:
        """docs.geekai.co as built from `document`: every page, spec and link form (one per page, in turn)."""
        site = cls() if forms is None else cls(label_forms=forms)
        site.pages[GUIDE_PAGE + ".md"] = GUIDE
        site.entries.append(Entry(GUIDE_PAGE, "介绍", "文档"))
        for method, path, operation in operations(document):
            site.put(method, path, excerpt(document, method, path), str(operation.get("summary") or path))
        if languages:
            copy_en = english(document)
            for method, path, _ in operations(copy_en):
                url = slug(method, path, "en")
                block = dump(excerpt(copy_en, method, path))
                site.pages[url + ".md"] = api_page(path, f"en/adminapi.yaml {method} {path}", block)
                site.entries.append(Entry(url, f"(en) {method.upper()} {path}", "English"))
            site.files["/en/adminapi.yaml"] = dump(copy_en).encode("utf-8")
        if other_specs:
            block = dump(excerpt(MODEL_API, "post", "/chat/completions"))
            site.pages[MODEL_PAGE + ".md"] = api_page("对话补全", "openapi.json post /chat/completions", block)
            site.entries.append(Entry(MODEL_PAGE, "对话补全", "模型 API"))
            site.files["/openapi.json"] = yaml.safe_dump(MODEL_API).encode("utf-8")
            site.spec_links.append("/openapi.json")
        site.files["/adminapi.yaml"] = dump(document).encode("utf-8")
        if spec_link:
            site.spec_links.insert(0, "/adminapi.yaml")
        return site

    def put(self, method: str, path: str, block: Mapping[str, Any], title: str = "") -> str:
        """Add or replace the page of one operation; its URL path with .md."""
        url = slug(method, path)
        existing = [entry for entry in self.entries if entry.url == url]
        api_pages = sum(entry.section == "API 参考" for entry in self.entries)
        form = self.label_forms[api_pages % len(self.label_forms)] if not existing else None
        label = LABEL_FORMS[form](method, path) if form else self._label(url)
        self.pages[url + ".md"] = api_page(title or path, label, dump(block))
        if not existing:
            self.entries.append(Entry(url, title or path, "API 参考"))
        return url + ".md"

    def _label(self, url: str) -> str:
        return self.pages[url + ".md"].split("````yaml ", 1)[1].split("\n", 1)[0]

    def remove(self, method: str, path: str) -> None:
        url = slug(method, path)
        del self.pages[url + ".md"]
        self.entries = [entry for entry in self.entries if entry.url != url]

    def _links(self, entries: list[Entry]) -> list[str]:
        lines, section = [], ""
        for number, entry in enumerate(entries):
            if entry.section != section:
                section = entry.section
                lines += ["", f"## {section}", ""]
            lines.append(f"- [{entry.title}]({LINK_FORMS[number % len(LINK_FORMS)](entry.url)}): {entry.title}")
        return lines

    def _api(self) -> tuple[list[Entry], list[Entry]]:
        """The API pages the index lists, and those it leaves out (the last `truncate`)."""
        api = [entry for entry in self.entries if entry.section == "API 参考"]
        kept = len(api) - self.truncate
        return api[:kept], api[kept:]

    def _index(self, title: str, entries: list[Entry], omitted: list[Entry]) -> list[str]:
        lines = [f"# {title}", "", "> 极客智坊 API 文档", "", *_HEADER.splitlines()[4:], *self._links(entries)]
        return lines + ["", TRUNCATION_NOTE.format(count=len(omitted))] * bool(omitted)

    def llms_txt(self) -> str:
        listed, omitted = self._api()
        entries = [entry for entry in self.entries if entry.section != "API 参考" or entry in listed]
        if self.nested:
            entries = [entry for entry in entries if entry.section != "API 参考"]
            entries.append(Entry("/_llms/cn/api-reference", f"API 参考 ({len(listed)} pages)", "API 参考"))
        lines = self._index("极客智坊", entries, [] if self.nested else omitted)
        if self.spec_links:
            lines += ["", "## OpenAPI Specs", ""]
            lines += [f"- [{link.rsplit('/', 1)[1].split('.')[0]}]({BASE}{link})" for link in self.spec_links]
        lines += ["", "## Optional", "", "- [控制台](https://geekai.co/user/provision_keys)", ""]
        return "\n".join(lines)

    def nested_index(self) -> str:
        listed, omitted = self._api()
        return "\n".join([*self._index("极客智坊: API 参考", listed, omitted), ""])

    def answer(self, path: str, base: str) -> tuple[int, dict[str, str], bytes]:
        """The status, headers and body for a GET of `path` on the site served at `base`."""
        self.requests.append(path)
        if path in self.redirects:
            status, location = self.redirects[path]
            return status, {"Location": location.replace(BASE, base)}, b""
        if path == "/.well-known/llms.txt" or (path == "/llms.txt" and not self.well_known_only):
            text: str | None = self.llms_txt()
        elif path == "/_llms/cn/api-reference.md" and self.nested:
            text = self.nested_index()
        else:
            text = self.pages.get(path)
        if path in self.files:
            body = self.files[path]
        elif text is not None:
            body = text.replace(BASE, base).encode("utf-8")
        else:
            return 404, {}, b""
        status = self.status.get(path, 200)
        return status, {"Content-Type": "text/markdown; charset=utf-8"}, body if status == 200 else b""


def _server(answer: Callable[[str], tuple[int, dict[str, str], bytes]]) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = answer(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@contextmanager
def _running(server: http.server.ThreadingHTTPServer) -> Iterator[None]:
    # A short poll: shutdown() waits for it, once per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serve(site: DocsSite, *, moved: int | None = None) -> Iterator[str]:
    """Serve `site` on loopback for the block; yields the URL to give the tracker.

    With `moved` (301, 307 or 308), that URL is another host name and port (`localhost`) that
    answers every request with a redirect of that status to the site's canonical host
    (`127.0.0.1`), whose URLs are the ones the site's indexes and pages carry.
    """
    with ExitStack() as stack:
        canonical = _server(lambda path: site.answer(path, base))
        base = f"http://127.0.0.1:{canonical.server_address[1]}"
        stack.enter_context(_running(canonical))
        if moved is None:
            yield base
            return
        entry = _server(lambda path: (moved, {"Location": base + path}, b""))
        stack.enter_context(_running(entry))
        yield f"http://localhost:{entry.server_address[1]}"
