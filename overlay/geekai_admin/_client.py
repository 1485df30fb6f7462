"""GeekAIAdmin and AsyncGeekAIAdmin: the public clients and their `keys` resources."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from geekai_admin import _calls as calls
from geekai_admin._calls import NOT_GIVEN, KeyChanges, NotGiven
from geekai_admin._config import (
    DEFAULT_TIMEOUT,
    PLAIN_HTTP_UNPROXIED,
    resolve_base_url,
    resolve_deadline,
    resolve_headers,
    resolve_key,
    resolve_timeout,
)
from geekai_admin._constants import Group, Region
from geekai_admin._exceptions import ConfigurationError
from geekai_admin._flow import run_async, run_sync
from geekai_admin._models import ApiKey, Balance, CreatedKey
from geekai_admin._transport._cookieless import CookielessAsyncClient, CookielessClient
from geekai_admin._transport._http import Endpoint
from geekai_admin._transport._retry import RetryPolicy
from geekai_admin._transport._session import AsyncSender, AsyncSession, Sender, Session
from geekai_admin._version import __version__

if TYPE_CHECKING:  # the aliases need uuid, which the client loads on first use (_calls._uuid)
    from geekai_admin._types import Amount, DateLike, KeyRef

__all__ = ["AsyncGeekAIAdmin", "AsyncKeys", "GeekAIAdmin", "Keys"]

USER_AGENT = f"geekai-admin-python/{__version__}"


class _Settings:
    """What both clients resolve from their arguments and the environment, once."""

    def __init__(
        self,
        *,
        api_key: str | None,
        region: Region | None,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        deadline: float | None,
        max_retries: int,
        retry_policy: RetryPolicy | None,
        default_headers: Mapping[str, str] | None,
        http_client: object | None,
        transport: object | None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass http_client or transport, not both")
        self.key = key = resolve_key(api_key)
        policy = retry_policy if retry_policy is not None else RetryPolicy(max_retries=max_retries)
        headers = resolve_headers(default_headers, user_agent=USER_AGENT)
        self.timeout = resolve_timeout(timeout)
        self.endpoint = Endpoint(
            resolve_base_url(base_url, region),
            key,
            policy,
            headers,
            deadline=resolve_deadline(deadline),
            client_has_headers=http_client is None,
        )


class _Base:
    """What both clients show of their settings."""

    _settings: _Settings

    @property
    def base_url(self) -> str:
        return self._settings.endpoint.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.endpoint.policy.max_retries

    def redact(self, text: str) -> str:
        """`text` with the system key masked wherever it appears, for text from elsewhere (a server's
        message, a log line) that could echo it."""
        return self._settings.key.redact(text)

    @property
    def deadline(self) -> float | None:
        """Seconds one call may take in all (its retries and the waits between them included); None: no limit."""
        return self._settings.endpoint.deadline

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


class GeekAIAdmin(_Base):
    """The GeekAI admin API, synchronously.

    The system key comes from `api_key`, else GEEKAI_SYSTEM_KEY; the entry point from `base_url` or
    `region` ("cn": geekai.co, the default; "global": geekai.dev; not both), else GEEKAI_BASE_URL,
    else GEEKAI_REGION. An argument always beats the environment.
    `timeout` bounds each network step (connect, each read, ...); `deadline` (seconds, default
    None: no limit) bounds each request in all, its retries and the waits between them included,
    however slowly the server answers (a keys.update is two requests: the read and the write).
    Proxies named in the environment (HTTPS_PROXY, ALL_PROXY) are used for https only: plain
    http, which goes only to loopback, never goes through one.
    Use it as a context manager, or call close(), to release its connections; a closed client
    raises ClientClosedError. It is safe to share between threads.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        region: Region | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = _Settings(
            api_key=api_key,
            region=region,
            base_url=base_url,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
            http_client=http_client,
            transport=transport,
        )
        http = http_client or CookielessClient(
            timeout=self._settings.timeout,
            transport=transport,
            headers=self._settings.endpoint.headers,
            mounts=PLAIN_HTTP_UNPROXIED,
        )
        self._session = Session(
            http, self._settings.endpoint, owns_client=http_client is None, owner=type(self).__name__
        )
        self._keys = Keys(self._session)

    @property
    def keys(self) -> Keys:
        """The account's API keys: list, get, create, update, delete."""
        return self._keys

    def balance(self) -> Balance:
        """The account's credit balance, in coins and yuan."""
        return self._session.send(calls.balance())

    def close(self) -> None:
        """Close the connections (not those of an http_client passed in: its owner closes it).

        The client refuses any call after this (ClientClosedError)."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncGeekAIAdmin(_Base):
    """The GeekAI admin API, with asyncio. Same settings and methods as GeekAIAdmin, awaited.

    For many concurrent requests, `transport=geekai_admin.aiohttp_transport()` (the `aiohttp`
    extra) sends with aiohttp, several times faster than httpx's own async transport.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        region: Region | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = _Settings(
            api_key=api_key,
            region=region,
            base_url=base_url,
            timeout=timeout,
            deadline=deadline,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
            http_client=http_client,
            transport=transport,
        )
        http = http_client or CookielessAsyncClient(
            timeout=self._settings.timeout,
            transport=transport,
            headers=self._settings.endpoint.headers,
            mounts=PLAIN_HTTP_UNPROXIED,
        )
        self._session = AsyncSession(
            http, self._settings.endpoint, owns_client=http_client is None, owner=type(self).__name__
        )
        self._keys = AsyncKeys(self._session)

    @property
    def keys(self) -> AsyncKeys:
        """The account's API keys: list, get, create, update, delete (awaited)."""
        return self._keys

    async def balance(self) -> Balance:
        """The account's credit balance, in coins and yuan."""
        return await self._session.send(calls.balance())

    async def close(self) -> None:
        """Close the connections (not those of an http_client passed in: its owner closes it).

        The client refuses any call after this (ClientClosedError)."""
        await self._session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class Keys:
    """`client.keys`: the account's API keys."""

    def __init__(self, session: Sender) -> None:
        self._session = session

    def list(self) -> list[ApiKey]:
        """Every API key of the account."""
        return self._session.send(calls.list_keys())

    def get(self, key: KeyRef) -> ApiKey:
        """One key by its UUID."""
        return self._session.send(calls.get(key))

    def create(
        self,
        *,
        name: str,
        group: Group | str = Group.BALANCE,
        credit_limit: Amount | None = None,
        expires: DateLike | None = None,
    ) -> CreatedKey:
        """Create a key. Its `secret` is in the result, and nowhere else, ever: store it now.

        `credit_limit` in coins (None: no limit); `expires` a date or "YYYY-MM-DD" (None: never).
        Never retried once the request may have reached the server: a retry could create a second key.
        """
        return self._session.send(calls.create(name=name, group=group, credit_limit=credit_limit, expires=expires))

    def update(
        self,
        key: KeyRef,
        *,
        name: str | NotGiven = NOT_GIVEN,
        group: Group | str | NotGiven = NOT_GIVEN,
        credit_limit: Amount | NotGiven | None = NOT_GIVEN,
        expires: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> ApiKey:
        """Change the named fields of a key; the others keep their values.

        The API's PUT replaces the whole key, so the current key is read first (unless `key` is
        an ApiKey you already have) and every field is sent. Between that read and the write,
        another writer's change to a field you did not name is overwritten (a lost update):
        serialise writers of the same key. `credit_limit=None` removes the limit,
        `expires=None` the expiry. Returns the key with your changes; fields the server
        computes (`expired`, `credit_used`) are as read.
        """
        changes = KeyChanges.of(name=name, group=group, credit_limit=credit_limit, expires=expires)
        return run_sync(calls.update(key, changes), self._session.send)

    def delete(self, key: KeyRef) -> None:
        """Delete a key. A retry that finds the key already gone counts as success."""
        self._session.send(calls.delete(key))

    def _read_to_copy(self, key: KeyRef, name: str | None) -> ApiKey:
        """For `geekai_admin.ops.rotate`: the key, refused unless the server stated every field a copy
        keeps (its name too, unless `name` replaces it): ApiKey's None cannot tell "none" from "not said"."""
        return self._session.send(calls.read_to_copy(key, name))


class AsyncKeys:
    """`client.keys`: the account's API keys (asyncio)."""

    def __init__(self, session: AsyncSender) -> None:
        self._session = session

    async def list(self) -> list[ApiKey]:
        """Every API key of the account."""
        return await self._session.send(calls.list_keys())

    async def get(self, key: KeyRef) -> ApiKey:
        """One key by its UUID."""
        return await self._session.send(calls.get(key))

    async def create(
        self,
        *,
        name: str,
        group: Group | str = Group.BALANCE,
        credit_limit: Amount | None = None,
        expires: DateLike | None = None,
    ) -> CreatedKey:
        """Create a key. Its `secret` is in the result, and nowhere else, ever: store it now.

        `credit_limit` in coins (None: no limit); `expires` a date or "YYYY-MM-DD" (None: never).
        Never retried once the request may have reached the server: a retry could create a second key.
        """
        call = calls.create(name=name, group=group, credit_limit=credit_limit, expires=expires)
        return await self._session.send(call)

    async def update(
        self,
        key: KeyRef,
        *,
        name: str | NotGiven = NOT_GIVEN,
        group: Group | str | NotGiven = NOT_GIVEN,
        credit_limit: Amount | NotGiven | None = NOT_GIVEN,
        expires: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> ApiKey:
        """Change the named fields of a key; the others keep their values.

        The API's PUT replaces the whole key, so the current key is read first (unless `key` is
        an ApiKey you already have) and every field is sent. Between that read and the write,
        another writer's change to a field you did not name is overwritten (a lost update):
        serialise writers of the same key. `credit_limit=None` removes the limit,
        `expires=None` the expiry. Returns the key with your changes; fields the server
        computes (`expired`, `credit_used`) are as read.
        """
        changes = KeyChanges.of(name=name, group=group, credit_limit=credit_limit, expires=expires)
        return await run_async(calls.update(key, changes), self._session.send)

    async def delete(self, key: KeyRef) -> None:
        """Delete a key. A retry that finds the key already gone counts as success."""
        await self._session.send(calls.delete(key))

    async def _read_to_copy(self, key: KeyRef, name: str | None) -> ApiKey:
        """For `geekai_admin.ops.rotate`: as Keys._read_to_copy."""
        return await self._session.send(calls.read_to_copy(key, name))
