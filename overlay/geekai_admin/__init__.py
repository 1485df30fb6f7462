"""geekai_admin: a typed, safe client for the GeekAI (极客智坊) admin API.

from geekai_admin import GeekAIAdmin

with GeekAIAdmin() as client:          # system key from GEEKAI_SYSTEM_KEY
    print(client.balance().yuan)
    for key in client.keys.list():
        print(key.name, key.credit_used)
"""

import importlib
from typing import TYPE_CHECKING

from geekai_admin._version import __version__

if TYPE_CHECKING:
    from geekai_admin._aiohttp import aiohttp_transport
    from geekai_admin._bulk import BulkResult
    from geekai_admin._check import CheckResult, Problem, ProblemKind, check_report
    from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
    from geekai_admin._config import DEFAULT_TIMEOUT
    from geekai_admin._constants import BASE_URL_ENV, KEY_ENV, REGION_ENV, REGIONS, Group, Region, SortOrder
    from geekai_admin._exceptions import (
        APIConnectionError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClientClosedError,
        ConfigurationError,
        ConflictError,
        GeekAIError,
        InternalServerError,
        InvalidInputError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
    )
    from geekai_admin._models import COINS_PER_YUAN, ApiKey, Balance, CreatedKey
    from geekai_admin._operations import NOT_GIVEN, NotGiven
    from geekai_admin._report import GroupSpend, Report, build_report
    from geekai_admin._retry import RetryPolicy
    from geekai_admin._rotation import HandOver, Rotation, RotationError, RotationStep
    from geekai_admin._selection import KeyFilter, select_keys, sort_keys
    from geekai_admin._types import Amount, DateLike, KeyRef

__all__ = [
    "BASE_URL_ENV",
    "COINS_PER_YUAN",
    "DEFAULT_TIMEOUT",
    "KEY_ENV",
    "NOT_GIVEN",
    "REGIONS",
    "REGION_ENV",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "Amount",
    "ApiKey",
    "AsyncGeekAIAdmin",
    "AsyncKeys",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "BulkResult",
    "CheckResult",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "CreatedKey",
    "DateLike",
    "GeekAIAdmin",
    "GeekAIError",
    "Group",
    "GroupSpend",
    "HandOver",
    "InternalServerError",
    "InvalidInputError",
    "KeyFilter",
    "KeyRef",
    "Keys",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Problem",
    "ProblemKind",
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
    "check_report",
    "select_keys",
    "sort_keys",
]

# Names load on first use (PEP 562), so that `import geekai_admin` and `geekai-admin --help` do not
# pay for httpx and the generated package. Type checkers read the imports above instead.
_MODULES = {
    "geekai_admin._aiohttp": ("aiohttp_transport",),
    "geekai_admin._bulk": ("BulkResult",),
    "geekai_admin._check": ("CheckResult", "Problem", "ProblemKind", "check_report"),
    "geekai_admin._client": ("AsyncGeekAIAdmin", "AsyncKeys", "GeekAIAdmin", "Keys"),
    "geekai_admin._config": ("DEFAULT_TIMEOUT",),
    "geekai_admin._constants": ("BASE_URL_ENV", "KEY_ENV", "REGIONS", "REGION_ENV", "Group", "Region", "SortOrder"),
    "geekai_admin._exceptions": (
        "APIConnectionError",
        "APIResponseValidationError",
        "APIStatusError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "ClientClosedError",
        "ConfigurationError",
        "ConflictError",
        "GeekAIError",
        "InternalServerError",
        "InvalidInputError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
    ),
    "geekai_admin._models": ("COINS_PER_YUAN", "ApiKey", "Balance", "CreatedKey"),
    "geekai_admin._operations": ("NOT_GIVEN", "NotGiven"),
    "geekai_admin._report": ("GroupSpend", "Report", "build_report"),
    "geekai_admin._retry": ("RetryPolicy",),
    "geekai_admin._types": ("Amount", "DateLike", "KeyRef"),
    "geekai_admin._rotation": ("HandOver", "Rotation", "RotationError", "RotationStep"),
    "geekai_admin._selection": ("KeyFilter", "select_keys", "sort_keys"),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

if not TYPE_CHECKING:  # a module __getattr__ would make type checkers accept any attribute

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
