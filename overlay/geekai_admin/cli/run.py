"""Running a parsed command: its session, its output, and every failure turned into an exit status.

`app.main` imports this module only once the command line has been parsed: from here on the
client, httpx and the generated package load.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from geekai_admin import (
    KEY_ENV,
    MAY_HAVE_BEEN_CREATED,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
    InvalidInputError,
    surely_not_created,
)
from geekai_admin.cli import commands, exit_codes
from geekai_admin.cli.console import error_line, say
from geekai_admin.cli.errors import CommandFailed, UsageError
from geekai_admin.cli.output import LIST_FORMATS
from geekai_admin.cli.output.formats import Produced, render
from geekai_admin.cli.output.log import debug_to_stderr
from geekai_admin.cli.output.stdout import OutputFailed, write_out
from geekai_admin.cli.parser import PROG
from geekai_admin.cli.selection import lists_keys
from geekai_admin.cli.session import Session

if TYPE_CHECKING:
    import httpx

__all__ = ["execute"]

_OPTION_OF_FIELD = {
    "name": "--name",
    "group": "--group",
    "credit_limit": "--credit-limit",
    "expires": "--expires",
    "uuid": "UUID",
    "update": "keys update",
}
_KEY_HINT = (
    f"{KEY_ENV} (or --system-key-file) must hold a system key from geekai.co/user/provision_keys, "
    "not an ordinary API key"
)


def execute(args: argparse.Namespace, transport: httpx.BaseTransport | None) -> int:
    """Run the command `args` names; return its exit status."""
    session = Session(args, transport)
    if not args.verbose:
        return _run_command(session)
    with debug_to_stderr(PROG, session.redact):
        return _run_command(session)


def _run_command(session: Session) -> int:
    args = session.args
    try:
        _check_format(args)
        produced = commands.handler(args.command)(session)
    except InvalidInputError as exc:
        option = _OPTION_OF_FIELD.get(exc.field, exc.field)
        where = f"{args.command}: " if option == args.command else f"{args.command}: {option}: "
        say(error_line(where + exc.problem, redact=session.redact))
        return exit_codes.USAGE
    except (UsageError, ConfigurationError) as exc:
        say(error_line(str(exc), redact=session.redact))
        return exit_codes.USAGE
    except (APIStatusError, APIConnectionError, APIResponseValidationError) as exc:
        say(error_line(f"{args.command}: {exc}", _hint(session, exc), session.redact))
        return exit_codes.API_ERROR
    except CommandFailed as exc:
        say(error_line(str(exc), redact=session.redact))
        return exit_codes.API_ERROR
    finally:
        session.close()
    if isinstance(produced, tuple):
        produced = Produced(*produced)
    output = render(args.format, produced)
    if output:
        try:
            write_out(session.redact(output) + "\n")
        except OutputFailed as exc:
            say(error_line(f"{args.command}: {exc}", redact=session.redact))
            return exit_codes.API_ERROR
    if produced.complaint is not None:
        say(error_line(produced.complaint, redact=session.redact))
    return produced.status


def _check_format(args: argparse.Namespace) -> None:
    """--format must fit the command's output; refused before anything is sent."""
    if not getattr(args, "takes_format", True) and args.format != "table":
        raise UsageError(f"{args.command}: prints a shell script: --format {args.format} does not apply")
    if args.format in LIST_FORMATS and not lists_keys(args):
        raise UsageError(
            f"{args.command}: --format {args.format} prints one row per key, and this output is not a list "
            "of keys: use --format table or json (jsonl and csv fit keys list and bulk runs)"
        )


def _hint(session: Session, error: Exception) -> str | None:
    if isinstance(error, APIStatusError):
        if session.args.command == "keys create" and not surely_not_created(error):
            return (
                f"the key {MAY_HAVE_BEEN_CREATED}: look for it with 'geekai-admin keys list' before creating it again"
            )
        by_status = {
            401: _KEY_HINT,
            403: "this system key may not do this; " + _KEY_HINT,
            404: None
            if session.args.command == "balance"
            else "check the UUID ('geekai-admin keys list') and that the base URL is the API root",
        }
        return by_status.get(error.status_code)
    base_url = session.base_url
    where = f" ({base_url})" if base_url is not None else ""
    if isinstance(error, APITimeoutError):
        if session.args.deadline is not None and "deadline" in str(error):
            return f"the call to the server{where} took longer than --deadline: check the network, or raise --deadline"
        return f"the server{where} did not answer in time: check the network, or raise --timeout"
    if isinstance(error, APIConnectionError):
        return f"could not reach the server{where}: check the network, --region and --base-url"
    return None
