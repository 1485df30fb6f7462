"""The key records the fake API serves, built from the patched spec's own examples.

One builder for every suite: a new field in the spec's `ApiKey` schema (with an example)
appears in every fake record without touching a fixture.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

import yaml

__all__ = [
    "EXAMPLE_BALANCE",
    "EXAMPLE_SECRET",
    "EXAMPLE_UUID",
    "GROUPS",
    "PATCHED_SPEC",
    "SYSTEM_KEY",
    "UNAUTHORIZED_BODY",
    "UPDATE_DEFAULTS",
    "created_record",
    "group_record",
    "key_record",
    "masked",
    "patched_document",
]

PATCHED_SPEC: Final = Path(__file__).resolve().parents[3] / "generated" / "adminapi.patched.yaml"

SYSTEM_KEY: Final = "sk-system-FakeAPI-7f3a9c1e5b2d4a6f8e0c"
"""The one system key the fake accepts. Tests scan every output for it: it must never appear."""


@functools.cache
def patched_document() -> dict[str, Any]:
    """The patched spec (generated/adminapi.patched.yaml), read once; never to be modified."""
    document: dict[str, Any] = yaml.safe_load(PATCHED_SPEC.read_text(encoding="utf-8"))
    return document


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = patched_document()["components"]["schemas"]
    return schemas


def _example(schema: dict[str, Any]) -> Any:
    """A property's example; for an anyOf, the first branch that has one."""
    if "example" in schema:
        return schema["example"]
    for branch in schema.get("anyOf", ()):
        if "example" in branch:
            return branch["example"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {field: _example(sub) for field, sub in _schemas()[name]["properties"].items()}
    raise LookupError(f"the patched spec gives no example for {schema}")


@functools.cache
def _example_key() -> dict[str, Any]:
    return {field: _example(schema) for field, schema in _schemas()["ApiKey"]["properties"].items()}


def _created_properties() -> dict[str, Any]:
    (extra,) = (part for part in _schemas()["ApiKeyCreated"]["allOf"] if "properties" in part)
    properties: dict[str, Any] = extra["properties"]
    return properties


EXAMPLE_UUID: Final[str] = _example_key()["uuid"]
"""The spec's example uuid (what Prism answers with, and the unit tests' default key)."""
EXAMPLE_SECRET: Final[str] = _created_properties()["raw_value"]["example"]
EXAMPLE_BALANCE: Final[float] = _schemas()["CreditBalance"]["properties"]["balance"]["example"]

GROUPS: Final[dict[str, str]] = {"lowcost": "低价优先", "balance": "均衡", "ha": "高可用", "none": "不使用代理"}
"""The request schema's four groups and their aliases (from the spec's group description)."""
UPDATE_DEFAULTS: Final[dict[str, Any]] = {
    name: schema["default"] for name, schema in _schemas()["ApiKeyUpdateRequest"]["properties"].items()
}
"""The update request's defaults: what a server that resets the fields a PUT omits would store."""
UNAUTHORIZED_BODY: Final[dict[str, Any]] = {
    name: schema["example"] for name, schema in _schemas()["UnauthorizedError"]["properties"].items()
}
"""The spec's example 401 body."""


def group_record(name: str) -> dict[str, Any]:
    """The `group` object of a key in group `name`; the spec's example for `balance`."""
    example: dict[str, Any] = dict(_example_key()["group"])
    if name == example["name"]:
        return example
    return {"name": name, "alias": GROUPS.get(name, name), "desc": f"{name} strategy"}


def key_record(**overrides: Any) -> dict[str, Any]:
    """A key as list and get answer it: every field of the spec's `ApiKey` example, then `overrides`.

    `group` may be given as a group name (`group="ha"`) or as the whole object.
    """
    record = {name: (dict(value) if isinstance(value, dict) else value) for name, value in _example_key().items()}
    record.update(overrides)
    group = record.get("group")
    if isinstance(group, str):
        record["group"] = group_record(group)
    return record


def created_record(secret: str = EXAMPLE_SECRET, **overrides: Any) -> dict[str, Any]:
    """A key as create answers it: a `key_record` plus the one-time `raw_value`."""
    return {**key_record(value=masked(secret), **overrides), "raw_value": secret}


def masked(secret: str) -> str:
    """The masked form the API shows in `value`, as in the spec's example: 7 characters, 16 stars, 4."""
    return f"{secret[:7]}{'*' * 16}{secret[-4:]}"
