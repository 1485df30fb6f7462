"""One OpenAPI document from the per-operation excerpts, and the check of excerpts against a whole one.

Each excerpt contributes the one operation its label names. Everything else it carries (the
document-level fields, the path item's shared fields, the components) must be the same wherever
two excerpts carry it: a disagreement is an error naming both pages, never settled by order.
Against the whole document (the site's spec link), each part an excerpt carries must be there,
the same: each difference is a finding naming the page and the spec file.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from codegen.spec_checks import HTTP_METHODS
from codegen.upstream.coverage import Finding
from codegen.upstream.docs_site import Excerpt

__all__ = ["DisagreementError", "disagreements", "fill_in", "merge_excerpts"]

_TOP_LEVEL_ORDER = ("openapi", "info", "jsonSchemaDialect", "servers", "security", "tags", "externalDocs", "paths")


class DisagreementError(ValueError):
    """Two pages carry different values for the same part of the document."""


def _parts(excerpt: Excerpt) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """(the keys of the containing mapping, the key, the value) of every part the excerpt carries."""
    for key, value in excerpt.document.items():
        if key not in ("paths", "components"):
            yield (), key, value
    for key, value in excerpt.document["paths"][excerpt.path].items():
        if key not in HTTP_METHODS or key == excerpt.method:
            yield ("paths", excerpt.path), key, value
    for section, members in (excerpt.document.get("components") or {}).items():
        for name, value in (members or {}).items():
            yield ("components", section), name, value


def merge_excerpts(found: Iterable[Excerpt]) -> dict[str, Any]:
    """The document the excerpts are cut from; raises DisagreementError."""
    document: dict[str, Any] = {}
    origin: dict[str, str] = {}  # where -> the page that first carried it
    for excerpt in found:
        for keys, key, value in _parts(excerpt):
            container = document
            for step in keys:
                container = container.setdefault(step, {})
            where = ".".join((*keys, key))
            if key not in container:
                container[key] = copy.deepcopy(value)
                origin[where] = excerpt.page
            elif container[key] != value:
                raise DisagreementError(f"{origin[where]} and {excerpt.page} disagree on {where}")
    return _canonical(document)


def fill_in(document: Mapping[str, Any], found: Iterable[Excerpt]) -> dict[str, Any]:
    """`document` with every part of the excerpts that it lacks added; nothing it holds is changed."""
    filled = copy.deepcopy(dict(document))
    for excerpt in found:
        for keys, key, value in _parts(excerpt):
            container = filled
            for step in keys:
                container = container.setdefault(step, {})
            container.setdefault(key, copy.deepcopy(value))
    return _canonical(filled)


def disagreements(whole: Mapping[str, Any], spec: str, found: Iterable[Excerpt]) -> list[Finding]:
    """Every part of an excerpt that the whole document (read from `spec`) lacks or holds otherwise."""
    findings: list[Finding] = []
    reported: set[str] = set()
    for excerpt in found:
        for keys, key, value in _parts(excerpt):
            container: Any = whole
            for step in keys:
                container = container.get(step) if isinstance(container, Mapping) else None
            where = ".".join((*keys, key))
            held = container.get(key) if isinstance(container, Mapping) else None
            if where in reported:
                continue
            if held is None:
                message = f"{spec} lacks {where}, which {excerpt.page} has"
            elif held != value:
                message = f"{spec} and {excerpt.page} disagree on {where}"
            else:
                continue
            reported.add(where)
            findings.append(Finding("disagreement", message, (spec, excerpt.page)))
    return findings


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
