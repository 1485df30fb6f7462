"""What changed between two OpenAPI documents, classified for the people who use this package.

deepdiff finds the structural differences between the two parsed documents; this module only
says what each one means. Lists whose order carries no meaning (`required`, `enum`, tags,
servers, parameters) are turned into mappings first, so that reordering them is no change and
adding one member is one change that names it.

- breaking: an operation removed or moved, a response field removed or its type changed, a
  request field added as required, an enum value removed from a request, a parameter added as
  required, a success status removed; also, to be safe, any change no rule below recognises.
- additive: an operation, an optional field or parameter, an enum value, a response status added.
- cosmetic: descriptions, summaries, titles, examples, `x-` extensions, operationId and tags (their
  effect on the generated package is what the Python surface comparison reports).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from deepdiff import DeepDiff

from codegen.spec_checks import HTTP_METHODS, component_refs, operations

__all__ = ["Change", "SpecDiff", "diff_documents", "diff_upstream", "operation_key"]

Severity = Literal["breaking", "additive", "cosmetic"]
Context = Literal["request", "response"]
_SEVERITY_RANK = {"cosmetic": 0, "additive": 1, "breaking": 2}
COSMETIC_KEYWORDS = frozenset(
    {"description", "summary", "title", "example", "examples", "externalDocs", "operationId", "tags", "deprecated"}
)
TYPE_KEYWORDS = frozenset(
    {"type", "format", "$ref", "items", "additionalProperties", "allOf", "oneOf", "anyOf", "not", "const", "nullable"}
)
_SCHEMA_CHILDREN = frozenset({"items", "additionalProperties", "not", "contains"})
_SCHEMA_LISTS = frozenset({"allOf", "oneOf", "anyOf", "prefixItems"})
_DISPLAY = {"media": "media type", "request-body": "request body", "section": "components section"}
_SECTION_STATE = {
    "schemas": "schema",
    "parameters": "parameter",
    "headers": "parameter",
    "responses": "response",
    "requestBodies": "request-body",
}
_SECTION_CONTEXT: dict[str, Context] = {
    "parameters": "request",
    "requestBodies": "request",
    "responses": "response",
    "headers": "response",
}


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


@dataclass(frozen=True)
class Change:
    steps: tuple[str, ...]  # the keys from the document root
    kind: Literal["added", "removed", "changed"]
    severity: Severity
    rule: str
    absorbed: bool = False  # the patched documents do not differ here: adminapi.patch.yaml already did it

    @property
    def where(self) -> str:
        return ".".join(self.steps)

    @property
    def breaking(self) -> bool:
        return self.severity == "breaking" and not self.absorbed

    def as_dict(self) -> dict[str, Any]:
        record = {"where": self.where, "kind": self.kind, "breaking": self.breaking, "class": self.severity}
        return record | {"rule": self.rule, "absorbed_by_patch": self.absorbed}


@dataclass
class SpecDiff:
    changes: list[Change] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(change.breaking for change in self.changes)


# --- normalisation -------------------------------------------------------------------------


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = document
    for part in ref[2:].split("/"):
        if not isinstance(target, Mapping) or part not in target:
            return node
        target = target[part]
    return target


def _parameter_key(document: Mapping[str, Any], node: Any) -> str:
    param = _resolve(document, node)
    if isinstance(param, Mapping) and "name" in param:
        return f"{param['name']} (in {param.get('in')})"
    return str(node.get("$ref") if isinstance(node, Mapping) else node)


_KEYED_LISTS = {"servers": "url", "tags": "name"}


def _keyed(items: list[Any], key: str) -> Any:
    if all(isinstance(item, Mapping) and key in item for item in items):
        return {str(item[key]): item for item in items}
    return items


def _normal(document: Mapping[str, Any], node: Any, parent_key: str | None = None) -> Any:
    if isinstance(node, Mapping):
        return {key: _normal(document, value, key) for key, value in node.items()}
    if not isinstance(node, list):
        return node
    items = [_normal(document, item) for item in node]
    if parent_key == "parameters":
        return {_parameter_key(document, original): item for original, item in zip(node, items, strict=True)}
    if parent_key in ("required", "enum", "tags") and all(not isinstance(i, Mapping | list) for i in items):
        return dict.fromkeys(map(str, items), True)
    if parent_key in _KEYED_LISTS:
        return _keyed(items, _KEYED_LISTS[parent_key])
    return items


# --- where each component is used -----------------------------------------------------------


@dataclass
class _Usage:
    contexts: dict[str, set[Context]] = field(default_factory=dict)  # "schemas/X" -> contexts
    users: dict[str, set[str]] = field(default_factory=dict)  # "schemas/X" -> operation keys

    def record(self, document: Mapping[str, Any], node: Any, context: Context, op: str) -> None:
        pending = list(component_refs(node))
        seen: set[str] = set()
        while pending:
            component = pending.pop()
            if component in seen:
                continue
            seen.add(component)
            self.contexts.setdefault(component, set()).add(context)
            self.users.setdefault(component, set()).add(op)
            section, _, name = component.partition("/")
            pending.extend(component_refs((document.get("components") or {}).get(section, {}).get(name)))


def _usage(*documents: Mapping[str, Any]) -> _Usage:
    usage = _Usage()
    for document in documents:
        for method, path, operation in operations(document):
            op = operation_key(method, path)
            shared = (document.get("paths") or {}).get(path, {}).get("parameters")
            request = [shared, operation.get("parameters"), operation.get("requestBody")]
            usage.record(document, request, "request", op)
            usage.record(document, operation.get("responses"), "response", op)
    return usage


# --- locating a difference ------------------------------------------------------------------


@dataclass
class _Location:
    operation: str | None = None
    component: str | None = None  # "schemas/X"
    contexts: set[Context] = field(default_factory=set)
    container: str | None = None  # what the last step names: property, parameter, response, ...
    keyword: str | None = None  # the first keyword after the last name
    rest: list[str] = field(default_factory=list)  # the steps after that keyword
    schema: list[str] = field(default_factory=list)  # the steps to the innermost schema


_FIXED_STEPS: dict[str, dict[str, tuple[str | None, str]]] = {
    # state -> {keyword: (what the step names, the next state)}
    "root": {"paths": (None, "paths"), "components": (None, "components")},
    "path-item": {"parameters": ("parameters", "parameters")},
    "operation": {
        "parameters": ("parameters", "parameters"),
        "requestBody": ("request-body", "request-body"),
        "responses": ("responses", "responses"),
    },
    "parameter": {"schema": ("schema", "schema"), "content": ("content", "content")},
    "request-body": {"content": ("content", "content")},
    "response": {"content": ("content", "content")},
    "media": {"schema": ("schema", "schema")},
    "schema": {
        "properties": ("properties", "properties"),
        **dict.fromkeys(_SCHEMA_CHILDREN, ("schema", "schema")),
        **dict.fromkeys(_SCHEMA_LISTS, ("schema-list", "schema-list")),
    },
}
_NAMES: dict[str, tuple[str, str]] = {
    # state whose every key is a name -> (what it names, the next state)
    "paths": ("path", "path-item"),
    "parameters": ("parameter", "parameter"),
    "responses": ("response", "response"),
    "content": ("media", "media"),
    "properties": ("property", "schema"),
    "schema-list": ("schema", "schema"),
    "components": ("section", "section"),
}
_BOTH: frozenset[Context] = frozenset({"request", "response"})
_STEP_CONTEXT: dict[str, Context] = {"parameters": "request", "requestBody": "request", "responses": "response"}


def _locate(steps: list[str]) -> _Location:
    """Walk the steps of a difference through the document's grammar: names, keywords, context."""
    where = _Location()
    state, section = "root", ""
    for index, step in enumerate(steps):
        if where.keyword is not None:
            where.rest.append(step)
            continue
        named: str | None = None
        if state == "path-item" and step in HTTP_METHODS:
            where.operation = operation_key(step, steps[index - 1])
            named, state = "operation", "operation"
        elif state == "section":
            where.component = f"{section}/{step}"
            where.contexts |= {_SECTION_CONTEXT[section]} if section in _SECTION_CONTEXT else set()
            named, state = "component", _SECTION_STATE.get(section, "")
        elif step in _FIXED_STEPS.get(state, {}):
            if state in ("path-item", "operation"):
                where.contexts.add(_STEP_CONTEXT[step])
            named, state = _FIXED_STEPS[state][step]
        elif state in _NAMES:
            section = step if state == "components" else section
            named, state = _NAMES[state]
        else:
            state = ""
        if state == "schema":
            where.schema = steps[: index + 1]
        if named is None and state == "":
            where.keyword = step
        where.container = named
    return where


