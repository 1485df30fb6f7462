"""The deadline of the sync call in progress, and the rule of every wait under it.

`running_until` holds, for the sync call inside, the instant its deadline passes; each wait under
it is cut to what is left (`wait_limit`, `cut_to`). The httpx timeouts of each attempt follow the
same rule (`_retry.Attempts.timeout_for`), and so does each socket wait of a sync client built with
a deadline (`_deadline_sockets`, which needs httpcore and is loaded only for such a client).
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

__all__ = ["cut_to", "running_until", "wait_limit"]

_ENDS_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar("geekai_admin_ends_at", default=None)
"""The time.monotonic() instant the sync call in progress on this thread must end by."""


@contextlib.contextmanager
def running_until(ends_at: float | None) -> Iterator[None]:
    """Every socket wait of the sync call inside ends by `ends_at` (None: no deadline)."""
    token = _ENDS_AT.set(ends_at)
    try:
        yield
    finally:
        _ENDS_AT.reset(token)


def cut_to(left: float, timeout: float | None) -> float:
    """The rule of every wait under a deadline: `timeout` (None: no limit), but never past the
    `left` seconds left of the deadline."""
    return left if timeout is None else min(timeout, left)


def wait_limit(timeout: float | None, expired: type[Exception]) -> float | None:
    """The longest the next wait of the sync call in progress on this thread may take: `timeout`
    (None: no limit), cut to what is left of its deadline (`running_until`; none: `timeout` as it
    is). Raises `expired` once nothing is left."""
    ends_at = _ENDS_AT.get()
    if ends_at is None:
        return timeout
    left = ends_at - time.monotonic()
    if left <= 0:
        raise expired("the call's deadline passed")
    return cut_to(left, timeout)
