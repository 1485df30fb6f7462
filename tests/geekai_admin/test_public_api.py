"""The public surface, pinned: a change here is a change for every user."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import pydoc
import re
import sys
from pathlib import Path

import pytest

import geekai_admin
import geekai_admin._constants
import geekai_admin._types
import geekai_admin_api.api
from tests.support.generated_tree import OPERATIONS

EXPORTED = {
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Amount",
    "ApiKey",
    "AsyncGeekAIAdmin",
    "AsyncKeys",
    "AuthenticationError",
    "BASE_URL_ENV",
    "BadRequestError",
    "Balance",
    "BulkResult",
    "CheckResult",
    "ClientClosedError",
    "COINS_PER_YUAN",
    "ConfigurationError",
    "ConflictError",
    "CreatedKey",
    "DateLike",
    "DEFAULT_TIMEOUT",
    "GeekAIAdmin",
    "GeekAIError",
    "Group",
    "GroupSpend",
    "HandOver",
    "HandOverError",
    "InternalServerError",
    "InvalidInputError",
    "KEY_ENV",
    "MAX_COINS",
    "MAX_DAYS",
    "MAX_PERCENT",
    "KeyRef",
    "KeyChanges",
    "KeyFilter",
    "Keys",
    "MAY_HAVE_BEEN_CREATED",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Problem",
    "ProblemKind",
    "REGIONS",
    "REGION_ENV",
    "ZERO_CREDIT_LIMIT",
    "RateLimitError",
    "Region",
    "Report",
    "RetryPolicy",
    "Rotation",
    "RotationError",
    "RotationStep",
    "SortOrder",
    "__version__",
    "aiohttp_transport",
    "build_report",
    "check_name",
    "check_report",
    "check_uuid",
    "plain_decimal",
    "ops",
    "select_keys",
    "sort_keys",
    "surely_not_created",
}
OPS_EXPORTED = {
    "DEFAULT_CONCURRENCY",
    "DEFAULT_EXPIRING_WITHIN",
    "DEFAULT_MAX_USAGE",
    "DEFAULT_NEAR_LIMIT",
    "SORT_ORDERS",
    "BulkInterrupted",
    "BulkResult",
    "CheckResult",
    "GroupSpend",
    "HandOver",
    "HandOverError",
    "InterruptNote",
    "KeyFilter",
    "Problem",
    "ProblemKind",
    "Report",
    "Rotation",
    "RotationError",
    "RotationStep",
    "SortOrder",
    "build_report",
    "check",
    "check_report",
    "delete_many",
    "report",
    "rotate",
    "select_keys",
    "sort_keys",
    "update_many",
    "create",
    "retire",
    # keys as code: the file, its plan, its export, and where a new secret goes
    "AppliedChange",
    "ApplyInterrupted",
    "ApplyOutcome",
    "ApplyResult",
    "Deliver",
    "apply",
    "apply_result_of",
    "DESTINATION_FORMS",
    "MANAGED_FIELDS",
    "NEVER",
    "NO_LIMIT",
    "Change",
    "ChangeAction",
    "DeliveryError",
    "DeliveryUncertain",
    "DesiredKey",
    "Destination",
    "EnvFileDestination",
    "ExecDestination",
    "Export",
    "FieldChange",
    "FileDestination",
    "KeysFile",
    "KeysFileError",
    "OutcomeUnknown",
    "Plan",
    "export_keys_file",
    "load_keys_file",
    "keep_beside",
    "parse_destination",
    "parse_keys_file",
    "plan",
    "stop_deliveries",
}


def test_exported_names_are_pinned_and_importable() -> None:
    assert set(geekai_admin.__all__) == EXPORTED
    for name in geekai_admin.__all__:
        assert getattr(geekai_admin, name) is not None
    assert set(geekai_admin.ops.__all__) == OPS_EXPORTED
    for name in geekai_admin.ops.__all__:
        assert getattr(geekai_admin.ops, name) is not None
    # the key operations' types are the same objects from either namespace
    assert {n for n in OPS_EXPORTED & EXPORTED if getattr(geekai_admin, n) is not getattr(geekai_admin.ops, n)} == set()


def test_every_name_in_a_public_signature_is_exported() -> None:
    aliases = {*geekai_admin._types.__all__, *geekai_admin._constants.__all__}
    checked = set()
    for cls in (geekai_admin.GeekAIAdmin, geekai_admin.AsyncGeekAIAdmin, geekai_admin.Keys, geekai_admin.AsyncKeys):
        module = vars(sys.modules[cls.__module__])
        ours = aliases | {n for n, v in module.items() if getattr(v, "__module__", "").startswith("geekai_admin")}
        for name, member in inspect.getmembers(cls, callable):
            # the resources' __init__ takes the client's private session: the clients build them, users do not
            if name.startswith("_") and (name != "__init__" or cls in (geekai_admin.Keys, geekai_admin.AsyncKeys)):
                continue
            for annotation in member.__annotations__.values():
                used = set(re.findall(r"[A-Za-z_]\w*", str(annotation))) & ours
                assert used <= set(geekai_admin.__all__), (cls.__name__, name, used - set(geekai_admin.__all__))
                checked |= used
    assert {"KeyRef", "Amount", "DateLike", "Region", "Group", "NotGiven", "RetryPolicy"} <= checked


def test_every_name_in_a_key_operation_signature_is_exported() -> None:
    public = {*geekai_admin.__all__, *geekai_admin.ops.__all__}
    checked = set()
    for name in ("rotate", "delete_many", "update_many", "report", "check", "build_report", "check_report"):
        function = getattr(geekai_admin.ops, name)
        module = vars(sys.modules[function.__module__])
        ours = {n for n, v in module.items() if getattr(v, "__module__", "").startswith("geekai_admin")}
        ours |= {*geekai_admin._types.__all__, *geekai_admin._constants.__all__, *geekai_admin.ops.__all__, "Client"}
        for annotation in function.__annotations__.values():
            used = set(re.findall(r"[A-Za-z_]\w*", str(annotation))) & ours
            assert used - {"Client"} <= public, (name, used - public)
            checked |= used
    assert {"KeyRef", "HandOver", "Rotation", "BulkResult", "Report", "CheckResult"} <= checked


def test_keys_is_typed_and_shown_by_help() -> None:
    for cls, resource in ((geekai_admin.GeekAIAdmin, "Keys"), (geekai_admin.AsyncGeekAIAdmin, "AsyncKeys")):
        keys = vars(cls)["keys"]
        assert isinstance(keys, property)
        assert inspect.signature(keys.fget).return_annotation == resource  # type: ignore[arg-type]
        shown = pydoc.plain(pydoc.render_doc(cls))
        assert " |  keys\n |      The account's API keys" in shown


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
    assert issubclass(ga.ClientClosedError, ga.GeekAIError)
    assert issubclass(ga.ClientClosedError, RuntimeError)  # what httpx raises for a closed client


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
    assert public(geekai_admin.GeekAIAdmin) == {"balance", "close", "keys"}  # report, check: geekai_admin.ops
    assert public(geekai_admin.Keys) == public(geekai_admin.AsyncKeys) == {"list", "get", "create", "update", "delete"}


def test_unknown_attributes_raise() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = geekai_admin.nope  # type: ignore[attr-defined]
    assert "GeekAIAdmin" in dir(geekai_admin)


def test_nothing_generated_imports_the_overlay() -> None:
    root = Path(geekai_admin_api.__file__).parent
    for path in root.rglob("*.py"):
        assert "geekai_admin." not in path.read_text(encoding="utf-8").replace("geekai_admin_api", ""), path
