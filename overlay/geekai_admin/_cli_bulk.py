"""Selectors and bulk runs: `keys list`, `keys delete` and `keys update` on the keys a filter picks.

The command only parses, confirms and prints: choosing the keys (`KeyFilter`, `select_keys`,
`sort_keys`) and running the writes with bounded concurrency (`delete_many`, `update_many`) are
the library's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from geekai_admin import _cli_args

if TYPE_CHECKING:
    from geekai_admin._cli_output import Produced
    from geekai_admin._models import ApiKey
    from geekai_admin.cli import _Session
    from geekai_admin.ops._bulk import BulkResult
    from geekai_admin.ops._selection import KeyFilter

__all__ = [
    "add_bulk_options",
    "add_selectors",
    "delete",
    "is_bulk",
    "listing",
    "lists_keys",
    "one_uuid",
    "update",
]

_SELECTOR_DESTS = ("match", "in_group", "expired", "expiring_within", "unused")


def add_selectors(parser: argparse.ArgumentParser) -> None:
    """The five selectors; several combine with AND."""
    group = parser.add_argument_group("selectors (several combine with AND)")
    group.add_argument("--match", metavar="GLOB", help="keys whose name matches GLOB (* ? [..]; case-sensitive)")
    group.add_argument("--in-group", metavar="G", help="keys in proxy strategy group G")
    group.add_argument("--expired", action="store_true", help="keys already expired")
    group.add_argument(
        "--expiring-within", type=_cli_args.days, metavar="DAYS", help="keys expiring within DAYS, not yet expired"
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
    return any(getattr(args, dest, None) not in (None, False) for dest in _SELECTOR_DESTS)


def is_bulk(args: argparse.Namespace) -> bool:
    """Several UUIDs, or selectors: the run reports each key's outcome."""
    return has_selectors(args) or len(args.uuids) > 1


def lists_keys(args: argparse.Namespace) -> bool:
    """Whether this run's output is a list of keys (so jsonl and csv apply)."""
    check = getattr(args, "lists_keys", None)
    return bool(check(args)) if callable(check) else False


def _key_filter(args: argparse.Namespace) -> KeyFilter:
    from geekai_admin.ops._selection import KeyFilter  # noqa: PLC0415

    return KeyFilter(
        match=args.match,
        in_group=args.in_group,
        expired=args.expired,
        expiring_within=args.expiring_within,
        unused=args.unused,
    )


def _usage(message: str) -> Exception:
    from geekai_admin.cli import UsageError  # noqa: PLC0415

    return UsageError(message)


# --- keys list -----------------------------------------------------------------------------------


def listing(session: _Session) -> Produced:
    """`keys list`: every key, or the selected ones, optionally sorted."""
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415
    from geekai_admin.ops._selection import select_keys, sort_keys  # noqa: PLC0415

    args = session.args
    keys: Sequence[ApiKey] = session.client().keys.list()
    listed = len(keys)
    if has_selectors(args):
        keys = select_keys(keys, _key_filter(args))
    if args.sort is not None:
        keys = sort_keys(keys, args.sort)
    # "No API keys." would be wrong when the account has keys and the selectors matched none.
    text = f"No key matches (of {listed})." if listed and not keys else fmt.keys_table(keys, session.redact)
    return Produced(fmt.keys_json(keys), text, [k.to_dict() for k in keys])


# --- bulk delete and update ------------------------------------------------------------------------


def _check_targets(args: argparse.Namespace, verb: str) -> None:
    """UUIDs or selectors, one of the two; --dry-run with selectors only."""
    command = args.command
    if args.uuids and has_selectors(args):
        raise _usage(f"{command}: name UUIDs or selectors, not both")
    if not args.uuids and not has_selectors(args):
        raise _usage(f"{command}: name the key(s) to {verb}: one or more UUIDs, or selectors (see --help)")
    if args.dry_run and not has_selectors(args):
        raise _usage(f"{command}: --dry-run needs selectors (with UUIDs, the keys to {verb} are already named)")


def one_uuid(args: argparse.Namespace, verb: str) -> str:
    """The UUID of a run on one key (not `is_bulk`)."""
    _check_targets(args, verb)
    uuid: str = args.uuids[0]
    return uuid


