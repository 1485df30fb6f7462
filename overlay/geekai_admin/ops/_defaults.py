"""The key operations' defaults, the library's and the command's: standard library only (the command's
parser reads them before anything else loads)."""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_EXPIRING_WITHIN", "DEFAULT_MAX_USAGE", "DEFAULT_NEAR_LIMIT"]

DEFAULT_EXPIRING_WITHIN: Final = 7
"""Days: a key expiring within them is "expiring" (the report and the check)."""
DEFAULT_NEAR_LIMIT: Final = 80
"""Percent of its credit limit: a key that used as much is "near its limit" in the report."""
DEFAULT_MAX_USAGE: Final = 90
"""Percent of its credit limit: a key that used as much is a problem for the check."""
DEFAULT_CONCURRENCY: Final = 8
"""Keys changed at once by delete_many and update_many."""
