"""Running one function over many items, a bounded number at a time, and stopping cleanly on an interrupt.

The runner of bulk changes and of `apply`. Results keep the input's order. The sync driver runs
the items on threads (the client is thread safe), the async one under a semaphore. An interrupt
(KeyboardInterrupt in the sync driver, cancellation in the async one) starts no new item, lets
the items in flight finish for up to `grace` seconds, and returns what it knows of each item:
its result, `NOT_STARTED`, or `UNFINISHED` (still running when the wait ended: its outcome is
unknown), with the interrupt, which the caller re-raises once it has reported.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Final, Generic, TypeVar

__all__ = ["GRACE", "NOT_STARTED", "UNFINISHED", "Ran", "Unrun", "run_async", "run_sync"]

T = TypeVar("T")
R = TypeVar("R")

GRACE: Final = 10.0
"""Seconds the items in flight get to finish after an interrupt."""


class Unrun(enum.Enum):
    """What an interrupted run knows of an item that gave no result."""

    NOT_STARTED = "not_started"
    UNFINISHED = "unfinished"


NOT_STARTED: Final = Unrun.NOT_STARTED
UNFINISHED: Final = Unrun.UNFINISHED


@dataclasses.dataclass(frozen=True, slots=True)
class Ran(Generic[R]):
    """Each item's result (or why it has none), in input order, and the interrupt that stopped the run."""

    results: list[R | Unrun]
    interrupt: BaseException | None = None

    def finished(self) -> list[R]:
        """Every result of a run that was not interrupted; otherwise the interrupt, re-raised."""
        if self.interrupt is not None:
            raise self.interrupt
        return [result for result in self.results if not isinstance(result, Unrun)]


def run_sync(items: Sequence[T], one: Callable[[T], R], concurrency: int, *, grace: float = GRACE) -> Ran[R]:
    """`one` on each item, at most `concurrency` at a time on threads. `one` reports its own
    failures in its result: an exception it raises propagates."""
    if not items:
        return Ran([])
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(items)), thread_name_prefix="geekai-ops")
    futures = [pool.submit(one, item) for item in items]
    try:
        for future in futures:
            failure = future.exception()  # waits; a KeyboardInterrupt reaches the main thread here
            if isinstance(failure, KeyboardInterrupt):  # raised in a worker (by a callback): the same
                raise failure
    except KeyboardInterrupt as interrupt:
        for future in futures:
            future.cancel()  # only those not yet started can be cancelled
        wait([future for future in futures if not future.done()], timeout=grace)
        pool.shutdown(wait=False, cancel_futures=True)
        return Ran([_known(future) for future in futures], interrupt)
    pool.shutdown()
    return Ran([future.result() for future in futures])


def _known(future: Future[Any]) -> Any:
    """The future's result, or why it has none."""
    if future.cancelled():
        return NOT_STARTED
    if not future.done() or isinstance(future.exception(), KeyboardInterrupt):
        return UNFINISHED
    return future.result()


async def run_async(
    items: Sequence[T], one: Callable[[T], Awaitable[R]], concurrency: int, *, grace: float = GRACE
) -> Ran[R]:
    """`one` on each item, at most `concurrency` at a time. `one` reports its own failures in its
    result: an exception it raises propagates."""
    gate = asyncio.Semaphore(concurrency)
    started = [False] * len(items)

    async def guarded(index: int, item: T) -> R:
        async with gate:
            started[index] = True
            return await one(item)

    tasks = [asyncio.ensure_future(guarded(index, item)) for index, item in enumerate(items)]
    if not tasks:
        return Ran([])
    try:
        await asyncio.wait(tasks)  # unlike gather, a cancellation here leaves the tasks running
    except asyncio.CancelledError as interrupt:
        for index, task in enumerate(tasks):
            if not started[index]:
                task.cancel()
        running = [task for index, task in enumerate(tasks) if started[index] and not task.done()]
        if running:
            await asyncio.wait(running, timeout=grace)
        results: list[R | Unrun] = []
        for index, task in enumerate(tasks):
            if not started[index]:
                results.append(NOT_STARTED)
            elif not task.done():
                task.cancel()
                results.append(UNFINISHED)
            else:
                results.append(task.result())
        return Ran(results, interrupt)
    return Ran([task.result() for task in tasks])
