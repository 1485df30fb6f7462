"""One operation's cut of a document: what Mintlify embeds in that operation's page, and no more.

The document-level fields, the operation with its path item's shared fields, and the components
it reaches (through `$ref`, and the security schemes the document requires), in the document's
own order. The tracker uses it to keep an operation it could not see as the vendored document
has it; the tests' docs site builds its pages with it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from codegen.spec_checks import component_refs

__all__ = ["cut_operation"]


def cut_operation(document: Mapping[str, Any], method: str, path: str) -> dict[str, Any]:
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
    cut["components"] = {
        section: {name: kept[section][name] for name in members if name in kept[section]}
        for section, members in components.items()
        if section in kept
    }
    return cut
