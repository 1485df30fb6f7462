"""The command's --verbose: the client's DEBUG log as lines on stderr, for one run."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator

from geekai_admin.cli.output.escape import printable

__all__ = ["debug_to_stderr"]


class _Lines(logging.Formatter):
    """`PROG: debug: message`, redacted, with non-printable characters escaped."""

    def __init__(self, prog: str, redact: Callable[[str], str]) -> None:
        super().__init__(f"{prog}: debug: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return printable(self._redact(super().format(record)))


@contextlib.contextmanager
def debug_to_stderr(prog: str, redact: Callable[[str], str]) -> Iterator[None]:
    """Send the `geekai_admin` logger's records, DEBUG and up, to stderr until the block ends.

    Each request's operation, method, path, status, time and request id, and each retry: never
    headers or bodies. stdout stays for the command's output.
    """
    logger = logging.getLogger("geekai_admin")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Lines(prog, redact))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
