"""Keys as code: `plan`, `apply` and `export`.

The command reads the keys file, lists the account, and prints; the library plans (`ops.plan`),
carries the plan out (`ops.apply`) and writes a keys file from the account (`ops.export_keys_file`).
Here: refusals before any write (exit 2), the confirmation, and each new secret delivered to its
key's destination (`ops.parse_destination`), every destination prepared before the first write.
"""

from __future__ import annotations

import datetime
import os
import sys
import threading
from collections.abc import Mapping, Set
from typing import TYPE_CHECKING, Any

from geekai_admin import CreatedKey, KeyFilter, NotGiven, ops, plain_decimal, select_keys
from geekai_admin.cli import exit_codes
from geekai_admin.cli.app import run_status
from geekai_admin.cli.console import confirmed, say
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.output import secret_file as secrets
from geekai_admin.cli.output.escape import printable
from geekai_admin.cli.output.formats import Produced
from geekai_admin.cli.parser import PROG
from geekai_admin.cli.selection import has_selectors

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["apply", "export", "plan"]

_VERBS: dict[ops.ChangeAction, str] = {
    "create": "to create",
    "update": "to update",
    "rotate": "to rotate",
    "delete": "to delete",
}


# --- reading and planning ------------------------------------------------------------------------


def _keys_file(session: Session) -> ops.KeysFile:
    try:
        return ops.load_keys_file(session.args.file)
    except ops.KeysFileError as error:
        raise UsageError(f"{session.args.command}: {error}") from None


def _planned(session: Session) -> tuple[ops.KeysFile, ops.Plan]:
    """The keys file and its plan against the account now; every refusal of the file is exit 2."""
    keys_file = _keys_file(session)
    current = session.client().keys.list()
    try:
        planned = ops.plan(keys_file, current, now=datetime.datetime.now(datetime.UTC), prune=session.args.prune)
    except ops.KeysFileError as error:
        how = ""
        if error.sharing:
            how = (
                f": keep one, and for each of the other {len(error.sharing) - 1} run '{PROG} keys update UUID "
                f"--name NEW-NAME' or '{PROG} keys delete UUID'"
            )
        raise UsageError(f"{session.args.command}: {error}{how}") from None
    return keys_file, planned


def _shown(field: str, value: Any) -> str:
    if value is None:
        return ops.NO_LIMIT if field == "credit_limit" else ops.NEVER
    if isinstance(value, datetime.date):
        return value.isoformat()
    if field == "credit_limit":
        return plain_decimal(value)
    return str(getattr(value, "value", value))


def _change_line(change: ops.Change) -> str:
    label = change.name if change.uuid is None else f"{change.name} ({change.uuid})"
    fields = [
        f"{field}: {_shown(field, old.new)}"
        if isinstance(old.old, NotGiven)
        else f"{field}: {_shown(field, old.old)} -> {_shown(field, old.new)}"
        for field, old in change.fields.items()
    ]
    if change.action == "rotate" and change.due_since is not None:
        fields.insert(0, f"due since {change.due_since.isoformat()}")
    if change.action in ("create", "rotate") and change.desired is not None:
        fields.append(f"secret to {change.desired.secret}")
    detail = f": {', '.join(fields)}" if fields else ""
    return printable(f"  {change.action:<7} {label}{detail}")


def plan_text(planned: ops.Plan) -> str:
    """The plan for people: one line per change, then the counts."""
    lines = [_change_line(change) for change in planned.changes]
    counts = ", ".join(f"{len(planned.of(action))} {verb}" for action, verb in _VERBS.items())
    summary = f"Plan: {counts}; {planned.unchanged} unchanged."
    if not planned.pending:
        return f"No changes: the account matches the keys file ({planned.unchanged} keys unchanged)."
    return "\n".join([*lines, summary])


def plan(session: Session) -> Produced:
    """`plan -f FILE`: what apply would do; with --check, exit status 3 when changes are pending."""
    keys_file, planned = _planned(session)
    _destinations(session, keys_file, planned)  # a destination that cannot be read is refused here too
    pending = session.args.check and planned.pending  # as `check`: the plan is the message, 3 the verdict
    return Produced(planned.to_dict(), plan_text(planned), status=exit_codes.PROBLEMS if pending else exit_codes.OK)


# --- apply ---------------------------------------------------------------------------------------


def _destinations(session: Session, keys_file: ops.KeysFile, planned: ops.Plan) -> dict[str, ops.Destination]:
    """Each created or rotated key's destination, parsed (relative paths from the file's folder)."""
    found: dict[str, ops.Destination] = {}
    for change in planned.changes:
        if change.action not in ("create", "rotate") or change.desired is None or change.desired.secret is None:
            continue
        try:
            found[change.name] = ops.parse_destination(
                change.desired.secret, folder=keys_file.folder, replace=change.action == "rotate"
            )
        except ops.DeliveryError as error:
            raise UsageError(
                f"{session.args.command}: {keys_file.path}: key {change.name!r}: secret: {error}"
            ) from None
    return found


