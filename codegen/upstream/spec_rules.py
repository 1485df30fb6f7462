"""The rules: what one difference between two OpenAPI documents means for this package's users.

- breaking: an operation removed or moved, a response field removed or its type changed, a
  request field added as required, an enum value removed from a request, a parameter added as
  required, a success status changed; also, to be safe, any change no rule here recognises.
- additive: an operation, an optional field or parameter, an enum value, a response status added.
- cosmetic: descriptions, summaries, titles, examples, `x-` extensions, operationId and tags (their
  effect on the generated package is what the Python surface comparison reports).

A component's changes are judged by where it is used: in a request, a response, or both (then the
stricter verdict holds); one used nowhere, as if used everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from codegen.upstream.spec_location import Context, Location

__all__ = ["COSMETIC_KEYWORDS", "TYPE_KEYWORDS", "Facts", "Severity", "classify", "node_at", "resolve"]

Severity = Literal["breaking", "additive", "cosmetic"]
_SEVERITY_RANK = {"cosmetic": 0, "additive": 1, "breaking": 2}
_BOTH: frozenset[Context] = frozenset({"request", "response"})
COSMETIC_KEYWORDS = frozenset(
    {"description", "summary", "title", "example", "examples", "externalDocs", "operationId", "tags", "deprecated"}
)
TYPE_KEYWORDS = frozenset(
    {"type", "format", "$ref", "items", "additionalProperties", "allOf", "oneOf", "anyOf", "not", "const", "nullable"}
)
_DISPLAY = {"media": "media type", "request-body": "request body", "section": "components section"}


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        if not isinstance(target, Mapping) or part not in target:
            return node
        target = target[part]
    return target


def node_at(document: Mapping[str, Any], steps: list[str]) -> Any:
    node: Any = document
    for step in steps:
        if not isinstance(node, Mapping) or step not in node:
            return None
        node = node[step]
    return node


@dataclass(frozen=True)
class Facts:
    """One difference as deepdiff reports it, with both (normalised) documents."""

    kind: Literal["added", "removed", "changed"]
    old: Any
    new: Any
    old_doc: Mapping[str, Any]
    new_doc: Mapping[str, Any]
    steps: list[str]


def _required_in(document: Mapping[str, Any], schema_steps: list[str], name: str) -> bool:
    parent = node_at(document, schema_steps[:-2])  # .../<schema>/properties/<name> -> <schema>
    required = parent.get("required") if isinstance(parent, Mapping) else None
    return isinstance(required, Mapping) and name in required


def _any_required(document: Mapping[str, Any], nodes: Any) -> bool:
    values = nodes.values() if isinstance(nodes, Mapping) else []
    return any(isinstance(p := resolve(document, n), Mapping) and p.get("required") is True for n in values)


def _rule_named(where: Location, facts: Facts, context: Context) -> tuple[Severity, str]:  # noqa: PLR0911, PLR0912
    kind, name, container = facts.kind, facts.steps[-1], where.container
    if container in ("path", "operation"):
        return ("additive", "operation added") if kind == "added" else ("breaking", "operation removed")
    if kind == "changed" or container in ("schema", "schema-list"):
        return "breaking", "type changed"
    if kind == "removed":
        if container == "response":
            success = name.startswith("2")
            return (
                ("breaking", "success status changed") if success else ("additive", "error status no longer documented")
            )
        if container in ("property", "properties"):
            return "breaking", f"{context} field removed"
        return "breaking", f"{_DISPLAY.get(container or '', container)} removed"
    if container == "property":
        if context == "request" and _required_in(facts.new_doc, where.schema, name):
            return "breaking", "request field added as required"
        return "additive", "optional field added" if context == "request" else "response field added"
    if container == "properties":
        required = node_at(facts.new_doc, [*where.schema, "required"])
        if context == "request" and isinstance(required, Mapping) and set(required) & set(facts.new or {}):
            return "breaking", "request field added as required"
        return "additive", "fields added"
    if container in ("parameter", "parameters"):
        nodes = {name: facts.new} if container == "parameter" else facts.new
        if _any_required(facts.new_doc, nodes):
            return "breaking", "parameter added as required"
        return "additive", "optional parameter added"
    if container == "request-body":
        required = isinstance(facts.new, Mapping) and facts.new.get("required") is True
        return (
            ("breaking", "request body added as required") if required else ("additive", "optional request body added")
        )
    if container == "response":
        return "additive", "new response status"
    return "additive", f"{_DISPLAY.get(container or '', container)} added"


def _members(rest: list[str], facts: Facts) -> list[str] | None:
    """The field names a change to a schema's `required` list adds or removes (None: a required flag)."""
    if rest:
        return [rest[0]]
    whole = facts.new if facts.kind == "added" else facts.old
    return sorted(whole) if isinstance(whole, Mapping) else None


def _required_fields(names: list[str], kind: str, context: Context) -> tuple[Severity, str]:
    fields = ", ".join(names)
    if context == "request" and kind == "added":
        return "breaking", f"request field {fields} now required"
    if context == "request":
        return "additive", f"request field {fields} now optional"
    if kind == "added":
        return "additive", f"response field {fields} now always present"
    return "breaking", f"response field {fields} may now be absent"


def _rule_keyword(where: Location, facts: Facts, context: Context) -> tuple[Severity, str]:  # noqa: PLR0911
    keyword, rest, kind = where.keyword, where.rest, facts.kind
    if (
        keyword in COSMETIC_KEYWORDS
        or (keyword or "").startswith("x-")
        or (where.operation is None and keyword == "info")
    ):
        return "cosmetic", f"{keyword} changed"
    if keyword == "required" and (members := _members(rest, facts)) is not None:  # a schema's required list
        return _required_fields(members, kind, context)
    if keyword == "required":  # a parameter's or request body's flag
        return ("breaking", "now required") if facts.new is True else ("additive", "no longer required")
    if keyword == "enum" and rest:
        if kind == "added":
            return "additive", "enum value added"
        if context == "request":
            return "breaking", "enum value removed from a request"
        return "additive", "enum value no longer sent"
    if keyword in TYPE_KEYWORDS or keyword == "enum":
        return "breaking", "type changed"
    if keyword == "default":
        return ("breaking", "request default changed") if context == "request" else ("cosmetic", "default changed")
    if keyword == "servers" and len(rest) == 1:
        return ("additive", "server added") if kind == "added" else ("breaking", "server removed")
    if keyword == "servers" and rest and rest[-1] == "description":
        return "cosmetic", "server description changed"
    return "breaking", "unclassified change: review it by hand"


def classify(where: Location, facts: Facts, used_in: set[Context]) -> tuple[Severity, str]:
    """The class of one difference and the rule that gave it; `used_in`: where its component is used."""
    contexts = where.contexts | used_in
    candidates = [
        _rule_keyword(where, facts, context) if where.keyword is not None else _rule_named(where, facts, context)
        for context in sorted(contexts or _BOTH)
    ]
    return max(candidates, key=lambda candidate: _SEVERITY_RANK[candidate[0]])
