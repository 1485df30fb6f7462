"""Which keys a command line names: UUIDs, or selectors (`keys list`, `keys update`, `keys delete`).

Declared with the parser and read before anything is sent, so standard library only. Choosing the
keys a selector picks is the library's (`KeyFilter`, `select_keys`): see `commands.bulk`.
"""

from __future__ import annotations

import argparse

from geekai_admin.cli import arguments
from geekai_admin.cli.errors import UsageError

__all__ = ["add_bulk_options", "add_selectors", "check_targets", "has_selectors", "is_bulk", "lists_keys", "one_uuid"]

_SELECTOR_DESTS = ("match", "in_group", "expired", "expiring_within", "unused")


def add_selectors(parser: argparse.ArgumentParser) -> None:
    """The five selectors; several combine with AND."""
    group = parser.add_argument_group("selectors (several combine with AND)")
    group.add_argument("--match", metavar="GLOB", help="keys whose name matches GLOB (* ? [..]; case-sensitive)")
    group.add_argument("--in-group", metavar="G", help="keys in proxy strategy group G")
    group.add_argument("--expired", action="store_true", help="keys already expired")
    group.add_argument(
        "--expiring-within", type=arguments.days, metavar="DAYS", help="keys expiring within DAYS, not yet expired"
    )
    group.add_argument("--unused", action="store_true", help="keys never used")


def add_bulk_options(parser: argparse.ArgumentParser, *, verb: str) -> None:
    """UUIDs or selectors, --dry-run, --yes: what `keys delete` and `keys update` share."""
    parser.add_argument("uuids", nargs="*", metavar="UUID", help=f"the key(s) to {verb}; or use selectors")
    add_selectors(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help=f"with selectors: list the keys it would {verb}, send no write"
    )
    parser.add_argument(
        "--yes", action="store_true", help="do not ask: required for a real run when stdin is not a terminal"
    )
    parser.set_defaults(lists_keys=is_bulk)


def has_selectors(args: argparse.Namespace) -> bool:
    # Not `in (None, False)`: 0 == False, and `--expiring-within 0` is a selector.
    return any(getattr(args, dest, None) is not None and getattr(args, dest) is not False for dest in _SELECTOR_DESTS)


def is_bulk(args: argparse.Namespace) -> bool:
    """Several UUIDs, or selectors: the run reports each key's outcome."""
    return has_selectors(args) or len(args.uuids) > 1


def lists_keys(args: argparse.Namespace) -> bool:
    """Whether this run's output is a list of keys (so jsonl and csv apply)."""
    check = getattr(args, "lists_keys", None)
    return bool(check(args)) if callable(check) else False


def check_targets(args: argparse.Namespace, verb: str) -> None:
    """UUIDs or selectors, one of the two; --dry-run with selectors only."""
    command = args.command
    if args.uuids and has_selectors(args):
        raise UsageError(f"{command}: name UUIDs or selectors, not both")
    if not args.uuids and not has_selectors(args):
        raise UsageError(f"{command}: name the key(s) to {verb}: one or more UUIDs, or selectors (see --help)")
    if args.dry_run and not has_selectors(args):
        raise UsageError(f"{command}: --dry-run needs selectors (with UUIDs, the keys to {verb} are already named)")


def one_uuid(args: argparse.Namespace, verb: str) -> str:
    """The UUID of a run on one key (not `is_bulk`)."""
    check_targets(args, verb)
    uuid: str = args.uuids[0]
    return uuid
