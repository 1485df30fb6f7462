"""The `geekai-admin` entry point: parse the command line, then run the command it names.

Parsing, --help, --version and usage errors need the standard library and the parser only; the
client, httpx and the generated package load in `run`, once a command is going to run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

from geekai_admin.cli import exit_codes
from geekai_admin.cli.console import error_line, say
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.parser import PROG, build_parser

if TYPE_CHECKING:
    import httpx

__all__ = ["main"]


def main(argv: Sequence[str] | None = None, *, transport: httpx.BaseTransport | None = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); return the exit status.

    `transport` replaces the network (tests, embedding); it is not a command-line option.
    """
    with _terminate_as_interrupt():
        return _main(argv, transport)


def _main(argv: Sequence[str] | None, transport: httpx.BaseTransport | None) -> int:
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version print, then exit 0
            return exc.code if isinstance(exc.code, int) else exit_codes.OK
        if args.command is None:  # `geekai-admin` or `geekai-admin keys` alone: what is there to run
            _no_command(args.help_parser)
        # The client, httpx and the generated package load only once a command runs, never for --help.
        from geekai_admin.cli.run import execute  # noqa: PLC0415  # lazy: start-up time

        return execute(args, transport)
    except UsageError as exc:
        say(error_line(str(exc)))
        return exit_codes.USAGE
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, _Terminated)
        say(f"{PROG}: {'terminated' if terminated else 'interrupted'}")
        return exit_codes.TERMINATED if terminated else exit_codes.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`geekai-admin keys list | head -1`): stop quietly.
        _silence_stdout()
        return exit_codes.API_ERROR


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (kill, a service manager, a CI timeout) stops the command as Ctrl-C does, through the
    same clean-up (a new secret's hand-over, a reserved file removed, what may exist said), then exit
    status 143. Outside the main thread (embedding) signals stay as they are."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


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


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests)
        pass
    finally:
        os.close(devnull)
