"""Bulk changes: one operation over many keys, a bounded number at a time, going on past failures.

Every key is validated before anything is sent; the results keep the input's order. The sync
driver runs the calls on threads (the client is thread safe), the async one under a semaphore.
Any exception a key's call raises is that key's failure; only an interrupt (KeyboardInterrupt,
in the thread running the driver) stops the run, as `BulkInterrupted`, with every key's outcome.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid as uuid_module
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Literal, overload

from geekai_admin._calls import NOT_GIVEN, KeyChanges, NotGiven, key_uuid
from geekai_admin._client import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._constants import Group
from geekai_admin._exceptions import GeekAIError, InvalidInputError
from geekai_admin._models import ApiKey
from geekai_admin._types import Amount, DateLike, KeyRef
from geekai_admin.ops import _bounded as bounded
from geekai_admin.ops._bounded import INTERRUPT_GRACE_SECONDS
from geekai_admin.ops._defaults import DEFAULT_CONCURRENCY
from geekai_admin.ops._driving import Client, sync_client

__all__ = [
    "INTERRUPT_GRACE_SECONDS",
    "BulkInterrupted",
    "BulkResult",
    "Outcome",
    "Target",
    "delete_many",
    "one_line",
    "run_async",
    "run_sync",
    "targets",
    "update_many",
]

Outcome = Literal["done", "failed", "not started", "unknown"]
"""A key's outcome in a bulk run; "not started" and "unknown" only after an interrupt."""


@dataclasses.dataclass(frozen=True, slots=True)
class BulkResult:
    """One key's outcome: `ok`, else the `error` it raised (any exception, GeekAIError or not).
    `key`: the key as changed by an update, else the ApiKey passed in (None when a uuid was
    passed). Neither ok nor an error: an interrupt came before the call began (`started`
    False), or while it was in flight (the write may or may not have happened)."""

    uuid: str
    ok: bool
    error: Exception | None
    key: ApiKey | None
    started: bool = True

    @property
    def outcome(self) -> Outcome:
        if self.ok:
            return "done"
        if self.error is not None:
            return "failed"
        return "unknown" if self.started else "not started"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the error as its one-line message (which never holds the system key)."""
        error = None if self.error is None else one_line(self.error)
        return {"uuid": self.uuid, "ok": self.ok, "outcome": self.outcome, "error": error}


def one_line(error: Exception) -> str:
    """An error in one line for a report: ours by its message, any other with its type (a bug)."""
    text = " ".join(str(error).split())
    if isinstance(error, GeekAIError):
        return text or type(error).__name__
    # Not one of ours (a bug, or a value no check foresaw): its type says more than its message.
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class BulkInterrupted(KeyboardInterrupt):  # an interrupt, as KeyboardInterrupt is
    """A sync bulk run stopped by an interrupt: no call was started after it, the calls in flight
    had INTERRUPT_GRACE_SECONDS to end. `results`: every key's outcome, in input order;
    `interrupt`: what stopped the run (a KeyboardInterrupt or a subclass of it)."""

    results: list[BulkResult]
    interrupt: KeyboardInterrupt

    def __init__(self, results: list[BulkResult], interrupt: KeyboardInterrupt) -> None:
        super().__init__(f"interrupted: {sum(r.ok for r in results)} of {len(results)} keys done")
        self.results = results
        self.interrupt = interrupt


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """A key to act on: its validated uuid, and what the caller passed (a uuid or an ApiKey)."""

    uuid: str
    ref: KeyRef

    def result(self, outcome: ApiKey | None) -> BulkResult:
        return BulkResult(self.uuid, True, None, outcome if outcome is not None else self._given_key())

    def failure(self, error: Exception) -> BulkResult:
        return BulkResult(self.uuid, False, error, self._given_key())

    def stopped(self, *, started: bool) -> BulkResult:
        """No outcome: the run was interrupted before (not `started`) or during this key's call."""
        return BulkResult(self.uuid, False, None, self._given_key(), started)

    def _given_key(self) -> ApiKey | None:
        return self.ref if isinstance(self.ref, ApiKey) else None


