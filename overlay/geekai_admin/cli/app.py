"""The `geekai-admin` entry point: parse the command line, then run the command it names.

Parsing, --help, --version and usage errors need the standard library and the parser only; the
client, httpx and the generated package load in `run`, once a command is going to run.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from geekai_admin.cli import exit_codes
from geekai_admin.cli.console import error_line, say
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.output.stdout import OutputFailed
from geekai_admin.cli.parser import PROG, build_parser

if TYPE_CHECKING:
    import httpx

__all__ = ["Terminated", "interrupted_status", "main", "run_status", "sigterm_as_interrupt"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt: the same path, exit status 143."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """For the block, SIGTERM raises Terminated: every command handles it where it handles Ctrl-C."""

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread (the command embedded): SIGTERM stays as it was
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_status(interrupt: KeyboardInterrupt) -> int:
    """130 for Ctrl-C (SIGINT), 143 for SIGTERM."""
    return exit_codes.TERMINATED if isinstance(interrupt, Terminated) else exit_codes.INTERRUPTED


def run_status(
    command: str,
    *,
    interrupt: KeyboardInterrupt | None,
    failed: int,
    total: int,
    noun: str,
    tally: str,
    unknown: int = 0,
) -> tuple[int, str | None]:
    """The exit status and the stderr line of a run of many changes (bulk, apply): stopped by a
    signal, partly failed or of unknown outcome (a delivery that may or may not have worked), or whole."""
    if interrupt is not None:
        status = interrupted_status(interrupt)
        stopped = "terminated" if status == exit_codes.TERMINATED else "interrupted"
        return status, f"{command}: {stopped}: {tally}"
    if failed or unknown:
        said = ", ".join(f"{count} {what}" for count, what in ((failed, "failed"), (unknown, "unknown")) if count)
        first, _, rest = said.partition(" ")
        return exit_codes.API_ERROR, f"{command}: {first} of {total} {noun} {rest}"
    return exit_codes.OK, None


def main(argv: Sequence[str] | None = None, *, transport: httpx.BaseTransport | None = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); return the exit status.

    `transport` replaces the network (tests, embedding); it is not a command-line option.
    """
    try:
        with sigterm_as_interrupt():
            return _parse_and_run(argv, transport)
    except UsageError as exc:
        say(error_line(str(exc)))
        return exit_codes.USAGE
    except KeyboardInterrupt as exc:
        say(f"{PROG}: {'terminated' if isinstance(exc, Terminated) else 'interrupted'}")
        return interrupted_status(exc)
    except OutputFailed as exc:
        say(error_line(str(exc)))
        return exit_codes.API_ERROR


def _parse_and_run(argv: Sequence[str] | None, transport: httpx.BaseTransport | None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else exit_codes.OK
    if args.command is None:  # `geekai-admin` or `geekai-admin keys` alone: what is there to run
        _no_command(args.help_parser)
    # The client, httpx and the generated package load only once a command runs, never for --help.
    from geekai_admin.cli.run import execute  # noqa: PLC0415  # lazy: start-up time

    return execute(args, transport)


def _no_command(parser: argparse.ArgumentParser) -> NoReturn:
    sys.stderr.write(_commands_page(parser))
    where = parser.prog.removeprefix(PROG).strip()
    raise UsageError(f"{where + ': ' if where else ''}name one of the commands above")


def _commands_page(parser: argparse.ArgumentParser) -> str:
    """What `parser` can run, one line each, and where to read more."""
    (commands,) = (action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    rows = [(choice.dest, choice.help or "") for choice in commands._choices_actions]
    width = max(len(name) for name, _ in rows)
    lines = [f"  {name.ljust(width)}  {summary}" for name, summary in rows]
    word = str(commands.metavar or "COMMAND")
    return (
        f"{parser.format_usage()}\n{word.lower()}s:\n" + "\n".join(lines) + "\n\n"
        f"Run '{parser.prog} {word} --help' for its options, an example and its JSON shape,\n"
        f"and '{PROG} --help' for the global options and the exit statuses.\n"
    )
