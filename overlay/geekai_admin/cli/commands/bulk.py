"""Selectors and bulk runs: `keys list`, `keys delete` and `keys update` on the keys a filter picks.

The command only parses, confirms and prints: choosing the keys (`KeyFilter`, `select_keys`,
`sort_keys`) and running the writes with bounded concurrency (`delete_many`, `update_many`) are
the library's. The selectors themselves are declared in `geekai_admin.cli.selection`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from geekai_admin import ApiKey, BulkResult, KeyFilter, check_uuid, ops, select_keys, sort_keys
from geekai_admin.cli import exit_codes
from geekai_admin.cli.console import confirmed
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.output import text as fmt
from geekai_admin.cli.output.formats import KEY_COLUMNS, Produced
from geekai_admin.cli.selection import check_targets, has_selectors

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["delete", "listing", "update"]


def _key_filter(args: argparse.Namespace) -> KeyFilter:
    return KeyFilter(
        match=args.match,
        in_group=args.in_group,
        expired=args.expired,
        expiring_within=args.expiring_within,
        unused=args.unused,
    )


# --- keys list -----------------------------------------------------------------------------------


def listing(session: Session) -> Produced:
    """`keys list`: every key, or the selected ones, optionally sorted."""
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


def _targets(session: Session, verb: str) -> tuple[list[str], list[ApiKey] | None]:
    """The UUIDs to act on, and the keys when selectors chose them; refuses what cannot run."""
    args = session.args
    check_targets(args, verb)
    uuids = [check_uuid(uuid) for uuid in args.uuids]
    needs_consent = not args.dry_run and (verb == "delete" or has_selectors(args))
    if needs_consent and not args.yes and not sys.stdin.isatty():
        raise UsageError(f"{args.command}: not confirmed: stdin is not a terminal, so pass --yes (nothing was sent)")
    if uuids:
        return uuids, None
    keys = select_keys(session.client().keys.list(), _key_filter(args))
    return [key.uuid for key in keys], keys


def _confirm(session: Session, question: str, keys: Sequence[ApiKey] | None, uuids: Sequence[str]) -> None:
    args = session.args
    if args.yes:
        return
    shown = fmt.keys_table(keys, session.redact) if keys is not None else "\n".join(uuids)
    if not confirmed(f"{shown}\n{question}"):
        raise UsageError(f"{args.command}: not confirmed: nothing was changed")


def _row(result: BulkResult, before: ApiKey | None) -> dict[str, Any]:
    key = result.key or before
    fields = key.to_dict() if key is not None else {"uuid": result.uuid}
    return {**fields, **_outcome(result)}


def _outcome(result: BulkResult) -> dict[str, Any]:
    return {"uuid": result.uuid, "ok": result.ok, "error": result.to_dict()["error"]}


def _dry_run(session: Session, keys: Sequence[ApiKey], what: str) -> Produced:
    results = [{"uuid": key.uuid, "ok": True, "error": None} for key in keys]
    rows = [key.to_dict() for key in keys]
    if not keys:
        text = "No key matches: nothing would change (dry run: nothing was sent)."
    else:
        text = f"Would {what} (dry run: nothing was sent):\n{fmt.keys_table(keys, session.redact)}"
    return Produced({"dry_run": True, "results": results}, text, rows)


def _report(session: Session, results: Sequence[BulkResult], keys: Sequence[ApiKey] | None, done: str) -> Produced:
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
        status=exit_codes.API_ERROR if failed else exit_codes.OK,
        complaint=f"{session.args.command}: {failed} of {len(results)} keys failed" if failed else None,
    )


def delete(session: Session) -> Produced:
    """`keys delete` with several UUIDs or with selectors."""
    uuids, keys = _targets(session, "delete")
    if session.args.dry_run:
        return _dry_run(session, keys or [], f"delete {len(uuids)} key(s)")
    if uuids:
        _confirm(session, f"Delete these {len(uuids)} key(s)? This cannot be undone.", keys, uuids)
    results = ops.delete_many(session.client(), keys if keys is not None else uuids)
    return _report(session, results, keys, "deleted")


def update(session: Session, changes: Mapping[str, Any]) -> Produced:
    """`keys update` with several UUIDs or with selectors; `changes` are the named fields only."""
    uuids, keys = _targets(session, "update")
    what = ", ".join(f"{field}={'none' if value is None else value}" for field, value in changes.items())
    if session.args.dry_run:
        return _dry_run(session, keys or [], f"update {len(uuids)} key(s): {fmt.printable(what)}")
    if uuids and keys is not None:
        _confirm(session, f"Update these {len(uuids)} key(s): {fmt.printable(what)}?", keys, uuids)
    results = ops.update_many(session.client(), keys if keys is not None else uuids, **changes)
    return _report(session, results, keys, "updated")