def _prepared(session: Session, keys_file: ops.KeysFile, destinations: Mapping[str, ops.Destination]) -> None:
    """Every destination prepared before the first write; one that cannot work undoes the others (exit 2)."""
    done: list[ops.Destination] = []
    for name, destination in destinations.items():
        try:
            destination.prepare()
        except ops.DeliveryError as error:
            for prepared in done:
                prepared.discard()
            raise UsageError(
                f"{session.args.command}: {keys_file.path}: key {name!r}: secret: {error} (nothing was sent)"
            ) from None
        done.append(destination)


def _consent(session: Session, planned: ops.Plan) -> None:
    args = session.args
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("apply: not confirmed: stdin is not a terminal, so pass --yes (nothing was sent)")
    if not confirmed(f"{plan_text(planned)}\nApply these {len(planned.changes)} change(s)?"):
        raise UsageError("apply: not confirmed: nothing was changed")


def _failure(applied: ops.AppliedChange, destination: ops.Destination | None) -> str | None:
    """The command's words for a failed or unknown create or rotation whose library message points
    at the error's attributes. A delivery that may have worked keeps nothing: its new key is named,
    with the way to delete it. A secret the error still holds (a create's unreadable answer, a new
    key whose delivery failed and that could not be deleted) is kept beside its destination, never
    printed. None: the library's message says it in words fit for a shell. Without `_head`."""
    error = applied.error
    if not isinstance(error, ops.HandOverError):
        return None
    change = applied.change
    cause = error.__cause__
    reason = " ".join(str(cause).split())
    old = "" if change.uuid is None else f"; {secrets.untouched(change.uuid)}"
    if error.raw_answer is not None:
        kept = secrets.unsaved(destination, error.raw_answer.strip()) if destination else "could not be kept"
        return (
            f"creating the key failed ({reason}); {secrets.may_exist(change.name, kept)}{old}; applying "
            "again will not deliver this secret (the key's name is taken): store it by hand from the kept "
            "answer, or delete the key and apply again"
        )
    new = error.new
    if new is None:
        return None
    if isinstance(cause, ops.DeliveryUncertain):  # it may have arrived: nothing is kept anywhere else
        where = "" if change.desired is None else str(change.desired.secret)
        return f"{secrets.unsure_delivery(new, where, cause.problem)}{old}"
    if error.step == "hand_over":
        kept = secrets.unsaved(destination, new.secret) if destination else "could not be kept"
        return f"delivering the new secret failed ({reason}); {secrets.undeleted(new, kept)}{old}"
    return (
        f"the new key {new.uuid} was created and its secret delivered, but deleting the old key "
        f"{change.uuid} failed ({reason}): delete it with '{PROG} keys delete {change.uuid}'"
    )


def _in_flight(applied: ops.AppliedChange, delivered: bool) -> str:
    """An unknown change still running when the wait after an interrupt ended: the library's words
    for what may exist now (`ops.OutcomeUnknown`), then the command that checks or undoes it.
    `delivered`: the new secret's delivery returned. Never a secret. Without `_head`."""
    change, new, old = applied.change, applied.key, applied.change.uuid
    said = applied.to_dict()["error"]
    if change.action in ("update", "delete"):
        return f"{said}: check it with '{PROG} keys get {old}'"
    if new is None:
        return f"{said}: find it with '{PROG} keys list' and delete it with '{PROG} keys delete UUID'"
    if not delivered or old is None:  # the old key goes only after the delivery returned
        return f"{said}; if it did not, delete the key with '{PROG} keys delete {new.uuid}'"
    return f"{said}: check it with '{PROG} keys get {old}' and delete it with '{PROG} keys delete {old}'"


def _head(change: ops.Change) -> str:
    """What begins a change's error in JSON, and its FAILED line: the command's own words follow."""
    return f"apply: {change.action} {change.name!r}: "


def _said(applied: ops.AppliedChange, destination: ops.Destination | None, delivered: Set[str]) -> str | None:
    """The command's words for a failed change (None: the library's message) or an unknown one
    (always), without `_head`."""
    failure = _failure(applied, destination)
    if failure is None and applied.outcome == "unknown":
        return _in_flight(applied, applied.change.name in delivered)
    return failure


