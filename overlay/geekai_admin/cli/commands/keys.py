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
    APIResponseValidationError,
    InvalidInputError,
    KeyChanges,
    check_uuid,
    plain_decimal,
)
from geekai_admin.cli import selection
from geekai_admin.cli.commands import bulk
from geekai_admin.cli.console import confirmed
from geekai_admin.cli.errors import CommandFailed, UsageError
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
    args = session.args
    _no_zero_limit(args.credit_limit, "leave --credit-limit out for a key without a limit")
    secret_file = secrets.reserve(args.secret_file, args.command)
    try:
        key = session.client().keys.create(
            name=args.name, group=args.group, credit_limit=args.credit_limit, expires=args.expires
        )
    except APIResponseValidationError as exc:
        raise secrets.raw_answer_error(exc, secret_file) from None
    except BaseException:
        if secret_file is not None:
            secret_file.discard()
        raise
    if secret_file is None:
        return fmt.created_json(key), fmt.created_text(key)
    try:
        secret_file.write(key.secret)
    except secrets.SecretFileError as exc:
        raise CommandFailed(
            f"keys create: key {key.uuid} was created, but {exc}: the secret is lost; delete the key "
            f"('geekai-admin keys delete {key.uuid}') and create another"
        ) from None
    return Produced(secrets.stored_json(key, secret_file.path), secrets.stored_text(key, secret_file.path))


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
    key = session.client().keys.update(selection.one_uuid(args, "update"), **given)
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
