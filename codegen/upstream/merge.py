"""One OpenAPI document from the per-operation excerpts, and its deterministic serialisation.

Each excerpt contributes the one operation its label names. Everything else it carries (the
document-level fields, the path item's shared fields, the components) must be the same wherever
two excerpts carry it: a disagreement is an error naming both pages, never settled by order.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from codegen.spec_checks import HTTP_METHODS
from codegen.upstream.docs_site import Excerpt

__all__ = ["DisagreementError", "merge_excerpts"]

_TOP_LEVEL_ORDER = ("openapi", "info", "jsonSchemaDialect", "servers", "security", "tags", "externalDocs", "paths")


class DisagreementError(ValueError):
    """Two pages carry different values for the same part of the document."""


class _Merged:
    def __init__(self) -> None:
        self.document: dict[str, Any] = {}
        self.origin: dict[str, str] = {}  # where -> the page that first carried it

    def put(self, container: dict[str, Any], key: str, value: Any, where: str, page: str) -> None:
        if key in container:
            if container[key] != value:
                raise DisagreementError(f"{self.origin[where]} and {page} disagree on {where}")
            return
        container[key] = copy.deepcopy(value)
        self.origin[where] = page


def merge_excerpts(found: Iterable[Excerpt]) -> dict[str, Any]:
    """The document the excerpts are cut from; raises DisagreementError."""
    merged = _Merged()
    document = merged.document
    for excerpt in found:
        page = excerpt.page
        for key, value in excerpt.document.items():
            if key not in ("paths", "components"):
                merged.put(document, key, value, key, page)
        item = excerpt.document["paths"][excerpt.path]
        path_item = document.setdefault("paths", {}).setdefault(excerpt.path, {})
        for key, value in item.items():
            if key not in HTTP_METHODS or key == excerpt.method:
                merged.put(path_item, key, value, f"paths.{excerpt.path}.{key}", page)
        for section, members in (excerpt.document.get("components") or {}).items():
            into = document.setdefault("components", {}).setdefault(section, {})
            for name, value in (members or {}).items():
                merged.put(into, name, value, f"components.{section}.{name}", page)
    return _canonical(document)


def _sorted(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}


def _canonical(document: Mapping[str, Any]) -> dict[str, Any]:
    """Document-level fields in the usual order; paths, methods and component names sorted.

    Serialised with codegen.generate.dump_yaml, the same document then always gives the same bytes.
    """
    ordered = {key: document[key] for key in _TOP_LEVEL_ORDER if key in document}
    ordered.update(_sorted({k: v for k, v in document.items() if k not in ordered and k != "components"}))
    method_rank = {method: rank for rank, method in enumerate(HTTP_METHODS)}
    ordered["paths"] = {
        path: dict(sorted(item.items(), key=lambda kv: (kv[0] in method_rank, method_rank.get(kv[0], -1), kv[0])))
        for path, item in sorted((document.get("paths") or {}).items())
    }
    if "components" in document:
        ordered["components"] = {
            section: _sorted(members) for section, members in _sorted(document["components"]).items()
        }
    return ordered
