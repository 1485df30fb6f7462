"""The generated package's private names the overlay relies on, pinned in one place.

The overlay builds its requests with each operation's `_get_kwargs` (method, URL, JSON body): the
generator's public functions also send the request, and the overlay sends it itself (its retry
rules, body cap, no cookie jar). `_get_kwargs` is private to openapi-python-client, so a generator
upgrade may rename it or change what it returns: these tests then fail here, naming the name,
rather than somewhere in the clients. codegen/README.md ("Private names the overlay uses") says so.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import uuid
from pathlib import Path

import geekai_admin
from geekai_admin_api.models.api_key_create_request import ApiKeyCreateRequest
from geekai_admin_api.models.api_key_update_request import ApiKeyUpdateRequest

OVERLAY = Path(geekai_admin.__file__).parent
UUID = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
# Each private name the overlay uses: (module, name) -> its parameters.
PINNED = {
    ("geekai_admin_api.api.credit_balance.get_credit_balance", "_get_kwargs"): [],
    ("geekai_admin_api.api.api_keys.list_api_keys", "_get_kwargs"): [],
    ("geekai_admin_api.api.api_keys.get_api_key", "_get_kwargs"): ["uuid"],
    ("geekai_admin_api.api.api_keys.create_api_key", "_get_kwargs"): ["body"],
    ("geekai_admin_api.api.api_keys.update_api_key", "_get_kwargs"): ["uuid", "body"],
    ("geekai_admin_api.api.api_keys.delete_api_key", "_get_kwargs"): ["uuid"],
}


def _private_generated_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) for every private name of geekai_admin_api that `path` imports or reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound: dict[str, str] = {}  # local name -> generated module
    used: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("geekai_admin_api"):
            for alias in node.names:
                module = f"{node.module}.{alias.name}"
                if alias.name.startswith("_"):
                    used.add((node.module or "", alias.name))
                bound[alias.asname or alias.name] = module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("geekai_admin_api"):
                    bound[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in bound:
            used.add((bound[node.value.id], node.attr))
    return used


def test_the_overlay_uses_only_the_pinned_private_names() -> None:
    used = set().union(*(_private_generated_names(path) for path in OVERLAY.rglob("*.py")))
    assert used == set(PINNED)


def test_each_pinned_name_exists_with_its_parameters() -> None:
    for (module, name), parameters in PINNED.items():
        function = getattr(importlib.import_module(module), name, None)
        assert callable(function), f"{module}.{name} is gone: see codegen/README.md"
        assert list(inspect.signature(function).parameters) == parameters, f"{module}.{name}"


def test_each_pinned_builder_returns_what_the_overlay_reads() -> None:
    """`_calls._call` reads "method", "url" and, for a write, "json"."""
    create = ApiKeyCreateRequest(name="ci", group="ha", credit_limit=100, expired_at="")
    update = ApiKeyUpdateRequest(name="ci", group="ha", credit_limit=0, expired_at="")
    arguments: dict[str, tuple[tuple[object, ...], dict[str, object]]] = {
        "get_credit_balance": ((), {}),
        "list_api_keys": ((), {}),
        "get_api_key": ((UUID,), {}),
        "create_api_key": ((), {"body": create}),
        "update_api_key": ((UUID,), {"body": update}),
        "delete_api_key": ((UUID,), {}),
    }
    expected = {
        "get_credit_balance": ("get", "/credit/balance", None),
        "list_api_keys": ("get", "/api_keys", None),
        "get_api_key": ("get", f"/api_keys/{UUID}", None),
        "create_api_key": ("post", "/api_keys", create.to_dict()),
        "update_api_key": ("put", f"/api_keys/{UUID}", update.to_dict()),
        "delete_api_key": ("delete", f"/api_keys/{UUID}", None),
    }
    for module, name in PINNED:
        operation = module.rpartition(".")[2]
        args, kwargs = arguments[operation]
        built = getattr(importlib.import_module(module), name)(*args, **kwargs)
        assert (built["method"], built["url"], built.get("json")) == expected[operation], operation


def test_the_scan_finds_a_private_name() -> None:
    sample = OVERLAY.parent.parent / "tests" / "codegen" / "test_private_names.py"
    assert ("geekai_admin_api.api.api_keys.update_api_key", "_get_kwargs") not in _private_generated_names(sample)
    assert _private_generated_names(OVERLAY / "_calls.py") == set(PINNED)