def _targets(session: _Session, verb: str) -> tuple[list[str], list[ApiKey] | None]:
    """The UUIDs to act on, and the keys when selectors chose them; refuses what cannot run."""
    from geekai_admin._inputs import check_uuid  # noqa: PLC0415
    from geekai_admin.ops._selection import select_keys  # noqa: PLC0415

    args = session.args
    _check_targets(args, verb)
    uuids = [check_uuid(uuid) for uuid in args.uuids]
    needs_consent = not args.dry_run and (verb == "delete" or has_selectors(args))
    if needs_consent and not args.yes and not sys.stdin.isatty():
        raise _usage(f"{args.command}: not confirmed: stdin is not a terminal, so pass --yes (nothing was sent)")
    if uuids:
        return uuids, None
    keys = select_keys(session.client().keys.list(), _key_filter(args))
    return [key.uuid for key in keys], keys


def _confirm(session: _Session, question: str, keys: Sequence[ApiKey] | None, uuids: Sequence[str]) -> None:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415

    args = session.args
    if args.yes:
        return
    from geekai_admin.cli import confirmed  # noqa: PLC0415

    shown = fmt.keys_table(keys, session.redact) if keys is not None else "\n".join(uuids)
    if not confirmed(f"{shown}\n{question}"):
        raise _usage(f"{args.command}: not confirmed: nothing was changed")


def _row(result: BulkResult, before: ApiKey | None) -> dict[str, Any]:

    key = result.key or before
    fields = key.to_dict() if key is not None else {"uuid": result.uuid}
    return {**fields, **_outcome(result)}


def _outcome(result: BulkResult) -> dict[str, Any]:
    return {"uuid": result.uuid, "ok": result.ok, "error": result.to_dict()["error"]}


def _dry_run(session: _Session, keys: Sequence[ApiKey], what: str) -> Produced:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415

    results = [{"uuid": key.uuid, "ok": True, "error": None} for key in keys]
    rows = [key.to_dict() for key in keys]
    if not keys:
        text = "No key matches: nothing would change (dry run: nothing was sent)."
    else:
        text = f"Would {what} (dry run: nothing was sent):\n{fmt.keys_table(keys, session.redact)}"
    return Produced({"dry_run": True, "results": results}, text, rows)


def _report(session: _Session, results: Sequence[BulkResult], keys: Sequence[ApiKey] | None, done: str) -> Produced:
    from geekai_admin import _cli_format as fmt  # noqa: PLC0415
    from geekai_admin._cli_output import KEY_COLUMNS, Produced  # noqa: PLC0415
    from geekai_admin.cli import EXIT_API_ERROR, EXIT_OK  # noqa: PLC0415

    by_uuid: Mapping[str, ApiKey] = {key.uuid: key for key in keys or ()}
    lines = []
    for result in results:
        name = by_uuid[result.uuid].name if result.uuid in by_uuid else None
        label = result.uuid if name is None else f"{result.uuid} ({fmt.printable(repr(name))})"
        outcome = done if result.ok else f"FAILED: {_outcome(result)['error']}"
        lines.append(f"{label}: {fmt.printable(outcome)}")
    failed = sum(not result.ok for result in results)
    lines.append(f"{len(results) - failed} {done}, {failed} failed" if results else "No key matches: nothing changed.")
    return Produced(
        {"dry_run": False, "results": [_outcome(result) for result in results]},
        "\n".join(lines),
        [_row(result, by_uuid.get(result.uuid)) for result in results],
        (*KEY_COLUMNS, "ok", "error"),
        status=EXIT_API_ERROR if failed else EXIT_OK,
        complaint=f"{session.args.command}: {failed} of {len(results)} keys failed" if failed else None,
    )


def delete(session: _Session) -> Produced:
    """`keys delete` with several UUIDs or with selectors."""
    from geekai_admin import ops  # noqa: PLC0415

    uuids, keys = _targets(session, "delete")
    if session.args.dry_run:
        return _dry_run(session, keys or [], f"delete {len(uuids)} key(s)")
    if uuids:
        _confirm(session, f"Delete these {len(uuids)} key(s)? This cannot be undone.", keys, uuids)
    results = ops.delete_many(session.client(), keys if keys is not None else uuids)
    return _report(session, results, keys, "deleted")


def update(session: _Session, changes: Mapping[str, Any]) -> Produced:
    """`keys update` with several UUIDs or with selectors; `changes` are the named fields only."""
    from geekai_admin import ops  # noqa: PLC0415
    from geekai_admin._cli_format import printable  # noqa: PLC0415

    uuids, keys = _targets(session, "update")
    what = ", ".join(f"{field}={'none' if value is None else value}" for field, value in changes.items())
    if session.args.dry_run:
        return _dry_run(session, keys or [], f"update {len(uuids)} key(s): {printable(what)}")
    if uuids and keys is not None:
        _confirm(session, f"Update these {len(uuids)} key(s): {printable(what)}?", keys, uuids)
    results = ops.update_many(session.client(), keys if keys is not None else uuids, **changes)
    return _report(session, results, keys, "updated")
