"""The command's own failures: raised by any part of it, turned into an exit status by `run`."""

from __future__ import annotations

__all__ = ["CommandFailed", "UsageError"]


class UsageError(Exception):
    """Bad input or usage: exit 2, nothing sent."""


class CommandFailed(Exception):
    """A failure the command explains in its own message (a rotation left half done, ...): exit 1."""