# --- the rules ------------------------------------------------------------------------------


def _node(document: Mapping[str, Any], steps: list[str]) -> Any:
    node: Any = document
    for step in steps:
        if not isinstance(node, Mapping) or step not in node:
            return None
        node = node[step]
    return node


@dataclass(frozen=True)
class _Facts:
    kind: Literal["added", "removed", "changed"]
    old: Any
    new: Any
    old_doc: Mapping[str, Any]
    new_doc: Mapping[str, Any]
    steps: list[str]


def _required_in(document: Mapping[str, Any], schema_steps: list[str], name: str) -> bool:
    parent = _node(document, schema_steps[:-2])  # .../<schema>/properties/<name> -> <schema>
    required = parent.get("required") if isinstance(parent, Mapping) else None
    return isinstance(required, Mapping) and name in required


def _any_required(document: Mapping[str, Any], nodes: Any) -> bool:
    values = nodes.values() if isinstance(nodes, Mapping) else []
    return any(isinstance(p := _resolve(document, n), Mapping) and p.get("required") is True for n in values)


def _rule_named(where: _Location, facts: _Facts, context: Context) -> tuple[Severity, str]:  # noqa: PLR0911, PLR0912
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
        required = _node(facts.new_doc, [*where.schema, "required"])
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


def _members(rest: list[str], facts: _Facts) -> list[str] | None:
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


