"""`geekai-admin`: the GeekAI admin API from a shell, for people and for scripts.

    geekai-admin balance
    geekai-admin keys list
    geekai-admin keys get UUID
    geekai-admin keys create --name N [--group G] [--credit-limit COINS] [--expires YYYY-MM-DD]
    geekai-admin keys update UUID... | SELECTORS [--name N] [--group G] [--credit-limit COINS | --no-limit]
                                  [--expires YYYY-MM-DD | --no-expiry] [--dry-run] [--yes]
    geekai-admin keys delete UUID... | SELECTORS [--dry-run] [--yes]
    geekai-admin keys rotate UUID [--name N] [--keep-old] [--secret-file PATH]
    geekai-admin report [--expiring-within DAYS] [--near-limit PCT]
    geekai-admin check [--min-balance COINS] [--expiring-within DAYS] [--max-usage PCT]
    geekai-admin completion bash|zsh

The newer commands live in their own modules (`_cli_rotate`, `_cli_report`, `_cli_bulk`,
`_cli_completion`); the output formats in `_cli_output`, the --help pages in `_cli_help`.

Key sources, exit status and the --json shapes: EPILOG below (also shown by --help).

Start-up stays light: parsing the command line imports the standard library only; the client,
httpx and the generated package load when a command runs.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from geekai_admin import _cli_bulk, _cli_completion, _cli_help, _cli_report, _cli_rotate
from geekai_admin._constants import KEY_ENV, REGIONS, SORT_ORDERS, ZERO_CREDIT_LIMIT, Group
from geekai_admin._version import __version__

if TYPE_CHECKING:
    import httpx

    from geekai_admin._cli_output import Produced
    from geekai_admin._client import GeekAIAdmin
    from geekai_admin._config import SystemKey

__all__ = ["EXIT_API_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main"]

PROG = "geekai-admin"
EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
OUTPUT_FORMATS = ("table", "json", "jsonl", "csv")
"""The `--format` choices; `table` is the default."""

REGION_CHOICES = tuple(REGIONS)
GROUP_CHOICES = tuple(Group)

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
EPILOG = (
    """\
The system key comes from GEEKAI_SYSTEM_KEY, or from the file named by --system-key-file (one
trailing newline is dropped). No option takes the key itself: it would end up in shell history
and process lists.

Exit status: 0 success; 1 the API or the network failed (or a key of a bulk run did); 2 bad
input or usage, nothing sent (this includes a `keys delete` that was not confirmed); 3 `check`
found a problem; 130 interrupted (Ctrl-C). An error is one line on stderr, never a traceback,
never the system key.

