"""The request budget of a live run: at most LIMIT requests, the last RESERVE kept for cleaning up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Final

__all__ = ["LIMIT", "RESERVE", "BudgetExhausted", "RequestBudget"]

LIMIT: Final = 60
"""Requests one run may send, retries included."""
RESERVE: Final = 12
"""Of those, the ones only the clean-up may spend: deleting the throwaway key and the end sweep."""


class BudgetExhausted(Exception):
    """No request is left in the budget. Not an httpx error, so no client retries it."""


class RequestBudget:
    """Counts every request (the transport calls spend() once per request it sends)."""

    def __init__(self, limit: int = LIMIT, reserve: int = RESERVE) -> None:
        if not 0 <= reserve <= limit:
            raise ValueError(f"the reserve ({reserve}) must be between 0 and the limit ({limit})")
        self.limit = limit
        self.reserve = reserve
        self.used = 0
        self._cleaning_up = False

    @property
    def available(self) -> int:
        """Requests the current phase may still send."""
        ceiling = self.limit if self._cleaning_up else self.limit - self.reserve
        return max(ceiling - self.used, 0)

    def spend(self) -> None:
        """Count one request, or raise BudgetExhausted (nothing counted) if the phase has none left."""
        if self.available == 0:
            phase = "clean-up" if self._cleaning_up else "checks"
            raise BudgetExhausted(f"the budget of {self.limit} requests is spent ({phase} phase, {self.used} sent)")
        self.used += 1

    @contextlib.contextmanager
    def cleaning_up(self) -> Iterator[None]:
        """Within this block the reserve may be spent too."""
        previous, self._cleaning_up = self._cleaning_up, True
        try:
            yield
        finally:
            self._cleaning_up = previous
