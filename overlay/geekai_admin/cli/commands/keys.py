"""`keys get`, `keys create`, `keys update` and `keys delete` on one key.

Several UUIDs or selectors make `keys update` and `keys delete` bulk runs: those are `commands.bulk`'s.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from geekai_admin import (
    NOT_GIVEN,
    ZERO_CREDIT_LIMIT,
    CreatedKey,
    HandOverError,
    InvalidInputError,
    KeyChanges,
    check_uuid,
    ops,
    plain_decimal,
)
from geekai_admin.cli import selection
from geekai_admin.cli.commands import bulk
from geekai_admin.cli.console import confirmed
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.names import name_is_free
from geekai_admin.cli.output import secret_file as secrets
from geekai_admin.cli.output import text as fmt
from geekai_admin.cli.output.formats import Produced

if TYPE_CHECKING:
    from geekai_admin.cli.output.formats import Output
    from geekai_admin.cli.session import Session

__all__ = ["create", "delete", "get", "update"]


def get(session: Session) -> Output:
    key = session.client().keys.get(session.args.uuid)
    return key.to_dict(), fmt.key_text(key)


def create(session: Session) -> Output | Produced:
    """The library's `ops.create`, its hand-over the destination or stdout (see `output.secret_file`)."""
    args = session.args
    _no_zero_limit(args.credit_limit, "leave --credit-limit out for a key without a limit")
    session.client()  # built first: an error quoting the input masks the system key
    KeyChanges.of(name=args.name, group=args.group, credit_limit=args.credit_limit, expires=args.expires)
    out = secrets.SecretOut.reserve(session, replace=False)
    if not args.allow_duplicate_name:
        try:
            name_is_free(session, args.name)
        except BaseException:
            out.abandon()
            raise
    if out.destination is None:
        out.head = _created_output if args.format == "json" else lambda key: fmt.created_text(key) + "\n"
    try:
        key = ops.create(
            session.client(),
            name=args.name,
            on_created=out.hand_over,
            group=args.group,
            credit_limit=args.credit_limit,
            expires=args.expires,
        )
    except HandOverError as exc:
        if exc.raw_answer is not None:
            raise secrets.raw_answer_error(exc, out, args.name) from None
        cause = exc.__cause__
        out.abandon()
        if exc.step != "create" or cause is None:
            raise out.failed(exc) from exc
        raise cause from None  # the client's own error: the command says what it may have left
    except BaseException as interrupt:
        out.interrupted(interrupt)
        raise
    if out.destination is None:
        return Produced({}, "", printed=True)
    return Produced(out.stored(key), out.stored_text(key))


def _created_output(key: CreatedKey) -> str:
    return fmt.dump_json(fmt.created_json(key)) + "\n"


def _no_zero_limit(value: str | None, instead: str) -> str | None:
    """--credit-limit 0 is refused: the API reads 0 as no limit, the opposite of what it seems to say."""
    try:
        zero = value is not None and Decimal(value) == 0
    except InvalidOperation:  # not a number: the library names the problem
        zero = False
    if zero:
        raise InvalidInputError("credit_limit", f"{ZERO_CREDIT_LIMIT}: {instead}")
    return value


def update(session: Session) -> Output | Produced:
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
    if selection.is_bulk(args):
        KeyChanges.of(**given)  # the library's one rule, checked before the selection is read
        return bulk.update(session, changes)
    uuid = selection.one_uuid(args, "update")
    if args.name is not None and not args.allow_duplicate_name:
        KeyChanges.of(**given)  # bad input is refused before the listing
        name_is_free(session, args.name, renamed=check_uuid(uuid))
    key = session.client().keys.update(uuid, **given)
    return key.to_dict(), f"Updated key {fmt.printable(key.uuid)}\n\n{fmt.key_text(key)}"


def _confirm(session: Session, uuid: str) -> bool:
    key = session.client().keys.get(uuid)
    used = "-" if key.credit_used is None else plain_decimal(key.credit_used)
    return confirmed(
        f"Delete key {fmt.printable(repr(key.name or ''))} ({key.uuid}; {used} coins used, "
        f"status {fmt.status_of(key)})? This cannot be undone."
    )


def delete(session: Session) -> Output | Produced:
    if selection.is_bulk(session.args):
        return bulk.delete(session)
    uuid = check_uuid(selection.one_uuid(session.args, "delete"))
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
