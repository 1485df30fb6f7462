"""Ctrl-C and SIGTERM during a live run: both interrupt the checks, neither the clean-up.

While a run is guarded, SIGINT and SIGTERM raise KeyboardInterrupt, so every `finally` runs
(the throwaway key is deleted). Inside `shielded()` (the clean-up) a signal is held back
and raised once the block is done.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Guard"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Guard:
    def __init__(self) -> None:
        self._shielded = False
        self.pending: int | None = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._shielded:
            if self.pending is None:
                sys.stderr.write("geekai-admin live: interrupted; cleaning up first (the throwaway key)\n")
            self.pending = signum
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[Guard]:
        """Route SIGINT and SIGTERM here for the block (a no-op outside the main thread)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.signal(sig, self._handle) for sig in _SIGNALS}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        """Hold signals back for the block; raise KeyboardInterrupt after it if one came."""
        previous, self._shielded = self._shielded, True
        try:
            yield
        finally:
            self._shielded = previous
        if not previous and self.pending is not None:
            raise KeyboardInterrupt
