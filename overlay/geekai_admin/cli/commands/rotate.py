"""`keys rotate`: a new key in place of an old one, its secret handed over before the old one goes.

The steps (read, create, hand over, delete) are the library's `ops.rotate`; the command supplies
the hand-over (`on_created`: the destination, or stdout, see `output.secret_file`) and turns a
`RotationError` into one line that names both keys and says where the new secret is.

With --json and no destination the secret leaves in the first part of one JSON document,
`{"new": {...}, `, written and flushed before the delete; the rest, `"old": {...}}`, follows it:
`"deleted"` is true, false (kept, or the delete failed) or null (interrupted during the delete).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from geekai_admin import (
    MAY_HAVE_BEEN_CREATED,
    CreatedKey,
    RotationError,
    check_name,
    check_uuid,
    ops,
)
from geekai_admin.cli import exit_codes
from geekai_admin.cli.errors import CommandFailed
from geekai_admin.cli.names import name_is_free
from geekai_admin.cli.output import secret_file as secrets
from geekai_admin.cli.output import text as fmt
from geekai_admin.cli.output.formats import Produced

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["rotate"]


class _Output:
    """stdout's part: with --json and no destination, the document in two parts around the delete."""

    def __init__(self, session: Session, out: secrets.SecretOut, old_uuid: str) -> None:
        self.session = session
        self.out = out
        self.old_uuid = old_uuid
        self.streaming = out.destination is None and session.args.format == "json"
        self.open = False
        """The first part is out: the document must be closed, whatever happens next."""
        if out.destination is None:
            out.head = self._head if self.streaming else lambda new: fmt.created_text(new) + "\n\n"

    def _document(self, new: dict[str, Any], deleted: bool | None) -> dict[str, Any]:
        return {"new": new, "old": {"uuid": self.old_uuid, "deleted": deleted}}

    def _head(self, new: CreatedKey) -> str:
        head, _ = secrets.split_document(self._document(fmt.created_json(new), None))
        self.open = True
        return head

    def new_json(self, new: CreatedKey) -> dict[str, Any]:
        return fmt.created_json(new) if self.out.destination is None else self.out.stored(new)

    def close(self, deleted: bool | None) -> str:
        """The document's last part; "" when it was never opened."""
        if not self.open:
            return ""
        self.open = False
        _, tail = secrets.split_document(self._document({}, deleted))
        return tail

    def produced(self, new: CreatedKey, deleted: bool, text: str, **failure: Any) -> Produced:
        """What is left to print, once the old key's fate is known."""
        if self.streaming:
            try:
                secrets.write_out(self.close(deleted) + "\n")
            except ops.DeliveryError as exc:
                raise CommandFailed(
                    f"keys rotate: stdout failed after the new key {new.uuid} and its secret were written "
                    f"({exc.problem}); the old key {self.old_uuid} was " + ("deleted" if deleted else "not deleted")
                ) from None
            return Produced({}, "", printed=True, **failure)
        if self.out.destination is not None:
            text = f"{self.out.stored_text(new)}\n\n{text}" if text else text
        return Produced(self._document(self.new_json(new), deleted), text, **failure)

    @property
    def where(self) -> str:
        if self.out.destination is not None:
            return f"its secret is in {self.out.where}"
        if self.streaming:
            return "its secret is in the JSON on stdout"
        return "its secret was printed above"


def rotate(session: Session) -> Produced:
    args = session.args
    uuid = check_uuid(args.uuid)
    if args.name is not None:
        check_name(args.name)  # refused before the read, as every bad input is
    out = secrets.SecretOut.reserve(session, replace=True)
    if args.name is not None and not args.allow_duplicate_name:
        try:
            name_is_free(session, args.name, renamed=uuid)
        except BaseException:
            out.abandon()
            raise
    output = _Output(session, out, uuid)
    try:
        rotation = ops.rotate(
            session.client(), uuid, name=args.name, delete_old=not args.keep_old, on_created=out.hand_over
        )
    except RotationError as exc:
        if exc.raw_answer is not None:
            raise secrets.raw_answer_error(exc, out, args.name or exc.old.name or "", secrets.untouched(uuid)) from None
        if not out.delivered:
            out.abandon()
        return _failed(output, exc, args.name or exc.old.name)
    except BaseException as interrupt:
        out.interrupted(interrupt, f"; {secrets.untouched(uuid)}")
        if output.open:  # interrupted during the delete: the secret is out, the old key's fate unknown
            with contextlib.suppress(ops.DeliveryError):
                secrets.write_out(output.close(None) + "\n")
        raise
    old, new = rotation.old, rotation.new
    if rotation.old_deleted:
        text = f"Deleted the old key {fmt.printable(old.uuid)}."
    else:
        text = (
            f"Kept the old key {fmt.printable(old.uuid)} (--keep-old): once every user has the new secret, "
            f"delete it with 'geekai-admin keys delete {fmt.printable(old.uuid)}'."
        )
    return output.produced(new, rotation.old_deleted, text)


def _failed(output: _Output, error: RotationError, name: str | None) -> Produced:
    """A step after the read failed: say which keys exist and where the new secret is; exit 1."""
    old, new, cause = error.old, error.new, error.__cause__
    reason = str(cause) if cause is not None else str(error)
    untouched = f"; {secrets.untouched(old.uuid)}"
    if error.step == "hand_over":
        raise output.out.failed(error, untouched)
    if new is None:
        if not error.new_may_exist:
            fate = "no new key was created"
        else:
            fate = (
                f"a new key named {name!r} {MAY_HAVE_BEEN_CREATED}: look for it with "
                "'geekai-admin keys list' and delete it"
            )
        raise CommandFailed(f"keys rotate: creating the new key failed: {reason}{untouched}; {fate}")
    return output.produced(
        new,
        False,
        "",
        status=exit_codes.API_ERROR,
        complaint=(
            f"keys rotate: the new key {new.uuid} was created and {output.where}, but deleting the old key "
            f"{old.uuid} failed: {reason}; both keys exist: delete {old.uuid} with "
            f"'geekai-admin keys delete {old.uuid}'"
        ),
    )
