"""What the command says to the person at the terminal, on stderr: error lines and questions.

stdout is the command's output only; everything else goes here. Standard library only: errors of
the command line itself are reported before anything else loads.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from geekai_admin.cli.output.escape import printable
from geekai_admin.cli.parser import PROG

__all__ = ["confirmed", "error_line", "say"]


def say(line: str) -> None:
    """One line on stderr: errors, the prompt's companions. Best effort: once stderr is gone (the
    terminal closed after SIGHUP, a closed pipe, a full device), the steps after a message must
    still run, such as removing a reserved secret file or stopping a delivery command."""
    _written(line + "\n")


def _written(text: str) -> bool:
    stream = sys.stderr
    if stream is None:  # started with stderr closed
        return False
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # ValueError: the stream was closed
        return False
    return True


def error_line(message: str, hint: str | None = None, redact: Callable[[str], str] = str) -> str:
    """`geekai-admin: error: ...`, redacted, then with non-printable characters escaped."""
    text = message if hint is None else f"{message}; hint: {hint}"
    return f"{PROG}: error: {printable(redact(text))}"


def confirmed(question: str) -> bool:
    """Ask on stderr (stdout stays the command's output); only "y" or "yes" is a yes. A question
    that could not be shown is a no."""
    if not _written(f"{question} [y/N] "):
        return False
    return sys.stdin.readline().strip().lower() in ("y", "yes")
