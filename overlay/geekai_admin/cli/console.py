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
    """One line on stderr: errors, the prompt's companions."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def error_line(message: str, hint: str | None = None, redact: Callable[[str], str] = str) -> str:
    """`geekai-admin: error: ...`, redacted, then with non-printable characters escaped."""
    text = message if hint is None else f"{message}; hint: {hint}"
    return f"{PROG}: error: {printable(redact(text))}"


def confirmed(question: str) -> bool:
    """Ask on stderr (stdout stays the command's output); only "y" or "yes" is a yes."""
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")
