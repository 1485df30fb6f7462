"""`keys rotate`: a new key in place of an old one, its secret handed over before the old one goes.

The steps (read, create, hand over, delete) are the library's `ops.rotate`; the command supplies
the hand-over (`on_created`: print the secret once, or write it to --secret-file) and turns a
`RotationError` into one line that names both keys and says where the new secret is.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from geekai_admin import (
    MAY_HAVE_BEEN_CREATED,
    APIResponseValidationError,
    CreatedKey,
    RotationError,
    check_name,
    check_uuid,
    ops,
)
from geekai_admin.cli import exit_codes
from geekai_admin.cli.errors import CommandFailed
from geekai_admin.cli.output import secret_file as secrets
from geekai_admin.cli.output import text as fmt
from geekai_admin.cli.output.formats import Produced

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["rotate"]


class _HandOver:
    """`on_created`: the new secret goes to the file, or to stdout once (text), or into the JSON."""

    def __init__(self, session: Session, secret_file: secrets.SecretFile | None) -> None:
        self.session = session
        self.secret_file = secret_file
        self.new: CreatedKey | None = None

    def __call__(self, new: CreatedKey) -> None:
        self.new = new
        if self.secret_file is not None:
            self.secret_file.write(new.secret)
        elif self.session.args.format != "json":
            # Printed now, before the old key is deleted: if that fails, the secret is already out.
            sys.stdout.write(fmt.created_text(new) + "\n\n")
            sys.stdout.flush()

    @property
    def where(self) -> str:
        if self.secret_file is not None:
            return f"its secret is in {self.secret_file.path}"
        if self.session.args.format == "json":
            return "its secret is in the JSON on stdout"
        return "its secret was printed above"

    def new_json(self, new: CreatedKey) -> dict[str, Any]:
        if self.secret_file is None:
            return fmt.created_json(new)
        return secrets.stored_json(new, self.secret_file.path)


def _document(hand_over: _HandOver, new: CreatedKey, old_uuid: str, deleted: bool | None) -> dict[str, Any]:
    return {"new": hand_over.new_json(new), "old": {"uuid": old_uuid, "deleted": deleted}}


def rotate(session: Session) -> Produced:
    args = session.args
    uuid = check_uuid(args.uuid)
    if args.name is not None:
        check_name(args.name)  # refused before the read, as every bad input is
    secret_file = secrets.reserve(args.secret_file, args.command)
    hand_over = _HandOver(session, secret_file)
    try:
        rotation = ops.rotate(
            session.client(), uuid, name=args.name, delete_old=not args.keep_old, on_created=hand_over
        )
    except RotationError as exc:
        if exc.new is None and isinstance(exc.__cause__, APIResponseValidationError):
            raise secrets.raw_answer_error(exc.__cause__, secret_file, f"the old key {uuid} was not touched") from None
        if secret_file is not None and exc.new is None:
            secret_file.discard()
        return _failed(hand_over, exc, args.name or exc.old.name)
    except BaseException:
        if secret_file is not None:
            secret_file.discard()  # a no-op once the secret is written: the file is then kept
        if hand_over.new is not None and secret_file is None and args.format == "json":
            # Interrupted after the create: the secret must still reach stdout, once.
            sys.stdout.write(_dump(session, _document(hand_over, hand_over.new, uuid, None)) + "\n")
        raise
    old, new = rotation.old, rotation.new
    if rotation.old_deleted:
        text = f"Deleted the old key {fmt.printable(old.uuid)}."
    else:
        text = (
            f"Kept the old key {fmt.printable(old.uuid)} (--keep-old): once every user has the new secret, "
            f"delete it with 'geekai-admin keys delete {fmt.printable(old.uuid)}'."
        )
    if secret_file is not None:
        text = f"{secrets.stored_text(new, secret_file.path)}\n\n{text}"
    return Produced(_document(hand_over, new, old.uuid, rotation.old_deleted), text)


def _dump(session: Session, document: dict[str, Any]) -> str:
    return session.redact(fmt.dump_json(document))


def _failed(hand_over: _HandOver, error: RotationError, name: str | None) -> Produced:
    """A step after the read failed: say which keys exist and where the new secret is; exit 1."""
    old, new, cause = error.old, error.new, error.__cause__
    reason = str(cause) if cause is not None else str(error)
    if new is None:
        if not error.new_may_exist:
            fate = "no new key was created"
        else:
            fate = (
                f"a new key named {name!r} {MAY_HAVE_BEEN_CREATED}: look for it with "
                "'geekai-admin keys list' and delete it"
            )
        raise CommandFailed(
            f"keys rotate: creating the new key failed: {reason}; the old key {old.uuid} was not touched; {fate}"
        )
    if error.step == "hand_over":
        raise CommandFailed(
            f"keys rotate: the new key {new.uuid} was created but its secret could not be stored ({reason}); "
            f"the old key {old.uuid} was not touched: delete {new.uuid} ('geekai-admin keys delete {new.uuid}') "
            "and rotate again"
        )
    return Produced(
        _document(hand_over, new, old.uuid, error.old_deleted),
        "",
        status=exit_codes.API_ERROR,
        complaint=(
            f"keys rotate: the new key {new.uuid} was created and {hand_over.where}, but deleting the old key "
            f"{old.uuid} failed: {reason}; both keys exist: delete {old.uuid} with "
            f"'geekai-admin keys delete {old.uuid}'"
        ),
    )
