"""The opt-in fast async path: httpx over aiohttp (`pip install 'geekai-admin[aiohttp]'`).

    from geekai_admin import AsyncGeekAIAdmin, aiohttp_transport

    async with AsyncGeekAIAdmin(transport=aiohttp_transport()) as client:
        keys = await client.keys.list()

httpx's own async transport slows down sharply with many concurrent requests; aiohttp does
not. Everything else (timeouts, retries, the body cap, errors) is the same on both paths. This
module imports nothing from aiohttp: that happens when aiohttp_transport() is called.
"""

from __future__ import annotations

import ssl
from typing import Final

import httpx

from geekai_admin._exceptions import ConfigurationError

__all__ = ["DEFAULT_LIMITS", "aiohttp_transport"]

DEFAULT_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)
"""httpx's default pool: at most 100 connections; aiohttp keeps idle ones for keepalive_expiry."""


def aiohttp_transport(
    *, limits: httpx.Limits = DEFAULT_LIMITS, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncBaseTransport:
    """An httpx transport that sends with aiohttp, for `AsyncGeekAIAdmin(transport=...)`.

    `limits.max_connections` caps the open connections; `verify` is as for httpx (True: the
    system's CA bundle, or an ssl.SSLContext). Like the clients the overlay builds, it keeps no
    cookies. The client that receives it owns it and closes it.
    Needs the `aiohttp` extra; without it this raises ConfigurationError saying how to install it.
    Proxies from the environment (HTTPS_PROXY, ...) are served by httpx's own transport, as with
    any `transport=`.
    """
    try:
        from geekai_admin._transport._aiohttp_transport import AiohttpTransport  # noqa: PLC0415  # lazy: optional extra (aiohttp)
    except ImportError as exc:
        raise ConfigurationError(
            "aiohttp_transport() needs the 'aiohttp' extra: pip install 'geekai-admin[aiohttp]' "
            f"({exc.name or 'httpx_aiohttp'} is not installed)"
        ) from exc
    return AiohttpTransport(limits=limits, verify=verify)