def _rule_keyword(where: _Location, facts: _Facts, context: Context) -> tuple[Severity, str]:  # noqa: PLR0911
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


def _classify(where: _Location, facts: _Facts, usage: _Usage) -> tuple[Severity, str]:
    contexts = set(where.contexts)
    if where.component is not None:
        contexts |= usage.contexts.get(where.component, set())
    # A component used nowhere is judged as if it were used everywhere: the safe side.
    candidates = [
        _rule_keyword(where, facts, context) if where.keyword is not None else _rule_named(where, facts, context)
        for context in sorted(contexts or _BOTH)
    ]
    return max(candidates, key=lambda candidate: _SEVERITY_RANK[candidate[0]])


def _kind(report_type: str) -> Literal["added", "removed", "changed"]:
    if report_type.endswith("_added"):
        return "added"
    if report_type.endswith("_removed"):
        return "removed"
    return "changed"


def _operations_under(document: Mapping[str, Any], steps: list[str]) -> list[str]:
    if len(steps) == 2:
        item = _node(document, steps) or {}
        return [operation_key(m, steps[1]) for m in HTTP_METHODS if isinstance(item.get(m), Mapping)]
    return [operation_key(steps[2], steps[1])]


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> SpecDiff:
    """Every difference between `old` and `new`, classified; the operations added, removed and changed."""
    old_doc, new_doc = _normal(old, old), _normal(new, new)
    usage = _usage(old, new)
    result = SpecDiff()
    changed_ops: set[str] = set()
    # threshold 0: name each key added or removed even when a mapping shares none with its old self.
    tree = DeepDiff(old_doc, new_doc, view="tree", threshold_to_diff_deeper=0)
    for report_type, levels in tree.items():
        for level in levels:
            steps = [str(step) for step in level.path(output_format="list")]
            kind = _kind(report_type)
            facts = _Facts(kind, level.t1, level.t2, old_doc, new_doc, steps)
            where = _locate(steps)
            severity, rule = _classify(where, facts, usage)
            result.changes.append(Change(tuple(steps), kind, severity, rule))
            if where.container in ("path", "operation") and kind != "changed":
                ops = _operations_under(old_doc if kind == "removed" else new_doc, steps)
                (result.removed if kind == "removed" else result.added).extend(ops)
            elif severity != "cosmetic":
                changed_ops |= {where.operation} if where.operation else set()
                changed_ops |= usage.users.get(where.component or "", set())
    result.changes.sort(key=lambda change: change.where)
    result.added.sort()
    result.removed.sort()
    result.changed = sorted(changed_ops - set(result.added) - set(result.removed))
    return result


def diff_upstream(
    old: Mapping[str, Any], new: Mapping[str, Any], old_patched: Mapping[str, Any], new_patched: Mapping[str, Any]
) -> SpecDiff:
    """Upstream's changes, each marked absorbed where the patched documents agree (the patch already made it)."""
    result = diff_documents(old, new)
    remaining = [change.steps for change in diff_documents(old_patched, new_patched).changes]

    def absorbed(change: Change) -> bool:  # nothing differs after the patch at, above or below it
        return not any(_overlap(change.steps, steps) for steps in remaining)

    result.changes = [replace(change, absorbed=absorbed(change)) for change in result.changes]
    return result


def _overlap(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    shorter = min(len(left), len(right))
    return left[:shorter] == right[:shorter]
