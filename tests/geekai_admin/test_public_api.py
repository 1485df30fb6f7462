"""The public surface, pinned: a change here is a change for every user."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import geekai_admin
import geekai_admin_api.api
from tests.support.generated_tree import OPERATIONS

EXPORTED = {
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "AsyncGeekAIAdmin",
    "AsyncKeys",
    "AuthenticationError",
    "BASE_URL_ENV",
    "BadRequestError",
    "Balance",
    "COINS_PER_YUAN",
    "ConfigurationError",
    "ConflictError",
    "CreatedKey",
    "DEFAULT_TIMEOUT",
    "GeekAIAdmin",
    "GeekAIError",
    "Group",
    "InternalServerError",
    "InvalidInputError",
    "KEY_ENV",
    "Keys",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "REGIONS",
    "REGION_ENV",
    "RateLimitError",
    "Region",
    "RetryPolicy",
    "__version__",
    "aiohttp_transport",
}


def test_exported_names_are_pinned_and_importable() -> None:
    assert set(geekai_admin.__all__) == EXPORTED
    for name in geekai_admin.__all__:
        assert getattr(geekai_admin, name) is not None


def test_the_exception_hierarchy() -> None:
    ga = geekai_admin
    assert issubclass(ga.APIStatusError, ga.GeekAIError)
    for cls in (
        ga.BadRequestError,
        ga.AuthenticationError,
        ga.PermissionDeniedError,
        ga.NotFoundError,
        ga.ConflictError,
        ga.RateLimitError,
        ga.InternalServerError,
    ):
        assert issubclass(cls, ga.APIStatusError)
    assert issubclass(ga.APITimeoutError, ga.APIConnectionError)
    assert issubclass(ga.APIConnectionError, ga.GeekAIError)
    assert issubclass(ga.APIResponseValidationError, ga.GeekAIError)
    assert issubclass(ga.InvalidInputError, ValueError)
    assert issubclass(ga.ConfigurationError, ValueError)


def test_the_generated_operations_are_pinned() -> None:
    found = set()
    for tag in pkgutil.iter_modules(geekai_admin_api.api.__path__):
        package = importlib.import_module(f"geekai_admin_api.api.{tag.name}")
        found |= {f"{tag.name}.{op.name}" for op in pkgutil.iter_modules(package.__path__)}
    assert found == {module for _, _, module in OPERATIONS.values()}


def test_sync_and_async_clients_offer_the_same_methods() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in vars(cls) if not n.startswith("_")}

    assert public(geekai_admin.GeekAIAdmin) == public(geekai_admin.AsyncGeekAIAdmin)
    assert public(geekai_admin.Keys) == public(geekai_admin.AsyncKeys) == {"list", "get", "create", "update", "delete"}


def test_unknown_attributes_raise() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = geekai_admin.nope  # type: ignore[attr-defined]
    assert "GeekAIAdmin" in dir(geekai_admin)


def test_nothing_generated_imports_the_overlay() -> None:
    root = Path(geekai_admin_api.__file__).parent
    for path in root.rglob("*.py"):
        assert "geekai_admin." not in path.read_text(encoding="utf-8").replace("geekai_admin_api", ""), path
