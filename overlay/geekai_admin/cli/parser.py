"""The command line of `geekai-admin`: every command, its options and its --help page.

Built on every start, --help included, so it imports the standard library and the command's own
light modules only. It names each command (`command=` in the parsed arguments); what runs it is
looked up in `commands` once parsing is done.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, get_args

from geekai_admin import KEY_ENV, REGIONS, Group, SortOrder, __version__
from geekai_admin.cli import arguments, selection
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.help_pages import KEY_SHAPE, page
from geekai_admin.cli.output import OUTPUT_FORMATS
from geekai_admin.cli.output.stdout import write_out
from geekai_admin.ops import DEFAULT_EXPIRING_WITHIN, DEFAULT_MAX_USAGE, DEFAULT_NEAR_LIMIT

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["EPILOG", "GROUP_CHOICES", "PROG", "REGION_CHOICES", "SHELLS", "build_parser"]

PROG = "geekai-admin"
REGION_CHOICES = tuple(REGIONS)
GROUP_CHOICES = tuple(Group)
SORT_CHOICES: tuple[SortOrder, ...] = get_args(SortOrder)
SHELLS = ("bash", "zsh")
"""The shells `completion` writes a script for (shtab has no fish support)."""

EPILOG = (
    """\
The system key comes from GEEKAI_SYSTEM_KEY, or from the file named by --system-key-file (one
trailing newline is dropped). No option takes the key itself: it would end up in shell history
and process lists.

Exit status: 0 success; 1 the API or the network failed (or a key of a bulk run did, or a change
of apply failed or is unknown: its secret may or may not have been delivered); 2 bad
input or usage, nothing sent (this includes a `keys delete` that was not confirmed); 3 `check`
found a problem, or `plan --check` found changes pending; 130 interrupted (Ctrl-C); 143 terminated
(SIGTERM, handled as Ctrl-C: an interrupted bulk run or apply first prints each outcome, and a
--secret-to delivery that failed after the interrupt is said, yet the status stays 130 or
143); 129 terminated by SIGHUP (the terminal or SSH session closed); 131 terminated by SIGQUIT
(both handled as SIGTERM is). An error is one line on stderr, never a traceback, never the system key.

