"""Apply an OpenAPI Overlay 1.0 document to an OpenAPI document.

Targets are RFC 9535 JSONPath expressions. An action whose target selects nothing is a no-op:
that is what lets a fix outlive the upstream error it corrects.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence
from dataclasses import dataclass
from typing import Any

import jsonpath_rfc9535

__all__ = ["ActionResult", "OverlayError", "apply_overlay"]


class OverlayError(ValueError):
    """The overlay document is malformed, or an action cannot apply to what it selects."""


@dataclass(frozen=True)
class ActionResult:
    index: int
    target: str
    kind: str  # "update" or "remove"
    matched: int


def _check_overlay(overlay: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    version = str(overlay.get("overlay", ""))
    if not version.startswith("1."):
        raise OverlayError(f"unsupported overlay version {version!r}: expected 1.x")
    info = overlay.get("info")
    if not isinstance(info, Mapping) or "title" not in info or "version" not in info:
        raise OverlayError("overlay.info must have a title and a version")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise OverlayError("overlay.actions must be a non-empty list")
    for index, action in enumerate(actions):
        if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
            raise OverlayError(f"action {index}: a target (JSONPath string) is required")
        if action.get("remove") is not True and "update" not in action:
            raise OverlayError(f"action {index} ({action['target']}): needs `update` or `remove: true`")
    return actions


def _merge(target: MutableMapping[str, Any], update: Mapping[str, Any]) -> None:
    """Overlay merge: objects merge recursively, arrays are appended to, anything else replaced."""
    for key, value in update.items():
        current = target.get(key)
        if isinstance(current, MutableMapping) and isinstance(value, Mapping):
            _merge(current, value)
        elif isinstance(current, MutableSequence) and isinstance(value, list):
            current.extend(copy.deepcopy(value))
        else:
            target[key] = copy.deepcopy(value)


def _node_at(document: Any, location: tuple[str | int, ...]) -> Any:
    node = document
    for step in location:
        node = node[step]
    return node


def _apply_update(index: int, target: str, value: Any, update: Any) -> None:
    if isinstance(value, MutableMapping):
        if not isinstance(update, Mapping):
            raise OverlayError(f"action {index} ({target}): an object target needs an object update")
        _merge(value, update)
    elif isinstance(value, MutableSequence):
        value.append(copy.deepcopy(update))
    else:
        raise OverlayError(f"action {index} ({target}): selects a {type(value).__name__}, not an object or array")


def apply_overlay(document: Mapping[str, Any], overlay: Mapping[str, Any]) -> tuple[dict[str, Any], list[ActionResult]]:
    """Return a patched deep copy of `document` and what each action matched."""
    actions = _check_overlay(overlay)
    result: dict[str, Any] = copy.deepcopy(dict(document))
    report: list[ActionResult] = []
    for index, action in enumerate(actions):
        target = action["target"]
        try:
            nodes = jsonpath_rfc9535.find(target, result)
        except jsonpath_rfc9535.JSONPathError as exc:
            raise OverlayError(f"action {index}: invalid JSONPath {target!r}: {exc}") from exc
        if action.get("remove") is True:
            # Deepest and last first, so that earlier array indices stay valid.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                if not node.location:
                    raise OverlayError(f"action {index} ({target}): cannot remove the document root")
                parent = _node_at(result, node.location[:-1])
                del parent[node.location[-1]]
            report.append(ActionResult(index, target, "remove", len(nodes)))
        else:
            for node in nodes:
                _apply_update(index, target, node.value, action["update"])
            report.append(ActionResult(index, target, "update", len(nodes)))
    return result, report
