"""GeekAIAdmin and AsyncGeekAIAdmin: the public clients and their `keys` resources."""

from __future__ import annotations

import builtins
import datetime
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Self, TypeVar

import httpx

from geekai_admin import _bulk as bulk
from geekai_admin import _operations as ops
from geekai_admin._bulk import DEFAULT_CONCURRENCY, BulkResult
from geekai_admin._check import CheckCriteria, CheckResult
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
from geekai_admin._cookieless import CookielessAsyncClient, CookielessClient
from geekai_admin._exceptions import ClientClosedError, ConfigurationError
from geekai_admin._flow import run_async, run_sync
from geekai_admin._http import Endpoint, send_async, send_sync
from geekai_admin._models import ApiKey, Balance, CreatedKey
from geekai_admin._operations import NOT_GIVEN, Call, Changes, NotGiven
from geekai_admin._report import Report, ReportCriteria
from geekai_admin._retry import RetryPolicy
from geekai_admin._rotation import HandOver, Rotation, rotate, rotate_async
from geekai_admin._types import Amount, DateLike, KeyRef
from geekai_admin._version import __version__

__all__ = ["AsyncGeekAIAdmin", "AsyncKeys", "GeekAIAdmin", "Keys"]

T = TypeVar("T")
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
        key = resolve_key(api_key)
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
    _closed: bool = False

    @property
    def base_url(self) -> str:
        return self._settings.endpoint.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.endpoint.policy.max_retries

    @property
    def deadline(self) -> float | None:
        """Seconds one call may take in all (its retries and the waits between them included); None: no limit."""
        return self._settings.endpoint.deadline

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"

    def _check_open(self, http_closed: bool) -> None:
        if self._closed or http_closed:
            what = "was closed" if self._closed else "has an http_client that was closed"
            raise ClientClosedError(f"this {type(self).__name__} {what}: create a new client to send requests")


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
        self._owns_client = http_client is None
        self._http = http_client or CookielessClient(
            timeout=self._settings.timeout,
            transport=transport,
            headers=self._settings.endpoint.headers,
            mounts=PLAIN_HTTP_UNPROXIED,
        )
        self._keys = Keys(self)

    @property
    def keys(self) -> Keys:
        """The account's API keys: list, get, create, update, delete, rotate, delete_many, update_many."""
        return self._keys

    def _send(self, call: Call[T]) -> T:
        self._check_open(self._http.is_closed)
        return send_sync(self._http, self._settings.endpoint, call)

    def balance(self) -> Balance:
        """The account's credit balance, in coins and yuan."""
        return self._send(ops.balance())

    def report(
        self, *, expiring_within: int = 7, near_limit: Decimal | int = 80, today: datetime.date | None = None
    ) -> Report:
        """The spend report: the balance, the keys' credit used in total and per group, and the keys
        near their limit (`near_limit` %), expiring within `expiring_within` days of `today` (default:
        the local date), already expired, and never used. Exact Decimals; see `build_report`.
        """
        criteria = ReportCriteria.of(expiring_within=expiring_within, near_limit=near_limit, today=today)
        return criteria.build(self.balance(), self.keys.list())

    def check(
        self,
        *,
        min_balance: Decimal | int | None = None,
        expiring_within: int = 7,
        max_usage: Decimal | int = 90,
        today: datetime.date | None = None,
    ) -> CheckResult:
        """The thresholds crossed: a balance below `min_balance` coins (checked only when given), keys
        expired or expiring within `expiring_within` days, keys that used `max_usage` % of their limit
        or more. `.ok` when there is none; see `check_report`.
        """
        criteria = CheckCriteria.of(
            min_balance=min_balance, expiring_within=expiring_within, max_usage=max_usage, today=today
        )
        balance = self.balance() if criteria.needs_balance else None
        return criteria.run(balance, self.keys.list())

    def close(self) -> None:
        """Close the connections (not those of an http_client passed in: its owner closes it).

        The client refuses any call after this (ClientClosedError)."""
        self._closed = True
        if self._owns_client:
            self._http.close()

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
        self._owns_client = http_client is None
        self._http = http_client or CookielessAsyncClient(
            timeout=self._settings.timeout,
            transport=transport,
            headers=self._settings.endpoint.headers,
            mounts=PLAIN_HTTP_UNPROXIED,
        )
        self._keys = AsyncKeys(self)

    @property
    def keys(self) -> AsyncKeys:
        """The account's API keys: list, get, create, update, delete, rotate, delete_many, update_many (awaited)."""
        return self._keys

    async def _send(self, call: Call[T]) -> T:
        self._check_open(self._http.is_closed)
        return await send_async(self._http, self._settings.endpoint, call)

    async def balance(self) -> Balance:
        """The account's credit balance, in coins and yuan."""
        return await self._send(ops.balance())

    async def report(
        self, *, expiring_within: int = 7, near_limit: Decimal | int = 80, today: datetime.date | None = None
    ) -> Report:
        """The spend report: the balance, the keys' credit used in total and per group, and the keys
        near their limit (`near_limit` %), expiring within `expiring_within` days of `today` (default:
        the local date), already expired, and never used. Exact Decimals; see `build_report`.
        """
        criteria = ReportCriteria.of(expiring_within=expiring_within, near_limit=near_limit, today=today)
        return criteria.build(await self.balance(), await self.keys.list())

    async def check(
        self,
        *,
        min_balance: Decimal | int | None = None,
        expiring_within: int = 7,
        max_usage: Decimal | int = 90,
        today: datetime.date | None = None,
    ) -> CheckResult:
        """The thresholds crossed: a balance below `min_balance` coins (checked only when given), keys
        expired or expiring within `expiring_within` days, keys that used `max_usage` % of their limit
        or more. `.ok` when there is none; see `check_report`.
        """
        criteria = CheckCriteria.of(
            min_balance=min_balance, expiring_within=expiring_within, max_usage=max_usage, today=today
        )
        balance = await self.balance() if criteria.needs_balance else None
        return criteria.run(balance, await self.keys.list())

    async def close(self) -> None:
        """Close the connections (not those of an http_client passed in: its owner closes it).

        The client refuses any call after this (ClientClosedError)."""
        self._closed = True
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class Keys:
    """`client.keys`: the account's API keys."""

    def __init__(self, client: GeekAIAdmin) -> None:
        self._client = client

    def list(self) -> list[ApiKey]:
        """Every API key of the account."""
        return self._client._send(ops.list_keys())

    def get(self, key: KeyRef) -> ApiKey:
        """One key by its UUID."""
        return self._client._send(ops.get(key))

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
        return self._client._send(ops.create(name=name, group=group, credit_limit=credit_limit, expires=expires))

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
        changes = Changes.of(name=name, group=group, credit_limit=credit_limit, expires=expires)
        return run_sync(ops.update(key, changes), self._client._send)

    def delete(self, key: KeyRef) -> None:
        """Delete a key. A retry that finds the key already gone counts as success."""
        self._client._send(ops.delete(key))

    def rotate(
        self,
        key: KeyRef,
        *,
        name: str | None = None,
        delete_old: bool = True,
        on_created: HandOver | None = None,
    ) -> Rotation:
        """Replace a key with a new one: same name (or `name`), group, credit limit and expiry.

        Reads the old key (unless `key` is an ApiKey stating its name and group: its None limit and
        expiry then mean none, as in update), creates the new key, calls `on_created(new)` (the
        hand-over: store the secret there), and only once that returned, deletes the old key,
        unless `delete_old=False` (the overlap is then yours: delete it with `keys.delete`).
        Credit used does not carry over: the new key starts at 0, and it is enabled whatever the
        old one was.

        A failure after the read raises RotationError: `.step` says where, `.new` holds the new
        key and its secret once it was created, `.old` the old key, which is never deleted before
        the hand-over returned. Its message names the keys that exist, never the secret.
        """
        return rotate(self, self._client._send, key, name=name, delete_old=delete_old, on_created=on_created)

    def delete_many(
        self, keys: Iterable[KeyRef], *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> builtins.list[BulkResult]:
        """Delete many keys, `concurrency` at a time; goes on past a failed key.

        Every key is checked (a UUID, none twice) before anything is sent. One BulkResult per key,
        in input order: `ok`, or the `error` it raised.
        """
        return bulk.run_sync(bulk.targets(keys, concurrency), self.delete, concurrency)

    def update_many(
        self,
        keys: Iterable[KeyRef],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        name: str | NotGiven = NOT_GIVEN,
        group: Group | str | NotGiven = NOT_GIVEN,
        credit_limit: Amount | NotGiven | None = NOT_GIVEN,
        expires: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> builtins.list[BulkResult]:
        """Change the named fields of many keys, `concurrency` at a time; goes on past a failed key.

        Each key as `update` does it (read, merge, write; an ApiKey passed skips the read). The
        keys and the changes are checked before anything is sent. One BulkResult per key, in
        input order, with the updated key, or the `error` it raised.
        """
        Changes.of(name=name, group=group, credit_limit=credit_limit, expires=expires)  # checked up front
        work = bulk.targets(keys, concurrency)
        change = functools.partial(self.update, name=name, group=group, credit_limit=credit_limit, expires=expires)
        return bulk.run_sync(work, change, concurrency)


class AsyncKeys:
    """`client.keys`: the account's API keys (asyncio)."""

    def __init__(self, client: AsyncGeekAIAdmin) -> None:
        self._client = client

    async def list(self) -> list[ApiKey]:
        """Every API key of the account."""
        return await self._client._send(ops.list_keys())

    async def get(self, key: KeyRef) -> ApiKey:
        """One key by its UUID."""
        return await self._client._send(ops.get(key))

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
        call = ops.create(name=name, group=group, credit_limit=credit_limit, expires=expires)
        return await self._client._send(call)

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
        changes = Changes.of(name=name, group=group, credit_limit=credit_limit, expires=expires)
        return await run_async(ops.update(key, changes), self._client._send)

    async def delete(self, key: KeyRef) -> None:
        """Delete a key. A retry that finds the key already gone counts as success."""
        await self._client._send(ops.delete(key))

    async def rotate(
        self,
        key: KeyRef,
        *,
        name: str | None = None,
        delete_old: bool = True,
        on_created: HandOver | None = None,
    ) -> Rotation:
        """Replace a key with a new one: same name (or `name`), group, credit limit and expiry.

        Reads the old key (unless `key` is an ApiKey stating its name and group: its None limit and
        expiry then mean none, as in update), creates the new key, calls `on_created(new)` (the
        hand-over: store the secret there), and only once that returned, deletes the old key,
        unless `delete_old=False` (the overlap is then yours: delete it with `keys.delete`).
        Credit used does not carry over: the new key starts at 0, and it is enabled whatever the
        old one was.

        A failure after the read raises RotationError: `.step` says where, `.new` holds the new
        key and its secret once it was created, `.old` the old key, which is never deleted before
        the hand-over returned. Its message names the keys that exist, never the secret. `on_created` may
        return an awaitable, which is awaited.
        """
        return await rotate_async(
            self, self._client._send, key, name=name, delete_old=delete_old, on_created=on_created
        )

    async def delete_many(
        self, keys: Iterable[KeyRef], *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> builtins.list[BulkResult]:
        """Delete many keys, `concurrency` at a time; goes on past a failed key.

        Every key is checked (a UUID, none twice) before anything is sent. One BulkResult per key,
        in input order: `ok`, or the `error` it raised.
        """
        return await bulk.run_async(bulk.targets(keys, concurrency), self.delete, concurrency)

    async def update_many(
        self,
        keys: Iterable[KeyRef],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        name: str | NotGiven = NOT_GIVEN,
        group: Group | str | NotGiven = NOT_GIVEN,
        credit_limit: Amount | NotGiven | None = NOT_GIVEN,
        expires: DateLike | NotGiven | None = NOT_GIVEN,
    ) -> builtins.list[BulkResult]:
        """Change the named fields of many keys, `concurrency` at a time; goes on past a failed key.

        Each key as `update` does it (read, merge, write; an ApiKey passed skips the read). The
        keys and the changes are checked before anything is sent. One BulkResult per key, in
        input order, with the updated key, or the `error` it raised.
        """
        Changes.of(name=name, group=group, credit_limit=credit_limit, expires=expires)  # checked up front
        work = bulk.targets(keys, concurrency)
        change = functools.partial(self.update, name=name, group=group, credit_limit=credit_limit, expires=expires)
        return await bulk.run_async(work, change, concurrency)
