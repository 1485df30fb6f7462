"""References in an OpenAPI document: only local JSON pointers (`#/...`) are followed.

A reference to anything else (`file:///etc/passwd`, `../secret.yaml`, `http://169.254.169.254/`)
makes a resolver read a local file or fetch a URL: Redocly CLI and openapi-spec-validator both
do, by default. `non_local_references` finds every such reference so that a document holding one
is refused before any tool sees it; `local_only_validator` is an openapi-spec-validator that
refuses to load anything outside the document, should one get past that check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from jsonschema_path import SchemaPath
from openapi_spec_validator.shortcuts import get_validator_cls
from openapi_spec_validator.validation.validators import SpecValidator
from referencing.exceptions import Unresolvable

__all__ = [
    "UNRESOLVED",
    "NonLocalReference",
    "RefusedReferenceError",
    "is_local",
    "local_only_validator",
    "non_local_references",
]

REFERENCE_KEYS = frozenset({"$ref", "$dynamicRef", "$recursiveRef", "operationRef"})
"""Keys whose value a resolver follows: allowed when a local JSON pointer."""
OUTSIDE_KEYS = frozenset({"externalValue", "$id"})
"""Keys that always point outside the document (an example's URL) or re-base the references under them."""


def is_local(value: object) -> bool:
    """A JSON pointer into this document: "#" (the whole of it) or "#/..."."""
    return isinstance(value, str) and (value == "#" or value.startswith("#/"))


@dataclass(frozen=True)
class NonLocalReference:
    pointer: str  # RFC 6901, from the document root to the key: "/paths/~1keys/get/$ref"
    value: Any  # as found: any type


def _escaped(key: object) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def non_local_references(node: Any, pointer: str = "") -> Iterator[NonLocalReference]:
    """Every reference under `node`, at any depth, that is not a local JSON pointer, in document order."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = f"{pointer}/{_escaped(key)}"
            if key in OUTSIDE_KEYS or (key in REFERENCE_KEYS and not is_local(value)):
                yield NonLocalReference(here, value)
            else:
                yield from non_local_references(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from non_local_references(value, f"{pointer}/{index}")


class RefusedReferenceError(ValueError):
    """A resolver was asked for something outside the document; nothing was read or fetched."""


def _refuse(uri: str) -> NoReturn:
    raise RefusedReferenceError(f"a reference outside the document ({uri[:120]!r}) was not followed")


class _RefuseEveryScheme(Mapping[str, Any]):
    """Resolver handlers for every URI scheme (jsonschema-path falls back to urlopen for one it lacks)."""

    def __getitem__(self, scheme: str) -> Any:
        return _refuse

    def __contains__(self, scheme: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


UNRESOLVED = (RefusedReferenceError, Unresolvable)
"""What a local-only validator raises for a reference it did not follow (outside, or to nothing)."""


def local_only_validator(document: Mapping[str, Any]) -> SpecValidator:
    """openapi-spec-validator for the document's OpenAPI version, resolving local references only."""
    path = SchemaPath.from_dict(dict(document), handlers=_RefuseEveryScheme())
    validator: SpecValidator = get_validator_cls(dict(document))(path)
    return validator