def _outcome_line(applied: ops.AppliedChange, failure: str | None) -> str:
    change = applied.change
    label = change.name if change.uuid is None else f"{change.name} ({change.uuid})"
    if applied.outcome == "done":
        new = (
            f" (new key {applied.key.uuid}, secret delivered)"
            if change.action in ("create", "rotate") and applied.key
            else ""
        )
        said = f"done{new}"
    elif applied.outcome == "failed":
        said = f"FAILED: {applied.to_dict()['error'] if failure is None else _head(change) + failure}"
    elif failure is not None:
        said = f"unknown: {failure}"
    else:
        said = applied.outcome
    return printable(f"  {change.action:<7} {label}: {said}")


def _report(
    result: ops.ApplyResult,
    destinations: Mapping[str, ops.Destination],
    delivered: Set[str],
    interrupt: KeyboardInterrupt | None = None,
) -> Produced:
    """Each change's outcome; the status of a run that failed somewhere, or was stopped (as bulk runs say it).
    A failed or unknown change's words are one text, on its line and as its `error` in JSON."""
    failures = [_said(applied, destinations.get(applied.change.name), delivered) for applied in result.results]
    lines = [_outcome_line(applied, failure) for applied, failure in zip(result.results, failures, strict=True)]
    document = result.to_dict()
    for applied, shown, failure in zip(result.results, document["results"], failures, strict=True):
        if failure is not None:
            shown["error"] = _head(applied.change) + failure
    lines.append(("Interrupted: " if result.interrupted else "Applied: ") + result.summary() + ".")
    status, complaint = run_status(
        "apply",
        interrupt=interrupt,
        failed=result.count("failed"),
        unknown=result.count("unknown"),
        total=len(result.results),
        noun="changes",
        tally=result.summary(),
    )
    return Produced({"dry_run": False, **document}, "\n".join(lines), status=status, complaint=complaint)


def apply(session: Session) -> Produced:
    """`apply -f FILE`: the plan carried out; each new secret to its destination, never printed."""
    args = session.args
    keys_file, planned = _planned(session)
    destinations = _destinations(session, keys_file, planned)
    if args.dry_run or not planned.pending:
        note = " (dry run: nothing was sent)" if args.dry_run and planned.pending else ""
        return Produced({"dry_run": True, **planned.to_dict()}, plan_text(planned) + note)
    _consent(session, planned)
    delivered: set[str] = set()
    # Two keys may share an env file: one rewrite of a file at a time (commands run side by side).
    by_path: dict[str, threading.Lock] = {}
    locks = {
        name: by_path.setdefault(str(getattr(d, "path", name)), threading.Lock()) for name, d in destinations.items()
    }

    def deliver(change: ops.Change, new: CreatedKey) -> None:
        destination = destinations[change.name]
        with locks[change.name]:
            destination.deliver(new.secret)
            delivered.add(change.name)

    try:  # whatever happens, a new key's file reserved by prepare() and never delivered goes
        _prepared(session, keys_file, destinations)
        try:
            result = ops.apply(session.client(), planned, deliver=deliver)
        except ops.ApplyInterrupted as stopped:  # Ctrl-C, or SIGTERM as `app` raises it
            return _report(stopped.result, destinations, delivered, stopped.interrupt)
    finally:
        _discard(destinations, delivered)
    return _report(result, destinations, delivered)


def _discard(destinations: Mapping[str, ops.Destination], delivered: set[str]) -> None:
    for name, destination in destinations.items():
        if name not in delivered:
            destination.discard()


# --- export --------------------------------------------------------------------------------------


def export(session: Session) -> Produced:
    """`export [selectors] [-o FILE]`: a keys file from the account as it is, with no secrets."""
    args = session.args
    keys = session.client().keys.list()
    if has_selectors(args):
        keys = select_keys(
            keys,
            KeyFilter(
                match=args.match,
                in_group=args.in_group,
                expired=args.expired,
                expiring_within=args.expiring_within,
                unused=args.unused,
            ),
        )
    exported = ops.export_keys_file(
        keys, today=datetime.datetime.now(datetime.UTC).date(), prune_prefix=args.prune_prefix
    )
    left_out = f"; {len(exported.skipped)} left out (see the comments in the file)" if exported.skipped else ""
    if args.output is None:
        if exported.skipped:
            say(f"export: {exported.declared} keys declared{left_out}")
        return Produced({}, exported.text.removesuffix("\n"))
    _write_new(args.output, exported.text)
    return Produced({}, f"Wrote {exported.declared} keys to {args.output}{left_out}.")


def _write_new(path: str, text: str) -> None:
    """A new file; an existing one is refused (write to stdout and redirect to replace one)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UsageError(
            f"export: -o {path}: already exists: export never overwrites (use '> {path}' to replace it)"
        ) from None
    except OSError as error:
        raise UsageError(f"export: -o {path}: {error.strerror or type(error).__name__}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