def targets(keys: Iterable[KeyRef], concurrency: object) -> list[Target]:
    """Every key validated (and none twice) before anything is sent; InvalidInputError otherwise."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidInputError("concurrency", f"expected a whole number of at least 1, got {concurrency!r}")
    if isinstance(
        keys, str | bytes | uuid_module.UUID | ApiKey
    ):  # one key where many were meant: refused, not iterated
        raise InvalidInputError("keys", f"expected an iterable of keys, got one {type(keys).__name__}")
    if not isinstance(keys, Iterable):
        raise InvalidInputError("keys", f"expected an iterable of keys, got {type(keys).__name__}")
    found: list[Target] = []
    seen: set[str] = set()
    for index, ref in enumerate(keys):
        uuid = _indexed_uuid(ref, index)
        if uuid in seen:
            raise InvalidInputError(f"keys[{index}]", f"key {uuid} is listed twice")
        seen.add(uuid)
        found.append(Target(uuid, ref))
    return found


def _indexed_uuid(ref: KeyRef, index: int) -> str:
    try:
        return key_uuid(ref)
    except InvalidInputError as error:
        raise InvalidInputError(f"keys[{index}]", error.problem) from None


def run_sync(work: list[Target], action: Callable[[KeyRef], ApiKey | None], concurrency: int) -> list[BulkResult]:
    """`action` on each target, at most `concurrency` at a time on threads; results in input order.

    On a KeyboardInterrupt: nothing more starts, the calls in flight get INTERRUPT_GRACE_SECONDS,
    then BulkInterrupted carries every key's outcome. The threads are daemons, so a call still in
    flight after that does not keep the process from exiting (the runner is `_bounded`'s, apply's too).
    """

    def one(target: Target) -> BulkResult:
        try:
            return target.result(action(target.ref))
        except Exception as error:  # every failure is this key's, reported on it
            return target.failure(error)

    ran = bounded.run_sync(work, one, concurrency, grace=INTERRUPT_GRACE_SECONDS)
    results = [
        target.stopped(started=outcome is bounded.UNFINISHED) if isinstance(outcome, bounded.Unrun) else outcome
        for target, outcome in zip(work, ran.results, strict=True)
    ]
    if isinstance(ran.interrupt, KeyboardInterrupt):
        raise BulkInterrupted(results, ran.interrupt) from ran.interrupt
    return results


async def run_async(
    work: list[Target], action: Callable[[KeyRef], Awaitable[ApiKey | None]], concurrency: int
) -> list[BulkResult]:
    """`action` on each target, at most `concurrency` at a time; results in input order. A
    cancellation lets the calls in flight end (INTERRUPT_GRACE_SECONDS), then propagates."""

    async def one(target: Target) -> BulkResult:
        try:
            return target.result(await action(target.ref))
        except Exception as error:  # every failure is this key's, reported on it
            return target.failure(error)

    return (await bounded.run_async(work, one, concurrency, grace=INTERRUPT_GRACE_SECONDS)).finished()


@overload
def delete_many(client: GeekAIAdmin, keys: Iterable[KeyRef], *, concurrency: int = ...) -> list[BulkResult]: ...
@overload
def delete_many(
    client: AsyncGeekAIAdmin, keys: Iterable[KeyRef], *, concurrency: int = ...
) -> Coroutine[Any, Any, list[BulkResult]]: ...
def delete_many(
    client: Client, keys: Iterable[KeyRef], *, concurrency: int = DEFAULT_CONCURRENCY
) -> list[BulkResult] | Coroutine[Any, Any, list[BulkResult]]:
    """Delete many keys with `client` (awaitable with AsyncGeekAIAdmin), `concurrency` at a time;
    goes on past a failed key.

    Every key is checked (a UUID, none twice) before anything is sent. One BulkResult per key,
    in input order: `ok`, or the `error` it raised.
    """
    work = targets(keys, concurrency)
    if isinstance(client, AsyncGeekAIAdmin):
        return run_async(work, client.keys.delete, concurrency)
    return run_sync(work, sync_client(client).keys.delete, concurrency)


@overload
def update_many(
    client: GeekAIAdmin,
    keys: Iterable[KeyRef],
    *,
    concurrency: int = ...,
    name: str | NotGiven = ...,
    group: Group | str | NotGiven = ...,
    credit_limit: Amount | NotGiven | None = ...,
    expires: DateLike | NotGiven | None = ...,
) -> list[BulkResult]: ...
@overload
def update_many(
    client: AsyncGeekAIAdmin,
    keys: Iterable[KeyRef],
    *,
    concurrency: int = ...,
    name: str | NotGiven = ...,
    group: Group | str | NotGiven = ...,
    credit_limit: Amount | NotGiven | None = ...,
    expires: DateLike | NotGiven | None = ...,
) -> Coroutine[Any, Any, list[BulkResult]]: ...
def update_many(
    client: Client,
    keys: Iterable[KeyRef],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    name: str | NotGiven = NOT_GIVEN,
    group: Group | str | NotGiven = NOT_GIVEN,
    credit_limit: Amount | NotGiven | None = NOT_GIVEN,
    expires: DateLike | NotGiven | None = NOT_GIVEN,
) -> list[BulkResult] | Coroutine[Any, Any, list[BulkResult]]:
    """Change the named fields of many keys with `client` (awaitable with AsyncGeekAIAdmin),
    `concurrency` at a time; goes on past a failed key.

    Each key as `keys.update` does it (read, merge, write; an ApiKey passed skips the read). The
    keys and the changes are checked before anything is sent. One BulkResult per key, in
    input order, with the updated key, or the `error` it raised.
    """
    KeyChanges.of(name=name, group=group, credit_limit=credit_limit, expires=expires)  # checked up front
    work = targets(keys, concurrency)
    if isinstance(client, AsyncGeekAIAdmin):
        change_async = functools.partial(
            client.keys.update, name=name, group=group, credit_limit=credit_limit, expires=expires
        )
        return run_async(work, change_async, concurrency)
    resource = sync_client(client).keys
    change = functools.partial(resource.update, name=name, group=group, credit_limit=credit_limit, expires=expires)
    return run_sync(work, change, concurrency)
