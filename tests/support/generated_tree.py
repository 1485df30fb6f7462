"""The operation set of the patched spec and what a generated package holds: pinned once, here."""

from __future__ import annotations

from pathlib import Path

OPERATIONS = {
    "listApiKeys": ("get", "/api_keys", "api_keys.list_api_keys"),
    "createApiKey": ("post", "/api_keys", "api_keys.create_api_key"),
    "getApiKey": ("get", "/api_keys/{uuid}", "api_keys.get_api_key"),
    "updateApiKey": ("put", "/api_keys/{uuid}", "api_keys.update_api_key"),
    "deleteApiKey": ("delete", "/api_keys/{uuid}", "api_keys.delete_api_key"),
    "getCreditBalance": ("get", "/credit/balance", "credit_balance.get_credit_balance"),
}
"""Every operation: its operationId, method, path, and the generated module (tag.module) it becomes."""

SIX_OPERATION_MODULES = frozenset(f"api/{module.replace('.', '/')}.py" for _, _, module in OPERATIONS.values())
"""The operation modules of the committed package: one per operation of the patched spec."""


def operation_modules(package: Path) -> set[str]:
    """The operation modules of a generated package, relative to it."""
    return {str(p.relative_to(package)) for p in package.glob("api/*/*.py") if p.name != "__init__.py"}


def operation_drift(package: Path) -> list[str]:
    """What a maintainer must do when the operation modules of `package` are not the six above."""
    found = operation_modules(package)
    gone = sorted(SIX_OPERATION_MODULES - found)
    return [
        *(
            f"new operation module {m}: name the operation in adminapi.patch.yaml (operationId and tag), "
            "regenerate, and add it to OPERATIONS in tests/support/generated_tree.py"
            for m in sorted(found - SIX_OPERATION_MODULES)
        ),
        *(f"operation module {m} is gone: did upstream remove the operation?" for m in gone),
    ]
