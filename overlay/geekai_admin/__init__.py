"""geekai_admin: a typed, safe client for the GeekAI (极客智坊) admin API.

from geekai_admin import GeekAIAdmin

with GeekAIAdmin() as client:          # system key from GEEKAI_SYSTEM_KEY
    print(client.balance().yuan)
    for key in client.keys.list():
        print(key.name, key.credit_used)
"""

from typing import TYPE_CHECKING

from geekai_admin import _lazy
from geekai_admin._version import __version__

if TYPE_CHECKING:
    from geekai_admin._calls import NOT_GIVEN, KeyChanges, NotGiven
    from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
    from geekai_admin._config import DEFAULT_TIMEOUT
    from geekai_admin._constants import (
        BASE_URL_ENV,
        KEY_ENV,
        MAX_COINS,
        MAX_DAYS,
        MAX_PERCENT,
        REGION_ENV,
        REGIONS,
        ZERO_CREDIT_LIMIT,
        Group,
        Region,
        SortOrder,
    )
    from geekai_admin._exceptions import (
        MAY_HAVE_BEEN_CREATED,
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
        surely_not_created,
    )
    from geekai_admin._inputs import check_name, check_uuid
    from geekai_admin._models import COINS_PER_YUAN, ApiKey, Balance, CreatedKey, plain_decimal
    from geekai_admin._transport._aiohttp import aiohttp_transport
    from geekai_admin._transport._retry import RetryPolicy
    from geekai_admin._types import Amount, DateLike, KeyRef
    from geekai_admin.ops import (
        BulkResult,
        CheckResult,
        GroupSpend,
        HandOver,
        HandOverError,
        KeyFilter,
        Problem,
        ProblemKind,
        Report,
        Rotation,
        RotationError,
        RotationStep,
        build_report,
        check_report,
        select_keys,
        sort_keys,
    )

__all__ = [
    "BASE_URL_ENV",
    "COINS_PER_YUAN",
    "DEFAULT_TIMEOUT",
    "KEY_ENV",
    "MAX_COINS",
    "MAX_DAYS",
    "MAX_PERCENT",
    "MAY_HAVE_BEEN_CREATED",
    "NOT_GIVEN",
    "REGIONS",
    "REGION_ENV",
    "ZERO_CREDIT_LIMIT",
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
    "HandOverError",
    "InternalServerError",
    "InvalidInputError",
    "KeyChanges",
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
    "check_name",
    "check_report",
    "check_uuid",
    "ops",
    "plain_decimal",
    "select_keys",
    "sort_keys",
    "surely_not_created",
]

# Names load on first use (PEP 562), so that `import geekai_admin` and `geekai-admin --help` do not
# pay for httpx and the generated package. Type checkers read the imports above instead.
_MODULES: dict[str, tuple[str, ...]] = {
    "geekai_admin._transport._aiohttp": ("aiohttp_transport",),
    "geekai_admin._client": ("AsyncGeekAIAdmin", "AsyncKeys", "GeekAIAdmin", "Keys"),
    "geekai_admin._config": ("DEFAULT_TIMEOUT",),
    "geekai_admin._constants": (
        "BASE_URL_ENV",
        "KEY_ENV",
        "MAX_COINS",
        "MAX_DAYS",
        "MAX_PERCENT",
        "REGIONS",
        "REGION_ENV",
        "ZERO_CREDIT_LIMIT",
        "Group",
        "Region",
        "SortOrder",
    ),
    "geekai_admin._exceptions": (
        "MAY_HAVE_BEEN_CREATED",
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
        "surely_not_created",
    ),
    "geekai_admin._inputs": ("check_name", "check_uuid"),
    "geekai_admin._models": ("COINS_PER_YUAN", "ApiKey", "Balance", "CreatedKey", "plain_decimal"),
    "geekai_admin._calls": ("NOT_GIVEN", "KeyChanges", "NotGiven"),
    "geekai_admin._transport._retry": ("RetryPolicy",),
    "geekai_admin._types": ("Amount", "DateLike", "KeyRef"),
}
# The rest of __all__ is the key operations' names, which geekai_admin.ops exports and loads.
_MODULES["geekai_admin.ops"] = tuple(
    sorted(set(__all__) - {name for names in _MODULES.values() for name in names} - {"__version__", "ops"})
)

if not TYPE_CHECKING:  # a module __getattr__ would make type checkers accept any attribute
    __getattr__, __dir__ = _lazy.loader(__name__, _MODULES, __all__, globals(), subpackages=("ops",))
