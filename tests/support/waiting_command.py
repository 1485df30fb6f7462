"""A delivery command the test controls: it takes the secret, says it has it, and waits to be told
how to end; and the interrupt that reaches the main thread once it is running (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

__all__ = ["WAITER", "alive", "interrupt_main_when_started"]

WAITER = """\
import os, pathlib, sys, time
folder = pathlib.Path(sys.argv[1])
(folder / "got").write_text(sys.stdin.read())
(folder / "pid").write_text(str(os.getpid()))
release = folder / "release"
for _ in range(3000):  # 30 s at most: the test says how to end, or never does
    if release.exists():
        sys.exit(int(release.read_text()))
    time.sleep(0.01)
"""
"""Run as `python -c WAITER FOLDER`: writes FOLDER/got (its stdin) and FOLDER/pid, then exits with
the status written to FOLDER/release."""


def _started(folder: Path, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not (folder / "pid").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def interrupt_main_when_started(folder: Path, signum: int = signal.SIGINT) -> threading.Thread:
    """Sends `signum` to the main thread once the waiter in `folder` is running."""

    def run() -> None:
        if _started(folder):
            signal.pthread_kill(threading.main_thread().ident or 0, signum)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def alive(folder: Path) -> bool:
    """The waiter that ran in `folder` is still a process."""
    try:
        os.kill(int((folder / "pid").read_text()), 0)
    except ProcessLookupError:
        return False
    return True
