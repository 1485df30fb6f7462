"""Running one function over many items, a bounded number at a time, and stopping cleanly on an interrupt.

The runner of bulk changes and of `apply`. Results keep the input's order. The sync driver runs
the items on daemon threads (the client is thread safe), the async one under a semaphore. An interrupt
(KeyboardInterrupt in the sync driver, cancellation in the async one) starts no new item, lets
the items in flight finish for up to `grace` seconds, and returns what it knows of each item:
its result, `NOT_STARTED`, or `UNFINISHED` (still running when the wait ended: its outcome is
unknown), with the interrupt, which the caller re-raises once it has reported. `overdue` (if
given) runs once the grace is over, to stop what must not outlive the run (a delivery command);
the items it ends get a short while more to report.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, Generic, TypeVar

__all__ = ["INTERRUPT_GRACE_SECONDS", "NOT_STARTED", "UNFINISHED", "Ran", "Unrun", "run_async", "run_sync"]

T = TypeVar("T")
R = TypeVar("R")

INTERRUPT_GRACE_SECONDS: Final = 5.0
"""After an interrupt, how long the items in flight get to finish before they are reported unfinished."""
SETTLE_SECONDS: Final = 1.0
"""After `overdue`, how long the items it ended get to report their outcome."""


class Unrun(enum.Enum):
    """What an interrupted run knows of an item that gave no result."""

    NOT_STARTED = "not started"
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


def run_sync(
    items: Sequence[T],
    one: Callable[[T], R],
    concurrency: int,
    *,
    grace: float | None = None,
    overdue: Callable[[], object] | None = None,
) -> Ran[R]:
    """`one` on each item, at most `concurrency` at a time on daemon threads (a call still in flight
    after the grace does not keep the process from exiting). `one` reports its own failures in its
    result; a KeyboardInterrupt, in the calling thread or raised in a worker, stops the run. `grace`
    defaults to INTERRUPT_GRACE_SECONDS (read when the interrupt comes)."""
    if not items:
        return Ran([])
    run = _SyncRun(items, one)
    try:  # the first worker may be writing before the last one starts: an interrupt here is one mid-run
        for number in range(min(concurrency, len(items))):
            threading.Thread(target=run.work, name=f"geekai-ops-{number}", daemon=True).start()
            run.starting(number + 1)
        run.wait()
    except KeyboardInterrupt as interrupt:
        return Ran(run.stop(INTERRUPT_GRACE_SECONDS if grace is None else grace, overdue), interrupt)
    return Ran(run.outcomes())


class _SyncRun(Generic[T, R]):
    """The shared state of a sync run: which item is next, each item's result, who is still working."""

    def __init__(self, items: Sequence[T], one: Callable[[T], R]) -> None:
        self._items = items
        self._one = one
        self._results: list[R | Unrun] = [NOT_STARTED] * len(items)
        self._next = 0
        self._stopping = False
        self._working = 0
        self._ended = 0
        self._workers = 0
        self._raised: BaseException | None = None  # in a worker: an interrupt (tests inject one), or a bug
        self._changed = threading.Condition()

    def work(self) -> None:
        with self._changed:
            self._working += 1
        try:
            while (index := self._take()) is not None:
                result = self._one(self._items[index])
                with self._changed:
                    self._results[index] = result
        except BaseException as raised:  # stops the run as an interrupt in the driver does
            with self._changed:
                self._raised, self._stopping = raised, True
        finally:
            with self._changed:
                self._working -= 1
                self._ended += 1
                self._changed.notify_all()

    def _take(self) -> int | None:
        with self._changed:
            if self._stopping or self._next >= len(self._items):
                return None
            index, self._next = self._next, self._next + 1
            self._results[index] = UNFINISHED
            return index

    def starting(self, workers: int) -> None:
        """`workers` threads have been started (an interrupt may come before all are)."""
        with self._changed:
            self._workers = workers

    def wait(self) -> None:
        """Until every worker has ended; re-raises what a worker raised."""
        with self._changed:
            while self._ended < self._workers and self._raised is None:
                self._changed.wait(0.5)
            raised = self._raised
        if raised is not None:
            raise raised

    def stop(self, grace: float, overdue: Callable[[], object] | None) -> list[R | Unrun]:
        """Start nothing more, give the calls in flight `grace` seconds, run `overdue`, then what is known of each."""
        # A second interrupt: stop waiting, report what is known now.
        with contextlib.suppress(KeyboardInterrupt), self._changed:
            self._stopping = True
            self._changed.wait_for(lambda: self._working == 0, timeout=grace)
        if overdue is not None:
            overdue()
            with contextlib.suppress(KeyboardInterrupt), self._changed:
                self._changed.wait_for(lambda: self._working == 0, timeout=SETTLE_SECONDS)
        return self.outcomes()

    def outcomes(self) -> list[R | Unrun]:
        with self._changed:
            return list(self._results)


async def run_async(
    items: Sequence[T],
    one: Callable[[T], Awaitable[R]],
    concurrency: int,
    *,
    grace: float | None = None,
    overdue: Callable[[], object] | None = None,
) -> Ran[R]:
    """`one` on each item, at most `concurrency` at a time. `one` reports its own failures in its
    result: an exception it raises propagates. On a cancellation, as `run_sync` on an interrupt:
    `overdue` (a blocking function: it runs in a thread of its own) once the grace is over, then the
    items still running are cancelled. `grace` defaults to INTERRUPT_GRACE_SECONDS (read when the
    cancellation comes)."""
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
        # A second cancellation: stop waiting, report what is known now.
        with contextlib.suppress(asyncio.CancelledError):
            if running:
                await asyncio.wait(running, timeout=INTERRUPT_GRACE_SECONDS if grace is None else grace)
            if overdue is not None:
                await _in_own_thread(overdue)
                running = [task for task in running if not task.done()]
                if running:
                    await asyncio.wait(running, timeout=SETTLE_SECONDS)
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


async def _in_own_thread(function: Callable[[], object]) -> None:
    """`function` in a new thread, awaited: not in the loop's executor, whose every worker may be
    held by the very deliveries `function` is to stop."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def run() -> None:
        try:
            function()
        except BaseException as error:  # handed to the awaiting task, as to_thread does
            loop.call_soon_threadsafe(_settle, done, error)
        else:
            loop.call_soon_threadsafe(_settle, done, None)

    threading.Thread(target=run, name="geekai-ops-overdue", daemon=True).start()
    await done


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():  # the awaiting task was cancelled meanwhile
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