--format table (the default) is for people; json prints one JSON document (--json is the same);
jsonl and csv print one row per key, where the output is a list of keys (keys list, bulk runs).
With json, stdout holds exactly one JSON document on success, and nothing on failure, with two
exceptions (exit status 1): when a create's answer cannot be read and no --secret-to was given, stdout
holds that raw answer (it may carry the new secret, which the API never shows again; with
--secret-to it goes to a file beside the destination, which the error names); a rotation whose old key could not be
deleted still prints its document, with the new secret. Shapes (each command's --help has its own):

"""
    + KEY_SHAPE
    + """
    balance      {"coins": str, "yuan": str}            (decimal strings: exact)
    keys list    {"keys": [KEY, ...]}
    keys get     KEY
    keys create  KEY + {"secret": str}                  (the full new key: shown this once)
    keys update  KEY                                    (as it stands after the change)
    keys delete  {"uuid": str, "deleted": true}
    keys rotate  {"new": KEY + {"secret": str}, "old": {"uuid": str, "deleted": bool}}
    bulk runs    {"dry_run": bool, "interrupted": bool, "results": [{"uuid": str, "ok": bool,
                  "outcome": "done"|"failed"|"not started"|"unknown", "error": str|null}, ...]}
    report, check, plan, apply: see their --help
"""
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse ignores a failed write; --help into a closed pipe or a full disk is an error.
        if message and file in (None, sys.stdout):
            write_out(message)
        else:
            super()._print_message(message, file)


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
        type=arguments.seconds,
        metavar="SECONDS",
        help="network timeout: connect, and each wait for data (default 60)",
    )
    options.add_argument(
        "--deadline",
        type=arguments.seconds,
        metavar="SECONDS",
        help="total time one API call may take, retries and waits included (default: no total limit)",
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
    parser = _Parser(
        prog=PROG,
        description=f"Manage GeekAI (极客智坊) API keys and read the credit balance, with a system key from {KEY_ENV}.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # Not `required`: a missing command prints the list of commands (see app.main).
    parser.set_defaults(command=None, help_parser=parser, format="table")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    balance = commands.add_parser(
        "balance", parents=common, help="the credit balance, in coins and yuan", **page("balance")
    )
    balance.set_defaults(command="balance")

    keys = commands.add_parser(
        "keys", parents=common, help="list, show, create, update, rotate or delete API keys", **page("keys")
    )
    keys.set_defaults(help_parser=keys)
    actions = keys.add_subparsers(title="key commands", metavar="ACTION")
    _add_key_commands(actions, common)
    _add_rotate(actions, common)
    _add_report(commands, common)
    _add_check(commands, common)
    _add_completion(commands, common)
    _add_keys_as_code(commands, common)
    return parser


def _add_key_commands(actions: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    listing = actions.add_parser(
        "list", parents=common, help="the keys, as a table or for scripts", **page("keys list")
    )
    selection.add_selectors(listing)
    listing.add_argument("--sort", choices=SORT_CHOICES, help="order of the keys (default: the API's)")
    listing.set_defaults(command="keys list", lists_keys=lambda args: True)

    get = actions.add_parser("get", parents=common, help="one key", **page("keys get"))
    get.add_argument("uuid", metavar="UUID")
    get.set_defaults(command="keys get")

    create = actions.add_parser(
        "create", parents=common, help="a new key; prints its secret, once", **page("keys create")
    )
    create.add_argument("--name", required=True, help="the key's name")
    create.add_argument("--group", choices=GROUP_CHOICES, default="balance", help="proxy strategy (default balance)")
    create.add_argument("--credit-limit", metavar="COINS", help="spending limit in coins, 100 coins = 1 yuan")
    create.add_argument("--expires", metavar="YYYY-MM-DD", help="last day of validity (default: never)")
    _add_allow_duplicate_name(create, "create it")
    _add_secret_file(create)
    create.set_defaults(command="keys create")

    update = actions.add_parser(
        "update", parents=common, help="change the named fields of keys, and only those", **page("keys update")
    )
    selection.add_bulk_options(update, verb="update")
    fields = update.add_argument_group("changes")
    fields.add_argument("--name", help="new name")
    _add_allow_duplicate_name(fields, "rename it")
    fields.add_argument("--group", choices=GROUP_CHOICES, help="new proxy strategy")
    limit = fields.add_mutually_exclusive_group()
    limit.add_argument("--credit-limit", metavar="COINS", help="new spending limit in coins")
    limit.add_argument("--no-limit", action="store_true", help="remove the spending limit")
    expiry = fields.add_mutually_exclusive_group()
    expiry.add_argument("--expires", metavar="YYYY-MM-DD", help="new last day of validity")
    expiry.add_argument("--no-expiry", action="store_true", help="never expire")
    update.set_defaults(command="keys update")

    delete = actions.add_parser(
        "delete", parents=common, help="delete keys (asks first on a terminal)", **page("keys delete")
    )
    selection.add_bulk_options(delete, verb="delete")
    delete.set_defaults(command="keys delete")


def _add_allow_duplicate_name(parser: Any, does: str) -> None:
    parser.add_argument(
        "--allow-duplicate-name",
        action="store_true",
        help=f"{does} although another key has this name (plan and apply tell keys apart by name)",
    )


def _add_rotate(actions: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    rotate = actions.add_parser(
        "rotate",
        parents=common,
        help="replace a key by a new one; the old one goes once the secret is safe",
        **page("keys rotate"),
    )
    rotate.add_argument("uuid", metavar="UUID", help="the key to replace")
    rotate.add_argument("--name", help="the new key's name (default: the old key's)")
    _add_allow_duplicate_name(rotate, "name the new key so")
    rotate.add_argument(
        "--keep-old", action="store_true", help="keep the old key (an overlap window; end it with 'keys delete')"
    )
    _add_secret_file(rotate, rotating=True)
    rotate.set_defaults(command="keys rotate")


def _add_secret_file(parser: argparse.ArgumentParser, *, rotating: bool = False) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--secret-to",
        metavar="DEST",
        help="deliver the new secret there instead of printing it: file:PATH, env-file:PATH#VAR or "
        "exec:COMMAND ARGS... (the secret on its stdin)"
        + ("; file:PATH replaces the rotated key's file atomically" if rotating else "; file:PATH must be new"),
    )
    where.add_argument(
        "--secret-file",
        metavar="PATH",
        help="write the new secret to this new file (mode 0600) instead of printing it; never overwrites",
    )


def _add_report(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report",
        parents=common,
        help="spend per group; keys near their limit, expiring, expired, unused",
        **page("report"),
    )
    report.add_argument(
        "--expiring-within",
        type=arguments.days,
        default=DEFAULT_EXPIRING_WITHIN,
        metavar="DAYS",
        help="keys expiring within DAYS (default %(default)s)",
    )
    report.add_argument(
        "--near-limit",
        type=arguments.percent,
        default=str(DEFAULT_NEAR_LIMIT),
        metavar="PCT",
        help="list keys whose credit used is at least PCT %% of their limit (default %(default)s)",
    )
    report.set_defaults(command="report")


def _add_check(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check", parents=common, help="threshold check for cron and CI: exit status 3 on any problem", **page("check")
    )
    check.add_argument(
        "--min-balance", type=arguments.coins, metavar="COINS", help="a problem when the balance is below COINS"
    )
    check.add_argument(
        "--expiring-within",
        type=arguments.days,
        default=DEFAULT_EXPIRING_WITHIN,
        metavar="DAYS",
        help="a problem when a key expires within DAYS (default %(default)s)",
    )
    check.add_argument(
        "--max-usage",
        type=arguments.percent,
        default=str(DEFAULT_MAX_USAGE),
        metavar="PCT",
        help="a problem when a key has used PCT %% of its limit or more (default %(default)s)",
    )
    check.set_defaults(command="check")


def _add_completion(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    completion = commands.add_parser(
        "completion", parents=common, help="print a shell completion script (bash, zsh)", **page("completion")
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    completion.set_defaults(command="completion", takes_format=False)


def _add_keys_as_code(commands: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    plan = commands.add_parser(
        "plan", parents=common, help="keys as code: what apply would change to match a keys file", **page("plan")
    )
    _add_keys_file(plan)
    plan.add_argument("--check", action="store_true", help="exit status 3 when changes are pending, 0 when none")
    plan.set_defaults(command="plan")

    apply = commands.add_parser(
        "apply", parents=common, help="keys as code: change the account to match a keys file", **page("apply")
    )
    _add_keys_file(apply)
    apply.add_argument("--dry-run", action="store_true", help="print the plan and send no write")
    apply.add_argument(
        "--yes", action="store_true", help="do not ask: required for a real run when stdin is not a terminal"
    )
    apply.set_defaults(command="apply")

    export = commands.add_parser(
        "export", parents=common, help="keys as code: write a keys file from the account", **page("export")
    )
    selection.add_selectors(export)
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to this new file (never overwrites) instead of stdout"
    )
    export.add_argument(
        "--prune-prefix", metavar="PREFIX", help="write [scope] prune_prefix = PREFIX (what --prune may delete)"
    )
    export.set_defaults(command="export", takes_format=False)


def _add_keys_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--file", required=True, metavar="FILE", help="the keys file (TOML)")
    parser.add_argument(
        "--prune", action="store_true", help="delete unlisted keys whose name starts with the file's prune_prefix"
    )
