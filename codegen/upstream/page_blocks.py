"""The fenced blocks of one docs page (Mintlify's Markdown export) that label an OpenAPI excerpt.

An API page's export ends with `## OpenAPI` and a block whose info string is the language and
then the page's `openapi` frontmatter verbatim: `[FILE] METHOD PATH`, where FILE is the spec's
path in the docs repository, with or without a leading slash, or absent; METHOD in either case;
PATH possibly with a trailing slash (Mintlify matches it without). Seen on real sites:
`yaml get /abuse_reports/{id}` (ngrok), `yaml /openapi.yaml post /api/show` (Ollama),
`yaml en/api-reference/openapi_chat.json post ...` (Dify), `yaml api-reference/openapi.json post
/api/v0/network_disk/` (Vast.ai), `yaml api-reference/openapi.json webhook card-updated` (Knot).

Any other block is code: a language, maybe a title (`yaml adminapi.yaml`, `yaml Get a key`),
maybe meta (`theme={null}`). A block that claims to be a label (a spec file before a method, a
path after it, or `webhook NAME`) and cannot be read as one is an unknown form: returned as
such, for the caller to report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt

from codegen.spec_checks import HTTP_METHODS

__all__ = ["LabelledBlock", "UnknownBlock", "normal_path", "page_blocks"]

_LANGUAGES = frozenset({"yaml", "yml", "json"})
_VERBS = frozenset({*HTTP_METHODS, "webhook"})
_SPEC_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class LabelledBlock:
    page: str
    file: str | None  # as the label names it, without a leading slash; None when it names none
    method: str  # lower case
    path: str  # without a trailing slash
    content: str

    @property
    def operation(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def described(self) -> str:
        return f"{self.file or '(no file)'} {self.operation}"


@dataclass(frozen=True)
class UnknownBlock:
    page: str
    info: str
    why: str


def normal_path(path: str) -> str:
    return path.rstrip("/") or "/"


def _is_spec_file(word: str) -> bool:
    return word.lower().endswith(_SPEC_SUFFIXES)


def _claims_a_label(named: list[str], verb: str, rest: list[str]) -> bool:
    """A spec file before the method, a path after it, or Mintlify's `webhook NAME`; else a title."""
    one_file = len(named) == 1 and _is_spec_file(named[0])
    return one_file or bool(rest and rest[0].startswith("/")) or (verb == "webhook" and not named and len(rest) == 1)


def _label(page: str, info: str, content: str) -> LabelledBlock | UnknownBlock | None:
    words = info.split()
    if not words or words[0].lower() not in _LANGUAGES:
        return None
    at = next((i for i, word in enumerate(words) if i > 0 and word.lower() in _VERBS), None)
    if at is None:
        return None  # code, perhaps titled (`yaml adminapi.yaml`) or with meta (`theme={null}`)
    named, verb, rest = words[1:at], words[at].lower(), words[at + 1 :]
    if not _claims_a_label(named, verb, rest):
        return None  # code titled in words (`yaml Get a key`)
    why = ""
    if len(named) > 1 or (named and not _is_spec_file(named[0])):
        why = "the words before the method are not one spec file name"
    elif verb == "webhook":
        why = "a webhook, not an operation"
    elif not rest or not rest[0].startswith("/"):
        why = "no path after the method"
    elif any("=" not in word for word in rest[1:]):
        why = "words after the path that are not meta (key=value)"
    if why:
        return UnknownBlock(page, info, why)
    file = named[0].lstrip("/") if named else None
    return LabelledBlock(page, file, verb, normal_path(rest[0]), content)


def page_blocks(page: str, markdown: str) -> Iterator[LabelledBlock | UnknownBlock]:
    """Every block of the page that labels an excerpt, or claims to and cannot be read."""
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "fence":
            found = _label(page, token.info, token.content)
            if found is not None:
                yield found
