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
from typing import TYPE_CHECKING, Final, NoReturn

from geekai_admin.cli import exit_codes
from geekai_admin.cli.console import error_line, say
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.output.stdout import OutputFailed
from geekai_admin.cli.parser import PROG, build_parser

if TYPE_CHECKING:
    import httpx

__all__ = ["Terminated", "interrupted_status", "main", "run_status", "signals_as_interrupt"]

_STATUS_AFTER: Final[dict[int, int]] = {
    signal.SIGTERM: exit_codes.TERMINATED,
    signal.SIGHUP: exit_codes.HANGUP,
    signal.SIGQUIT: exit_codes.QUIT,
}
"""The signals handled as Ctrl-C is, and the exit status after each."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, SIGHUP (the terminal or SSH session closed) or SIGQUIT (`signum`), raised in the main
    thread as Ctrl-C raises KeyboardInterrupt: the same path, exit status 143, 129 or 131."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def signals_as_interrupt() -> Iterator[None]:
    """For the block, SIGTERM, SIGHUP and SIGQUIT raise Terminated: every command handles them where
    it handles Ctrl-C (an `exec:` command, in its own process group, gets no SIGHUP from the kernel:
    it is stopped on this path). One ignored when the block starts (`nohup`) stays ignored."""

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    try:
        previous = [
            (signum, signal.signal(signum, raise_terminated))
            for signum in _STATUS_AFTER
            if signal.getsignal(signum) != signal.SIG_IGN
        ]
    except ValueError:  # not the main thread (the command embedded): the signals stay as they were
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous:
            signal.signal(signum, handler)


def interrupted_status(interrupt: KeyboardInterrupt) -> int:
    """130 for Ctrl-C (SIGINT); 128 + the signal's number for the others (`_STATUS_AFTER`)."""
    if isinstance(interrupt, Terminated):
        return _STATUS_AFTER.get(interrupt.signum, exit_codes.TERMINATED)
    return exit_codes.INTERRUPTED


def _stopped(interrupt: KeyboardInterrupt) -> str:
    if not isinstance(interrupt, Terminated):
        return "interrupted"
    if interrupt.signum == signal.SIGTERM:
        return "terminated"
    return f"terminated by {signal.Signals(interrupt.signum).name}"


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
        return interrupted_status(interrupt), f"{command}: {_stopped(interrupt)}: {tally}"
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
        with signals_as_interrupt():
            return _parse_and_run(argv, transport)
    except UsageError as exc:
        say(error_line(str(exc)))
        return exit_codes.USAGE
    except KeyboardInterrupt as exc:
        say(f"{PROG}: {_stopped(exc)}")
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
