"""Bulk changes: one operation over many keys, a bounded number at a time, going on past failures.

Every key is validated before anything is sent; the results keep the input's order. The sync
driver runs the calls on threads (the client is thread safe), the async one under a semaphore.
Any exception a key's call raises is that key's failure; only an interrupt (KeyboardInterrupt,
in the thread running the driver) stops the run, as `BulkInterrupted`, with every key's outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import threading
import uuid as uuid_module
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Final, Literal, overload

from geekai_admin._calls import NOT_GIVEN, KeyChanges, NotGiven, key_uuid
from geekai_admin._client import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._constants import Group
from geekai_admin._exceptions import GeekAIError, InvalidInputError
from geekai_admin._models import ApiKey
from geekai_admin._types import Amount, DateLike, KeyRef
from geekai_admin.ops._defaults import DEFAULT_CONCURRENCY
from geekai_admin.ops._driving import Client, sync_client

__all__ = [
    "INTERRUPT_GRACE_SECONDS",
    "BulkInterrupted",
    "BulkResult",
    "Outcome",
    "Target",
    "delete_many",
    "run_async",
    "run_sync",
    "targets",
    "update_many",
]

Outcome = Literal["done", "failed", "not started", "unknown"]
"""A key's outcome in a bulk run; "not started" and "unknown" only after an interrupt."""
INTERRUPT_GRACE_SECONDS: Final = 5.0
"""After an interrupt, how long a sync bulk run waits for the calls in flight before reporting them unknown."""


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
        error = None if self.error is None else _one_line(self.error)
        return {"uuid": self.uuid, "ok": self.ok, "outcome": self.outcome, "error": error}


def _one_line(error: Exception) -> str:
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
    flight after that does not keep the process from exiting.
    """
    if not work:
        return []
    run = _SyncRun(work, action)
    try:  # the first worker may be writing before the last one starts: an interrupt here is one mid-run
        for number in range(min(concurrency, len(work))):
            threading.Thread(target=run.work, name=f"geekai-bulk-{number}", daemon=True).start()
            run.starting(number + 1)
        run.wait()
    except KeyboardInterrupt as interrupt:
        raise BulkInterrupted(run.stop(), interrupt) from interrupt
    return run.outcomes()


class _SyncRun:
    """The shared state of a sync bulk run: which key is next, each key's result, who is still working."""

    def __init__(self, work: list[Target], action: Callable[[KeyRef], ApiKey | None]) -> None:
        self._work = work
        self._action = action
        self._results: list[BulkResult | None] = [None] * len(work)
        self._started = [False] * len(work)
        self._next = 0
        self._stopping = False
        self._working = 0
        self._ended = 0
        self._workers = 0
        self._interrupt: BaseException | None = None  # raised inside a worker (tests inject one there)
        self._changed = threading.Condition()

    def work(self) -> None:
        with self._changed:
            self._working += 1
        try:
            while (index := self._take()) is not None:
                target = self._work[index]
                try:
                    result = target.result(self._action(target.ref))
                except Exception as error:  # every failure is this key's, reported on it
                    result = target.failure(error)
                with self._changed:
                    self._results[index] = result
        except BaseException as interrupt:  # an interrupt in a worker stops the run as one in the driver does
            with self._changed:
                self._interrupt, self._stopping = interrupt, True
        finally:
            with self._changed:
                self._working -= 1
                self._ended += 1
                self._changed.notify_all()

    def _take(self) -> int | None:
        with self._changed:
            if self._stopping or self._next >= len(self._work):
                return None
            index, self._next = self._next, self._next + 1
            self._started[index] = True
            return index

    def starting(self, workers: int) -> None:
        """`workers` threads have been started (an interrupt may come before all are)."""
        with self._changed:
            self._workers = workers

    def wait(self) -> None:
        """Until every worker has ended; re-raises an interrupt a worker met."""
        with self._changed:
            while self._ended < self._workers and self._interrupt is None:
                self._changed.wait(0.5)
            interrupt = self._interrupt
        if interrupt is not None:
            raise interrupt

    def stop(self) -> list[BulkResult]:
        """Start nothing more, give the calls in flight INTERRUPT_GRACE_SECONDS, then each key's outcome."""
        # A second interrupt: stop waiting, report what is known now.
        with contextlib.suppress(KeyboardInterrupt), self._changed:
            self._stopping = True
            self._changed.wait_for(lambda: self._working == 0, timeout=INTERRUPT_GRACE_SECONDS)
        return self.outcomes()

    def outcomes(self) -> list[BulkResult]:
        with self._changed:
            return [
                result if result is not None else target.stopped(started=started)
                for target, result, started in zip(self._work, self._results, self._started, strict=True)
            ]


async def run_async(
    work: list[Target], action: Callable[[KeyRef], Awaitable[ApiKey | None]], concurrency: int
) -> list[BulkResult]:
    """`action` on each target, at most `concurrency` at a time; results in input order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(target: Target) -> BulkResult:
        async with gate:
            try:
                return target.result(await action(target.ref))
            except Exception as error:  # every failure is this key's, reported on it
                return target.failure(error)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(target)) for target in work]
    return [task.result() for task in tasks]


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
