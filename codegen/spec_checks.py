"""Checks on the patched document that must pass before the generator runs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from codegen.local_references import UNRESOLVED, local_only_validator

__all__ = ["HTTP_METHODS", "SpecError", "check_path_parameters", "check_spec", "component_refs", "operations"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{([^}/]+)\}")


class SpecError(ValueError):
    """The patched document is not one the generator may be trusted with."""


def operations(document: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """Every (method, path, operation) of the document, in document order."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                found.append((method, path, item[method]))
    return found


def component_refs(node: Any) -> Iterator[str]:
    """Every local component reference under `node`, as "section/name" ("schemas/ApiKey")."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            yield ref[len("#/components/") :]
        for value in node.values():
            yield from component_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from component_refs(value)


def _resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    if not ref.startswith("#/"):
        raise SpecError(f"only local references are supported, found {ref!r}")
    target: Any = document
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return _resolve(document, target)


def check_path_parameters(document: Mapping[str, Any]) -> list[str]:
    """Mismatches between path templates and declared path parameters, in both directions."""
    problems = []
    paths = document.get("paths") or {}
    for method, path, operation in operations(document):
        templated = set(_TEMPLATE.findall(path))
        declared_nodes = [*paths[path].get("parameters", []), *operation.get("parameters", [])]
        declared = {
            param["name"]
            for param in (_resolve(document, node) for node in declared_nodes)
            if param.get("in") == "path"
        }
        op = f"{method.upper()} {path}"
        for name in sorted(templated - declared):
            problems.append(f"{op}: path has {{{name}}} but declares no path parameter {name!r}")
        for name in sorted(declared - templated):
            problems.append(f"{op}: declares path parameter {name!r} but the path has no {{{name}}}")
    return problems


def check_spec(document: Mapping[str, Any]) -> None:
    """Raise SpecError unless the document is valid OpenAPI with consistent path parameters."""
    problems = check_path_parameters(document)  # first: its message says more than the validator's
    if problems:
        raise SpecError("path parameters do not match path templates:\n  " + "\n  ".join(problems))
    try:
        local_only_validator(document).validate()
    except OpenAPIValidationError as exc:
        raise SpecError(f"the patched document is not valid OpenAPI: {exc.message}") from exc
    except UNRESOLVED as exc:
        raise SpecError(f"the patched document has a reference that was not followed: {exc}") from None
