"""A delivery command the test controls: it takes the secret, says it has it, and waits to be told
how to end; and the interrupt that reaches the main thread once it is running (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from geekai_admin.ops import _bounded as bounded
from geekai_admin.ops import _destinations as destinations

__all__ = ["WAITER", "Interrupter", "alive", "interrupt_main_when_started", "no_interrupt_outlives_its_test"]

WAITER = """\
import os, pathlib, sys, time
folder = pathlib.Path(sys.argv[1])
(folder / "got").write_text(sys.stdin.read())
(folder / "pid").write_text(str(os.getpid()))
release = folder / "release"
for _ in range(3000):  # 30 s at most: the test says how to end, or never does
    if release.exists():
        status = int(release.read_text())
        if status < 0:
            os.kill(os.getpid(), -status)
        sys.exit(status)
    time.sleep(0.01)
"""
"""Run as `python -c WAITER FOLDER`: writes FOLDER/got (its stdin) and FOLDER/pid, then exits with
the status written to FOLDER/release (a negative one: ended by that signal)."""


_PENDING: set[threading.Event] = set()
"""One event per interrupt not yet sent: set when its test ends, so that it is never sent."""
_PENDING_LOCK = threading.Lock()


def _started(folder: Path, ended: threading.Event, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not (folder / "pid").exists():
        if time.monotonic() > deadline or ended.wait(0.01):
            return False
    return True


def no_interrupt_outlives_its_test() -> None:
    """Called as each test ends: an interrupt still waiting for its command (one that started late,
    or never) is dropped, so it cannot reach the main thread during a later test."""
    with _PENDING_LOCK:
        for ended in _PENDING:
            ended.set()
        _PENDING.clear()


def interrupt_main_when_started(folder: Path, signum: int = signal.SIGINT) -> threading.Thread:
    """Sends `signum` to the main thread once the waiter in `folder` is running."""

    ended = threading.Event()
    with _PENDING_LOCK:
        _PENDING.add(ended)

    def run() -> None:
        if not _started(folder, ended):
            return
        with _PENDING_LOCK:  # sent while its test runs, or not at all
            if ended.is_set():
                return
            _PENDING.discard(ended)
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


class Interrupter:
    """`signum` to the main thread once the waiter in `folder` has its secret; once the delivery is
    waiting out the grace, the exit status the waiter is to end with (None: never, so the grace,
    made short, runs out)."""

    def __init__(
        self, folder: Path, status: int | None, monkeypatch: pytest.MonkeyPatch, signum: int = signal.SIGINT
    ) -> None:
        waited = destinations._waited

        def spied(child: subprocess.Popen[bytes], grace: float) -> int | None:
            if status is not None:
                (folder / "release").write_text(str(status))
            return waited(child, grace)

        monkeypatch.setattr(destinations, "_waited", spied)
        monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.3 if status is None else 20.0)
        interrupt_main_when_started(folder, signum)
        self.folder = folder

    def child_gone(self) -> bool:
        return not alive(self.folder)
