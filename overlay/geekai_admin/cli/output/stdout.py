"""The command's output on stdout: a write that fails (a closed pipe, a full disk) is an error, never a traceback."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys

from geekai_admin.cli.errors import CommandFailed

__all__ = ["OutputFailed", "output_failed", "write_out"]


class OutputFailed(CommandFailed):
    """stdout could not take the output; the message says why (exit status 1), `reason` alone."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot write the output: {reason}")
        self.reason = reason


def write_out(text: str, *, durable: bool = False) -> None:
    """`text` on stdout, flushed now: OutputFailed if it cannot be written whole. `durable` (a new
    secret, the one copy): fsynced too when stdout is a regular file."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
        if durable:
            with contextlib.suppress(io.UnsupportedOperation, AttributeError, ValueError):
                fd = sys.stdout.fileno()
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    os.fsync(fd)
    except OSError as exc:
        raise output_failed(exc) from None


def output_failed(error: OSError) -> OutputFailed:
    """The error for a failed write to stdout. stdout is pointed at the null device, so that the
    interpreter's last flush at exit does not fail again (a second message, exit status 120)."""
    _silence_stdout()
    return OutputFailed(error.strerror or type(error).__name__)


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests)
        pass
    finally:
        os.close(devnull)
