"""Drivers for multi-step operations written once as generators that do no I/O (as httpx's auth_flow).

A flow yields the step to perform and receives its result; a step's exception is thrown into the
flow, which decides what it means. `run_sync` performs the steps in line, `run_async` awaits a
step's result when it is awaitable.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import Any, TypeVar

__all__ = ["run_async", "run_sync"]

S = TypeVar("S")
R = TypeVar("R")


def run_sync(flow: Generator[S, Any, R], perform: Callable[[S], object]) -> R:
    try:
        step = next(flow)
        while True:
            try:
                outcome = perform(step)
            except BaseException as error:  # the flow says what it means; it re-raises what it does not handle
                step = flow.throw(error)
            else:
                step = flow.send(outcome)
    except StopIteration as done:
        result: R = done.value
        return result


async def run_async(flow: Generator[S, Any, R], perform: Callable[[S], object]) -> R:
    try:
        step = next(flow)
        while True:
            try:
                outcome = perform(step)
                if inspect.isawaitable(outcome):
                    outcome = await outcome
            except BaseException as error:
                step = flow.throw(error)
            else:
                step = flow.send(outcome)
    except StopIteration as done:
        result: R = done.value
        return result
