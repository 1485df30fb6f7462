"""The bounded runner of bulk runs and apply: order, the bound, and what an interrupt leaves known."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

import pytest

from geekai_admin.ops import _bounded as bounded


def test_results_keep_the_input_order_and_the_bound_holds() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def one(item: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.01 * (5 - item % 5))
        with lock:
            running -= 1
        return item * 2

    ran = bounded.run_sync(list(range(20)), one, 3)
    assert ran.finished() == [n * 2 for n in range(20)]
    assert ran.interrupt is None
    assert most <= 3


def test_an_interrupt_starts_nothing_more_and_waits_only_the_grace() -> None:
    release = threading.Event()
    all_in_flight = threading.Barrier(3)

    def one(item: int) -> str:
        if item < 3:
            all_in_flight.wait(5)
        if item == 0:
            raise KeyboardInterrupt  # as Ctrl-C would, while items 1 and 2 are in flight
        if item == 1:
            time.sleep(0.1)  # ends within the grace, after the interrupt: no item starts after it
            return "quick"
        release.wait(5)  # still running when the grace ends
        return "late"

    started = time.monotonic()
    ran = bounded.run_sync([0, 1, 2, 3, 4], one, 3, grace=0.3)
    release.set()
    assert time.monotonic() - started < 3
    assert isinstance(ran.interrupt, KeyboardInterrupt)
    assert ran.results == [bounded.UNFINISHED, "quick", bounded.UNFINISHED, bounded.NOT_STARTED, bounded.NOT_STARTED]
    with pytest.raises(KeyboardInterrupt):
        ran.finished()


def test_overdue_runs_after_the_grace_and_what_it_ends_reports_its_result() -> None:
    stopped = threading.Event()
    both_in_flight = threading.Barrier(2)
    calls: list[float] = []

    def one(item: int) -> str:
        both_in_flight.wait(5)
        if item == 0:
            raise KeyboardInterrupt
        stopped.wait(5)  # a delivery command that only the overdue hook ends
        return "stopped, and said so"

    def overdue() -> None:
        calls.append(time.monotonic())
        stopped.set()

    started = time.monotonic()
    ran = bounded.run_sync([0, 1], one, 2, grace=0.2, overdue=overdue)
    assert len(calls) == 1
    assert calls[0] - started >= 0.2  # only once the grace is over
    assert ran.results == [bounded.UNFINISHED, "stopped, and said so"]


def test_a_bug_in_an_item_propagates() -> None:
    def one(item: int) -> int:
        if item == 2:
            raise TypeError("a bug")
        return item

    with pytest.raises(TypeError, match="a bug"):
        bounded.run_sync([1, 2, 3], one, 2)


def test_async_a_cancellation_cancels_what_has_not_started_and_reports_each_item() -> None:
    async def one(item: int) -> int:
        await asyncio.sleep(0 if item == 0 else 0.2 if item == 1 else 5)
        return item

    async def go() -> bounded.Ran[int]:
        task = asyncio.ensure_future(bounded.run_async([0, 1, 2, 3], one, 2, grace=0.5))
        await asyncio.sleep(0.05)
        task.cancel()
        return await task

    ran = asyncio.run(go())
    assert isinstance(ran.interrupt, asyncio.CancelledError)
    assert ran.results == [0, 1, bounded.UNFINISHED, bounded.NOT_STARTED]


def test_async_overdue_runs_in_its_own_thread_after_the_grace_and_what_it_ends_reports_its_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bounded, "SETTLE_SECONDS", 0.1)
    stopped = threading.Event()

    async def one(item: int) -> str:
        if item == 0:  # a delivery in a worker thread that only the overdue hook ends
            return f"stopped: {await asyncio.to_thread(stopped.wait, 5)}"
        await asyncio.sleep(5)  # never ends: cancelled once the settling is over
        return "never"

    calls: list[float] = []

    def overdue() -> None:
        calls.append(time.monotonic())
        stopped.set()

    async def go() -> tuple[float, bounded.Ran[str]]:
        # One executor worker, held by item 0's delivery: overdue must not queue behind it.
        asyncio.get_running_loop().set_default_executor(concurrent.futures.ThreadPoolExecutor(1))
        task = asyncio.ensure_future(bounded.run_async([0, 1, 2], one, 2, grace=0.2, overdue=overdue))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        task.cancel()
        return started, await task

    started, ran = asyncio.run(go())
    assert len(calls) == 1
    assert calls[0] - started >= 0.2  # only once the grace is over
    assert isinstance(ran.interrupt, asyncio.CancelledError)
    assert ran.results == ["stopped: True", bounded.UNFINISHED, bounded.NOT_STARTED]
