"""Selectors and bulk runs: `keys list`, `keys delete` and `keys update` on the keys a filter picks.

The command only parses, confirms and prints: choosing the keys (`KeyFilter`, `select_keys`,
`sort_keys`) and running the writes with bounded concurrency (`delete_many`, `update_many`) are
the library's. The selectors themselves are declared in `geekai_admin.cli.selection`.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from geekai_admin import ApiKey, BulkResult, KeyFilter, check_uuid, ops, select_keys, sort_keys
from geekai_admin.cli.app import run_status
from geekai_admin.cli.console import confirmed
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.names import names_one_key
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
    if listed and not keys:
        return Produced(fmt.keys_json(keys), f"No key matches (of {listed}).", [])
    return Produced(fmt.keys_json(keys), lambda: fmt.keys_table(keys, session.redact), [k.to_dict() for k in keys])


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
    return result.to_dict()


def _dry_run(session: Session, keys: Sequence[ApiKey], what: str) -> Produced:
    results = [{"uuid": key.uuid, "ok": True, "error": None} for key in keys]
    rows = [key.to_dict() for key in keys]
    if not keys:
        text = "No key matches: nothing would change (dry run: nothing was sent)."
    else:
        text = f"Would {what} (dry run: nothing was sent):\n{fmt.keys_table(keys, session.redact)}"
    return Produced({"dry_run": True, "interrupted": False, "results": results}, text, rows)


def _report(
    session: Session,
    results: Sequence[BulkResult],
    keys: Sequence[ApiKey] | None,
    done: str,
    interrupt: KeyboardInterrupt | None = None,
) -> Produced:
    by_uuid: Mapping[str, ApiKey] = {key.uuid: key for key in keys or ()}
    command = session.args.command

    def text() -> str:
        lines = []
        for result in results:
            name = by_uuid[result.uuid].name if result.uuid in by_uuid else None
            label = result.uuid if name is None else f"{result.uuid} ({fmt.printable(repr(name))})"
            lines.append(f"{label}: {fmt.printable(_said(result, done))}")
        lines.append(_tally(results, done) if results else "No key matches: nothing changed.")
        return "\n".join(lines)

    failed = sum(not result.ok for result in results)
    status, complaint = run_status(
        command, interrupt=interrupt, failed=failed, total=len(results), noun="keys", tally=_tally(results, done)
    )
    return Produced(
        {"dry_run": False, "interrupted": interrupt is not None, "results": [_outcome(r) for r in results]},
        text,
        [_row(result, by_uuid.get(result.uuid)) for result in results],
        (*KEY_COLUMNS, "ok", "outcome", "error"),
        status=status,
        complaint=complaint,
    )


def _said(result: BulkResult, done: str) -> str:
    outcome = result.outcome
    if outcome == "done":
        return done
    if outcome == "failed":
        return f"FAILED: {_outcome(result)['error']}"
    if outcome == "unknown":
        return "UNKNOWN: interrupted while the request was in flight: check this key"
    return "not started (interrupted)"


def _tally(results: Sequence[BulkResult], done: str) -> str:
    counts = Counter(result.outcome for result in results)
    tally = f"{counts['done']} {done}, {counts['failed']} failed"
    return tally + "".join(f", {counts[word]} {word}" for word in ("not started", "unknown") if counts[word])


def _run(session: Session, run: Callable[[], list[BulkResult]], keys: Sequence[ApiKey] | None, done: str) -> Produced:
    """The bulk run, and its report, whole or interrupted (SIGINT, or SIGTERM as `app` raises it)."""
    try:
        results = run()
    except ops.BulkInterrupted as stopped:
        return _report(session, stopped.results, keys, done, stopped.interrupt)
    return _report(session, results, keys, done)


def delete(session: Session) -> Produced:
    """`keys delete` with several UUIDs or with selectors."""
    uuids, keys = _targets(session, "delete")
    if session.args.dry_run:
        return _dry_run(session, keys or [], f"delete {len(uuids)} key(s)")
    if uuids:
        _confirm(session, f"Delete these {len(uuids)} key(s)? This cannot be undone.", keys, uuids)
    client = session.client()
    return _run(session, lambda: ops.delete_many(client, keys if keys is not None else uuids), keys, "deleted")


def update(session: Session, changes: Mapping[str, Any]) -> Produced:
    """`keys update` with several UUIDs or with selectors; `changes` are the named fields only."""
    uuids, keys = _targets(session, "update")
    if "name" in changes and not session.args.allow_duplicate_name:
        names_one_key(session, changes["name"], uuids)
    what = ", ".join(f"{field}={'none' if value is None else value}" for field, value in changes.items())
    if session.args.dry_run:
        return _dry_run(session, keys or [], f"update {len(uuids)} key(s): {fmt.printable(what)}")
    if uuids and keys is not None:
        _confirm(session, f"Update these {len(uuids)} key(s): {fmt.printable(what)}?", keys, uuids)
    client = session.client()
    return _run(
        session, lambda: ops.update_many(client, keys if keys is not None else uuids, **changes), keys, "updated"
    )
