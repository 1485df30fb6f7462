"""What a generated package holds, for the tests that regenerate it."""

from __future__ import annotations

from pathlib import Path

SIX_OPERATION_MODULES = frozenset(
    {
        "api/api_keys/list_api_keys.py",
        "api/api_keys/create_api_key.py",
        "api/api_keys/get_api_key.py",
        "api/api_keys/update_api_key.py",
        "api/api_keys/delete_api_key.py",
        "api/credit_balance/get_credit_balance.py",
    }
)
"""The operation modules of the committed package: one per operation of the patched spec."""


def operation_modules(package: Path) -> set[str]:
    """The operation modules of a generated package, relative to it."""
    return {str(p.relative_to(package)) for p in package.glob("api/*/*.py") if p.name != "__init__.py"}
