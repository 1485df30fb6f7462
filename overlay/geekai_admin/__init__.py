"""geekai_admin: a typed, safe client for the GeekAI (极客智坊) admin API.

from geekai_admin import GeekAIAdmin

with GeekAIAdmin() as client:          # system key from GEEKAI_SYSTEM_KEY
    print(client.balance().yuan)
    for key in client.keys.list():
        print(key.name, key.credit_used)
"""

from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
from geekai_admin._config import BASE_URL_ENV, DEFAULT_TIMEOUT, KEY_ENV, REGION_ENV, REGIONS
from geekai_admin._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GeekAIError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from geekai_admin._models import COINS_PER_YUAN, ApiKey, Balance, CreatedKey, Group
from geekai_admin._operations import NOT_GIVEN, NotGiven
from geekai_admin._retry import RetryPolicy
from geekai_admin._version import __version__

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
    "ApiKey",
    "AsyncGeekAIAdmin",
    "AsyncKeys",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "ConfigurationError",
    "ConflictError",
    "CreatedKey",
    "GeekAIAdmin",
    "GeekAIError",
    "Group",
    "InternalServerError",
    "InvalidInputError",
    "Keys",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "__version__",
]
