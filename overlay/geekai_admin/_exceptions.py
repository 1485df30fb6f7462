"""The exceptions the client raises: one root, one class per status family."""

from __future__ import annotations

from typing import Any, Final

import httpx

from geekai_admin._models import CreatedKey

__all__ = [
    "MAY_HAVE_BEEN_CREATED",
    "RAW_BODY_HINT",
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
    "status_error_class",
    "surely_not_created",
]


MAY_HAVE_BEEN_CREATED: Final = "may have been created, its secret unknown"
"""A create that failed although the server may have acted on it: the one wording, the library's
and the command's ("a new key named 'ci' " + this + where to look for it)."""
RAW_BODY_HINT: Final = "; the raw body is on this error's .response"
"""Ends the message of a create whose answer could not be read: that body may hold the secret."""


class GeekAIError(Exception):
    """Root of every exception this package raises on purpose.

    Every one pickles (to another process, a log queue) without its secrets: the request (whose
    headers hold the system key) and the response body (a create's holds the new secret) stay
    behind, a new key on the error travels without its secret, and it unpickles to the same
    type, message and plain attributes. The unpickled `response` is an empty one of the same status.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        state = {name: _without_secrets(value) for name, value in vars(self).items()}
        return _unpickled, (type(self), self.args, state)


def _without_secrets(value: object) -> object:
    if isinstance(value, httpx.Response):
        return httpx.Response(value.status_code)
    if isinstance(value, httpx.Request):
        return None
    if isinstance(value, CreatedKey):
        return value.key()
    return value


def _unpickled(cls: type[GeekAIError], args: tuple[object, ...], state: dict[str, object]) -> GeekAIError:
    """An error as pickled, rebuilt without calling its __init__ (whose arguments were not kept)."""
    error = cls.__new__(cls)
    error.args = args
    vars(error).update(state)
    return error


class ClientClosedError(GeekAIError, RuntimeError):
    """The client was used after close() (or its http_client was closed): create a new one."""


class ConfigurationError(GeekAIError, ValueError):
    """The client cannot be built from these settings (no system key, unsafe base URL, ...)."""


class InvalidInputError(GeekAIError, ValueError):
    """An argument was rejected before any request was sent; `field` names it."""

    field: str
    problem: str

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class APIConnectionError(GeekAIError):
    """The request did not produce a response: the connection failed or broke."""

    message: str
    request: httpx.Request | None

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, write, read or pool)."""


class APIResponseValidationError(GeekAIError):
    """A success response whose body does not fit the API's documented shapes.

    `response` (and `body`, its text) stay reachable: for a create, the body holds the new
    key's secret, which the server will not show again (`secret_in_body`).
    """

    message: str
    problem: str
    """What did not fit: `message` without the pointer to the raw body."""
    secret_in_body: bool
    """A create's answer: the new key's secret may be in `body`, and nowhere else."""
    response: httpx.Response
    status_code: int

    def __init__(self, message: str, *, response: httpx.Response, secret_in_body: bool = False) -> None:
        self.problem = message
        self.secret_in_body = secret_in_body
        self.message = message + RAW_BODY_HINT if secret_in_body else message
        super().__init__(self.message)
        self.response = response
        self.status_code = response.status_code

    @property
    def body(self) -> str:
        """The body as text; empty when it was not read (refused for its size)."""
        try:
            return self.response.text
        except httpx.ResponseNotRead:
            return ""


class APIStatusError(GeekAIError):
    """The server answered with an error status."""

    status_code: int
    code: str | None
    """The API's error code, when its body gives one."""
    message: str
    request_id: str | None
    response: httpx.Response

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status_code = response.status_code
        self.code = code
        self.message = message
        self.request_id = request_id
        self.response = response
        parts = [f"HTTP {self.status_code}"]
        if code:
            parts.append(f"[{code}]")
        parts.append(message)
        if request_id:
            parts.append(f"(request id {request_id})")
        super().__init__(" ".join(parts))


class BadRequestError(APIStatusError):
    """400 or 422: the server rejected the request's content."""


class AuthenticationError(APIStatusError):
    """401: the system key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the system key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such key (or no such endpoint at this base URL)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the server's hint in seconds, if any."""

    retry_after: float | None = None


class InternalServerError(APIStatusError):
    """500 and above, documented or not (502 from a proxy, 520 from a CDN, ...)."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an error status; any status outside the table maps to its family."""
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return InternalServerError
    if 400 <= status_code < 500:
        return BadRequestError if status_code in (413, 414, 415, 431) else APIStatusError
    return APIStatusError


def surely_not_created(error: BaseException) -> bool:
    """Whether a failed create surely made no key: bad input, or a 4xx answer (not 408, 429).
    Otherwise the key MAY_HAVE_BEEN_CREATED: look for it before creating it again."""
    if isinstance(error, InvalidInputError):
        return True
    return isinstance(error, APIStatusError) and 400 <= error.status_code < 500 and error.status_code not in (408, 429)