--format table (the default) is for people; json prints one JSON document (--json is the same);
jsonl and csv print one row per key, where the output is a list of keys (keys list, bulk runs).
With json, stdout holds exactly one JSON document on success, and nothing on failure, with two
exceptions (exit status 1): when a create's answer cannot be read, stdout holds that raw answer (it
may carry the new secret, which the API never shows again); a rotation whose old key could not be
deleted still prints its document, with the new secret. Shapes (each command's --help has its own):

"""
    + _cli_help.KEY_SHAPE
    + """
    balance      {"coins": str, "yuan": str}            (decimal strings: exact)
    keys list    {"keys": [KEY, ...]}
    keys get     KEY
    keys create  KEY + {"secret": str}                  (the full new key: shown this once)
    keys update  KEY                                    (as it stands after the change)
    keys delete  {"uuid": str, "deleted": true}
    keys rotate  {"new": KEY + {"secret": str}, "old": {"uuid": str, "deleted": bool}}
    bulk runs    {"dry_run": bool, "results": [{"uuid": str, "ok": bool, "error": str|null}, ...]}
    report, check: see their --help
"""
)
Output = tuple[dict[str, Any], str]
"""What a command produced: its JSON document and its text for people."""


class UsageError(Exception):
    """Bad input or usage: exit 2, nothing sent."""


class CommandFailed(Exception):
    """A failure the command explains in its own message (a rotation left half done, ...): exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _global_options(*, suppress: bool) -> _Parser:
    """The options every command accepts, before or after its name.

    After the name (`suppress`), an option not given leaves the value set before the name alone.
    """
    parent = _Parser(add_help=False, argument_default=argparse.SUPPRESS if suppress else None)
    options = parent.add_argument_group("global options")
    options.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        help="output: table (default), json, or one row per key: jsonl, csv (lists of keys only)",
    )
    options.add_argument("--json", dest="format", action="store_const", const="json", help="the same as --format json")
    options.add_argument(
        "--region", choices=REGION_CHOICES, help="API entry: cn = geekai.co (default), global = geekai.dev"
    )
    options.add_argument("--base-url", metavar="URL", help="API root, e.g. https://geekai.co/api (or GEEKAI_BASE_URL)")
    options.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="network timeout: connect, and each wait for data (default 60)",
    )
    options.add_argument(
        "--system-key-file",
        metavar="PATH",
        help=f"read the system key from this file instead of {KEY_ENV}",
    )
    options.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log each request (method, path, status, time, request id) and each retry on stderr",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = [_global_options(suppress=True)]
    page = _cli_help.page
    parser = _Parser(
        prog=PROG,
        description=f"Manage GeekAI (极客智坊) API keys and read the credit balance, with a system key from {KEY_ENV}.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # Not `required`: a missing command prints the list of commands (see main).
    parser.set_defaults(handler=None, help_parser=parser, format="table")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    balance = commands.add_parser(
        "balance", parents=common, help="the credit balance, in coins and yuan", **page("balance")
    )
    balance.set_defaults(handler=_balance, command="balance")

    keys = commands.add_parser(
        "keys", parents=common, help="list, show, create, update, rotate or delete API keys", **page("keys")
    )
    keys.set_defaults(help_parser=keys)
    actions = keys.add_subparsers(title="key commands", metavar="ACTION")

    listing = actions.add_parser(
        "list", parents=common, help="the keys, as a table or for scripts", **page("keys list")
    )
    _cli_bulk.add_selectors(listing)
    listing.add_argument("--sort", choices=SORT_ORDERS, help="order of the keys (default: the API's)")
    listing.set_defaults(handler=_cli_bulk.listing, command="keys list", lists_keys=lambda args: True)

    get = actions.add_parser("get", parents=common, help="one key", **page("keys get"))
    get.add_argument("uuid", metavar="UUID")
    get.set_defaults(handler=_get, command="keys get")

    create = actions.add_parser(
        "create", parents=common, help="a new key; prints its secret, once", **page("keys create")
    )
    create.add_argument("--name", required=True, help="the key's name")
    create.add_argument("--group", choices=GROUP_CHOICES, default="balance", help="proxy strategy (default balance)")
    create.add_argument("--credit-limit", metavar="COINS", help="spending limit in coins, 100 coins = 1 yuan")
    create.add_argument("--expires", metavar="YYYY-MM-DD", help="last day of validity (default: never)")
    _cli_rotate.add_secret_file(create)
    create.set_defaults(handler=_create, command="keys create")

    update = actions.add_parser(
        "update", parents=common, help="change the named fields of keys, and only those", **page("keys update")
    )
    _cli_bulk.add_bulk_options(update, verb="update")
    fields = update.add_argument_group("changes")
    fields.add_argument("--name", help="new name")
    fields.add_argument("--group", choices=GROUP_CHOICES, help="new proxy strategy")
    limit = fields.add_mutually_exclusive_group()
    limit.add_argument("--credit-limit", metavar="COINS", help="new spending limit in coins")
    limit.add_argument("--no-limit", action="store_true", help="remove the spending limit")
    expiry = fields.add_mutually_exclusive_group()
    expiry.add_argument("--expires", metavar="YYYY-MM-DD", help="new last day of validity")
    expiry.add_argument("--no-expiry", action="store_true", help="never expire")
    update.set_defaults(handler=_update, command="keys update")

    delete = actions.add_parser(
        "delete", parents=common, help="delete keys (asks first on a terminal)", **page("keys delete")
    )
    _cli_bulk.add_bulk_options(delete, verb="delete")
    delete.set_defaults(handler=_delete, command="keys delete")

    _cli_rotate.add_rotate(actions, common)
    _cli_report.add_report(commands, common)
    _cli_report.add_check(commands, common)
    _cli_completion.add_completion(commands, common)
    return parser


class _Session:
    """One run of the command: its arguments, its streams, and the client, built on first use."""

    def __init__(self, args: argparse.Namespace, transport: httpx.BaseTransport | None) -> None:
        self.args = args
        self.transport = transport
        self._key: SystemKey | None = None
        self._client: GeekAIAdmin | None = None

    def redact(self, text: str) -> str:
        return text if self._key is None else self._key.redact(text)

    def _system_key(self) -> str:
        path = self.args.system_key_file
        if path is None:
            value = os.environ.get(KEY_ENV, "")
            if not value.strip():
                raise UsageError(
                    f"no system key: set {KEY_ENV} or pass --system-key-file PATH "
                    "(a system key from geekai.co/user/provision_keys, not an ordinary API key)"
                )
            return value
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise UsageError(f"cannot read --system-key-file {path}: {reason}") from None
        value = text.removesuffix("\n").removesuffix("\r")
        if not value.strip():
            raise UsageError(f"--system-key-file {path} is empty")
        return value

    def client(self) -> GeekAIAdmin:
        if self._client is None:
            from geekai_admin._client import GeekAIAdmin  # noqa: PLC0415 (kept out of --help)
            from geekai_admin._config import resolve_key  # noqa: PLC0415

            args = self.args
            # Masked as the client sends it (normalised): that is what a server could echo.
            self._key = key = resolve_key(self._system_key())
            extra: dict[str, Any] = {} if args.timeout is None else {"timeout": args.timeout}
            self._client = GeekAIAdmin(
                key.reveal(), region=args.region, base_url=args.base_url, transport=self.transport, **extra
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


# --- the commands ------------------------------------------------------------------------------


def _balance(session: _Session) -> Output:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415

    balance = session.client().balance()
    return fmt.balance_json(balance), fmt.balance_text(balance)


def _get(session: _Session) -> Output:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415

    key = session.client().keys.get(session.args.uuid)
    return key.to_dict(), fmt.key_text(key)


def _create(session: _Session) -> Output | Produced:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415
    from geekai_admin._cli_rotate import reserve_secret_file  # noqa: PLC0415
    from geekai_admin._cli_secret import SecretFileError, raw_answer_error, stored_json, stored_text  # noqa: PLC0415
    from geekai_admin._exceptions import APIResponseValidationError  # noqa: PLC0415

    args = session.args
    _no_zero_limit(args.credit_limit, "leave --credit-limit out for a key without a limit")
    secret_file = reserve_secret_file(session)
    try:
        key = session.client().keys.create(
            name=args.name, group=args.group, credit_limit=args.credit_limit, expires=args.expires
        )
    except APIResponseValidationError as exc:
        raise raw_answer_error(exc, secret_file) from None
    except BaseException:
        if secret_file is not None:
            secret_file.discard()
        raise
    if secret_file is None:
        return fmt.created_json(key), fmt.created_text(key)
    try:
        secret_file.write(key.secret)
    except SecretFileError as exc:
        raise CommandFailed(
            f"keys create: key {key.uuid} was created, but {exc}: the secret is lost; delete the key "
            f"('geekai-admin keys delete {key.uuid}') and create another"
        ) from None
    return Produced(stored_json(key, secret_file.path), stored_text(key, secret_file.path))


def _no_zero_limit(value: str | None, instead: str) -> str | None:
    """--credit-limit 0 is refused: the API reads 0 as no limit, the opposite of what it seems to say."""
    from decimal import Decimal, InvalidOperation  # noqa: PLC0415

    from geekai_admin._exceptions import InvalidInputError  # noqa: PLC0415

    try:
        zero = value is not None and Decimal(value) == 0
    except InvalidOperation:  # not a number: the library names the problem
        zero = False
    if zero:
        raise InvalidInputError("credit_limit", f"{ZERO_CREDIT_LIMIT}: {instead}")
    return value


def _update(session: _Session) -> Output | Produced:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415
    from geekai_admin._calls import NOT_GIVEN, Changes  # noqa: PLC0415

    args = session.args
    changes: dict[str, Any] = {}
    if args.name is not None:
        changes["name"] = args.name
    if args.group is not None:
        changes["group"] = args.group
    if args.credit_limit is not None or args.no_limit:
        changes["credit_limit"] = None if args.no_limit else _no_zero_limit(args.credit_limit, "use --no-limit")
    if args.expires is not None or args.no_expiry:
        changes["expires"] = None if args.no_expiry else args.expires
    given = {"name": NOT_GIVEN, "group": NOT_GIVEN, "credit_limit": NOT_GIVEN, "expires": NOT_GIVEN, **changes}
    if _cli_bulk.is_bulk(args):
        Changes.of(**given)  # the library's one rule, checked before the selection is read
        return _cli_bulk.update(session, changes)
    key = session.client().keys.update(_cli_bulk.one_uuid(args, "update"), **given)
    return key.to_dict(), f"Updated key {fmt.printable(key.uuid)}\n\n{fmt.key_text(key)}"


def _confirm(session: _Session, uuid: str) -> bool:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415
    from geekai_admin._models import plain_decimal  # noqa: PLC0415

    key = session.client().keys.get(uuid)
    used = "-" if key.credit_used is None else plain_decimal(key.credit_used)
    return confirmed(
        f"Delete key {fmt.printable(repr(key.name or ''))} ({key.uuid}; {used} coins used, "
        f"status {fmt.status_of(key)})? This cannot be undone."
    )


def confirmed(question: str) -> bool:
    """Ask on stderr (stdout stays the command's output); only "y" or "yes" is a yes."""
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _delete(session: _Session) -> Output | Produced:
    from geekai_admin._inputs import check_uuid  # noqa: PLC0415

    if _cli_bulk.is_bulk(session.args):
        return _cli_bulk.delete(session)
    uuid = check_uuid(_cli_bulk.one_uuid(session.args, "delete"))
    if not session.args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"keys delete: not confirmed: stdin is not a terminal, so pass --yes to delete {uuid} "
                "(nothing was sent)"
            )
        if not _confirm(session, uuid):
            raise UsageError(f"keys delete: not confirmed: key {uuid} was not deleted")
    session.client().keys.delete(uuid)
    return {"uuid": uuid, "deleted": True}, f"Deleted key {uuid}"


# --- running -------------------------------------------------------------------------------------


def _hint(session: _Session, error: Exception) -> str | None:
    from geekai_admin import MAY_HAVE_BEEN_CREATED, surely_not_created  # noqa: PLC0415
    from geekai_admin._exceptions import APIConnectionError, APIStatusError, APITimeoutError  # noqa: PLC0415

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
    client = session._client
    where = f" ({client.base_url})" if client is not None else ""
    if isinstance(error, APITimeoutError):
        return f"the server{where} did not answer in time: check the network, or raise --timeout"
    if isinstance(error, APIConnectionError):
        return f"could not reach the server{where}: check the network, --region and --base-url"
    return None


def _say(line: str) -> None:
    """One line on stderr: errors, the prompt's companions."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _error_line(session: _Session | None, message: str, hint: str | None = None) -> str:
    from geekai_admin._cli_format import printable  # noqa: PLC0415

    text = message if hint is None else f"{message}; hint: {hint}"
    if session is not None:
        text = session.redact(text)
    return f"{PROG}: error: {printable(text)}"


def _execute(session: _Session) -> int:
    if not session.args.verbose:
        return _run_command(session)
    from geekai_admin._cli_log import debug_to_stderr  # noqa: PLC0415 (logging stays out of --help)

    with debug_to_stderr(PROG, session.redact):
        return _run_command(session)


def _run_command(session: _Session) -> int:
    from geekai_admin._cli_output import LIST_FORMATS, Produced, render  # noqa: PLC0415
    from geekai_admin._exceptions import (  # noqa: PLC0415
        APIConnectionError,
        APIResponseValidationError,
        APIStatusError,
        ConfigurationError,
        InvalidInputError,
    )

    args = session.args
    handler: Callable[[_Session], Output | Produced] = args.handler
    try:
        _check_format(args, LIST_FORMATS)
        produced = handler(session)
    except InvalidInputError as exc:
        option = _OPTION_OF_FIELD.get(exc.field, exc.field)
        where = f"{args.command}: " if option == args.command else f"{args.command}: {option}: "
        _say(_error_line(session, where + exc.problem))
        return EXIT_USAGE
    except (UsageError, ConfigurationError) as exc:
        _say(_error_line(session, str(exc)))
        return EXIT_USAGE
    except (APIStatusError, APIConnectionError, APIResponseValidationError) as exc:
        _say(_error_line(session, f"{args.command}: {exc}", _hint(session, exc)))
        return EXIT_API_ERROR
    except CommandFailed as exc:
        _say(_error_line(session, str(exc)))
        return EXIT_API_ERROR
    finally:
        session.close()
    if isinstance(produced, tuple):
        produced = Produced(*produced)
    output = render(args.format, produced)
    if output:
        sys.stdout.write(session.redact(output) + "\n")
        sys.stdout.flush()
    if produced.complaint is not None:
        _say(_error_line(session, produced.complaint))
    return produced.status


def _check_format(args: argparse.Namespace, list_formats: frozenset[str]) -> None:
    """--format must fit the command's output; refused before anything is sent."""
    if not getattr(args, "takes_format", True) and args.format != "table":
        raise UsageError(f"{args.command}: prints a shell script: --format {args.format} does not apply")
    if args.format in list_formats and not _cli_bulk.lists_keys(args):
        raise UsageError(
            f"{args.command}: --format {args.format} prints one row per key, and this output is not a list "
            "of keys: use --format table or json (jsonl and csv fit keys list and bulk runs)"
        )


def main(argv: Sequence[str] | None = None, *, transport: httpx.BaseTransport | None = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); return the exit status.

    `transport` replaces the network (tests, embedding); it is not a command-line option.
    """
    session: _Session | None = None
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version print, then exit 0
            return exc.code if isinstance(exc.code, int) else EXIT_OK
        if args.handler is None:  # `geekai-admin` or `geekai-admin keys` alone: what is there to run
            _no_command(args.help_parser)
        session = _Session(args, transport)
        return _execute(session)
    except UsageError as exc:
        _say(_error_line(session, str(exc)))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`geekai-admin keys list | head -1`): stop quietly.
        _silence_stdout()
        return EXIT_API_ERROR


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
