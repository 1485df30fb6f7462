"""Client settings from arguments and the environment, checked once, at construction."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from typing import Final

import httpx

from geekai_admin._constants import BASE_URL_ENV, DEFAULT_REGION, KEY_ENV, REGION_ENV, REGIONS
from geekai_admin._exceptions import ConfigurationError

__all__ = [
    "DEFAULT_TIMEOUT",
    "PLAIN_HTTP_UNPROXIED",
    "SystemKey",
    "resolve_base_url",
    "resolve_deadline",
    "resolve_headers",
    "resolve_key",
    "resolve_timeout",
]

DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=5.0)
PLAIN_HTTP_UNPROXIED: Final[Mapping[str, None]] = {"http://": None}
"""The `mounts` of the clients GeekAIAdmin builds: plain http:// (only ever to loopback, see
resolve_base_url) goes direct, never through a proxy named in the environment (HTTP_PROXY,
ALL_PROXY), which would see the system key in clear text; those proxies serve https only."""
# Compiled on first use, as the patterns of _inputs are.
_HEADER_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_HEADER_VALUE = r"[\x20-\x7e\t]*"


class SystemKey:
    """The system key. It shows itself nowhere: repr, str and format all mask it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """`text` with any occurrence of the key masked (for text that came from elsewhere)."""
        return text.replace(self._value, "<system key>") if self._value in text else text

    def __repr__(self) -> str:
        return "SystemKey(<hidden>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a SystemKey cannot be pickled")


def resolve_key(api_key: str | None) -> SystemKey:
    value = api_key if api_key is not None else os.environ.get(KEY_ENV)
    if value is None:
        raise ConfigurationError(
            f"no system key: pass api_key=... or set the {KEY_ENV} environment variable "
            "(a system key from geekai.co/user/provision_keys, not an ordinary API key)"
        )
    if not isinstance(value, str):
        raise ConfigurationError(f"api_key must be a string, got {type(value).__name__}")
    stripped = value.strip()
    if not stripped:
        source = "api_key" if api_key is not None else KEY_ENV
        raise ConfigurationError(f"the system key from {source} is empty")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in stripped):
        raise ConfigurationError("the system key contains whitespace, control or non-ASCII characters")
    return SystemKey(stripped)


def _is_loopback(host: str) -> bool:
    """A literal loopback address (127.0.0.0/8, ::1), or `localhost` itself: never a name the
    resolver could send elsewhere (`*.localhost` included: not every resolver keeps it local)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, region: str | None) -> str:
    """The API root without a trailing slash.

    An argument beats the environment, which beats the default: base_url=, else region=, else
    GEEKAI_BASE_URL, else GEEKAI_REGION, else "cn". Both arguments at once are refused: one of
    them would be ignored.
    """
    if base_url is not None and region is not None:
        raise ConfigurationError("pass region or base_url, not both: each names the API root")
    # A bad value names where it came from: the argument, or the variable the user may have forgotten.
    what = "base_url"
    if base_url is None and region is None:
        base_url = os.environ.get(BASE_URL_ENV) or None
        what = BASE_URL_ENV
    if base_url is None:
        chosen = region if region is not None else os.environ.get(REGION_ENV) or DEFAULT_REGION
        if chosen not in REGIONS:
            source = "region" if region is not None else REGION_ENV
            raise ConfigurationError(f"{source} must be one of {', '.join(REGIONS)}; got {chosen!r}")
        return REGIONS[chosen]
    if not isinstance(base_url, str):
        raise ConfigurationError(f"{what} must be a string, got {type(base_url).__name__}")
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"{what} is not a valid URL: {exc}") from None
    if url.userinfo:  # the URL is not shown: it carries a credential
        raise ConfigurationError(f"{what} must not carry credentials (user:password@)")
    if "?" in base_url or "#" in base_url:
        # Even an empty one: every path is appended to the base URL, and would land in it.
        raise ConfigurationError(f"{what} must not carry a query (?) or a fragment (#), even empty; got {base_url!r}")
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigurationError(f"{what} is not a valid URL: port {url.port} is out of range")
    if url.scheme not in ("https", "http") or not url.host:
        raise ConfigurationError(f"{what} must be an https:// URL with a host; got {base_url!r}")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ConfigurationError(
            f"{what} {base_url!r} is plain http:// to a non-loopback host: the system key would travel "
            "unencrypted. Use https://, or http:// only to localhost / 127.0.0.1 / ::1"
        )
    return str(url).rstrip("/")


def resolve_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        raise ConfigurationError("timeout must not be None: a request without a timeout can hang forever")
    if isinstance(timeout, httpx.Timeout):
        values = [timeout.connect, timeout.read, timeout.write, timeout.pool]
        if any(v is None or not 0 < v < math.inf for v in values):
            raise ConfigurationError("every part of timeout must be a positive number of seconds")
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf:
        raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return httpx.Timeout(float(timeout), connect=min(float(timeout), DEFAULT_TIMEOUT.connect or 5.0))


def resolve_deadline(deadline: float | None) -> float | None:
    """Seconds one call may take in all, retries and waits included; None: no total limit."""
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not 0 < deadline < math.inf:
        raise ConfigurationError(f"deadline must be a positive number of seconds or None, got {deadline!r}")
    return float(deadline)


def resolve_headers(default_headers: Mapping[str, str] | None, *, user_agent: str) -> dict[str, str]:
    """The headers every request carries besides the key; a bad one fails here, not at send time."""
    headers = {"User-Agent": user_agent, **(default_headers or {})}
    for name, value in headers.items():
        if not (isinstance(name, str) and re.fullmatch(_HEADER_NAME, name)):
            raise ConfigurationError(f"default_headers: {name!r} is not a valid header name")
        if not (isinstance(value, str) and re.fullmatch(_HEADER_VALUE, value)):
            # The value is not shown: a header may carry a credential.
            raise ConfigurationError(f"default_headers: the value of {name} must be printable ASCII on one line")
    if any(name.lower() == "authorization" for name in headers):
        raise ConfigurationError("default_headers must not set Authorization: pass the system key as api_key")
    return headers
