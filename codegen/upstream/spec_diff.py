"""What changed between two OpenAPI documents, each change classified (spec_rules.py).

deepdiff finds the structural differences between the two parsed documents; lists whose order
carries no meaning (`required`, `enum`, tags, servers, parameters) are turned into mappings first,
so that reordering them is no change and adding one member is one change that names it.
`diff_upstream` also compares the two documents as patched: a change that is gone once
adminapi.patch.yaml is applied (upstream fixing an error the patch already fixes) is marked
absorbed and breaks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from deepdiff import DeepDiff

from codegen.spec_checks import HTTP_METHODS, component_refs, operations
from codegen.upstream.spec_location import Context, locate, operation_key
from codegen.upstream.spec_rules import Facts, Severity, classify, node_at, resolve

__all__ = ["Change", "SpecDiff", "diff_documents", "diff_upstream"]


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


def _parameter_key(document: Mapping[str, Any], node: Any) -> str:
    param = resolve(document, node)
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
    """Where each component is used: in requests, responses, and by which operations."""

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


def _kind(report_type: str) -> Literal["added", "removed", "changed"]:
    if report_type.endswith("_added"):
        return "added"
    if report_type.endswith("_removed"):
        return "removed"
    return "changed"


def _operations_under(document: Mapping[str, Any], steps: list[str]) -> list[str]:
    if len(steps) == 2:
        item = node_at(document, steps) or {}
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
            facts = Facts(kind, level.t1, level.t2, old_doc, new_doc, steps)
            where = locate(steps)
            severity, rule = classify(where, facts, usage.contexts.get(where.component or "", set()))
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
