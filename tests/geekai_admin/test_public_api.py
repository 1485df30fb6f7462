"""The public surface, pinned: a change here is a change for every user."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import geekai_admin
import geekai_admin_api.api

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
    "BulkResult",
    "CheckResult",
    "COINS_PER_YUAN",
    "ConfigurationError",
    "ConflictError",
    "CreatedKey",
    "DEFAULT_TIMEOUT",
    "GeekAIAdmin",
    "GeekAIError",
    "Group",
    "GroupSpend",
    "HandOver",
    "InternalServerError",
    "InvalidInputError",
    "KEY_ENV",
    "KeyFilter",
    "Keys",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Problem",
    "ProblemKind",
    "REGIONS",
    "REGION_ENV",
    "RateLimitError",
    "Report",
    "RetryPolicy",
    "Rotation",
    "RotationError",
    "RotationStep",
    "SortOrder",
    "__version__",
    "aiohttp_transport",
    "build_report",
    "check_report",
    "select_keys",
    "sort_keys",
}
GENERATED_OPERATIONS = {
    "api_keys.create_api_key",
    "api_keys.delete_api_key",
    "api_keys.get_api_key",
    "api_keys.list_api_keys",
    "api_keys.update_api_key",
    "credit_balance.get_credit_balance",
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
    assert found == GENERATED_OPERATIONS


def test_sync_and_async_clients_offer_the_same_methods() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in vars(cls) if not n.startswith("_")}

    assert public(geekai_admin.GeekAIAdmin) == public(geekai_admin.AsyncGeekAIAdmin)
    assert public(geekai_admin.GeekAIAdmin) >= {"balance", "report", "check"}
    assert (
        public(geekai_admin.Keys)
        == public(geekai_admin.AsyncKeys)
        == {
            "list",
            "get",
            "create",
            "update",
            "delete",
            "rotate",
            "delete_many",
            "update_many",
        }
    )


def test_unknown_attributes_raise() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = geekai_admin.nope  # type: ignore[attr-defined]
    assert "GeekAIAdmin" in dir(geekai_admin)


def test_nothing_generated_imports_the_overlay() -> None:
    root = Path(geekai_admin_api.__file__).parent
    for path in root.rglob("*.py"):
        assert "geekai_admin." not in path.read_text(encoding="utf-8").replace("geekai_admin_api", ""), path
