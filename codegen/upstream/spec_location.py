"""Where a difference lies in an OpenAPI document: which operation, component, name or keyword.

A difference is a list of keys from the document root. Walking it through the document's grammar
tells a property named `description` from the `description` keyword, and whether the node is
part of what a client sends (request) or what it reads (response).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from codegen.spec_checks import HTTP_METHODS

__all__ = ["Context", "Location", "locate", "operation_key"]

Context = Literal["request", "response"]
_SCHEMA_CHILDREN = frozenset({"items", "additionalProperties", "not", "contains"})
_SCHEMA_LISTS = frozenset({"allOf", "oneOf", "anyOf", "prefixItems"})
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


@dataclass
class Location:
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
_STEP_CONTEXT: dict[str, Context] = {"parameters": "request", "requestBody": "request", "responses": "response"}


def locate(steps: list[str]) -> Location:
    """Walk the steps of a difference through the document's grammar: names, keywords, context."""
    where = Location()
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
