"""`keys rotate`: a new key in place of an old one, its secret handed over before the old one goes.

The steps (read, create, hand over, delete) are the library's `keys.rotate`; the command supplies
the hand-over (`on_created`: print the secret once, or write it to --secret-file) and turns a
`RotationError` into one line that names both keys and says where the new secret is.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from geekai_admin._cli_help import page

if TYPE_CHECKING:
    from geekai_admin._cli_output import Produced
    from geekai_admin._cli_secret import SecretFile
    from geekai_admin._models import CreatedKey
    from geekai_admin.cli import _Session
    from geekai_admin.ops._rotation import RotationError

__all__ = ["add_rotate", "reserve_secret_file"]


def add_rotate(actions: Any, common: Sequence[argparse.ArgumentParser]) -> None:
    rotate = actions.add_parser(
        "rotate",
        parents=common,
        help="replace a key by a new one; the old one goes once the secret is safe",
        **page("keys rotate"),
    )
    rotate.add_argument("uuid", metavar="UUID", help="the key to replace")
    rotate.add_argument("--name", help="the new key's name (default: the old key's)")
    rotate.add_argument(
        "--keep-old", action="store_true", help="keep the old key (an overlap window; end it with 'keys delete')"
    )
    add_secret_file(rotate)
    rotate.set_defaults(handler=_rotate, command="keys rotate")


def add_secret_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret-file",
        metavar="PATH",
        help="write the new secret to this new file (mode 0600) instead of printing it; never overwrites",
    )


def reserve_secret_file(session: _Session) -> SecretFile | None:
    """The --secret-file, created now, before anything is sent; a path that cannot be is exit 2."""
    from geekai_admin._cli_secret import SecretFile, SecretFileError  # noqa: PLC0415
    from geekai_admin.cli import UsageError  # noqa: PLC0415

    path = session.args.secret_file
    if path is None:
        return None
    try:
        return SecretFile(path)
    except SecretFileError as exc:
        raise UsageError(f"{session.args.command}: {exc} (nothing was sent)") from None


class _HandOver:
    """`on_created`: the new secret goes to the file, or to stdout once (text), or into the JSON."""

    def __init__(self, session: _Session, secret_file: SecretFile | None) -> None:
        self.session = session
        self.secret_file = secret_file
        self.new: CreatedKey | None = None

    def __call__(self, new: CreatedKey) -> None:
        from geekai_admin import _cli_format as fmt  # noqa: PLC0415

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
        from geekai_admin._cli_format import created_json  # noqa: PLC0415
        from geekai_admin._cli_secret import stored_json  # noqa: PLC0415

        return created_json(new) if self.secret_file is None else stored_json(new, self.secret_file.path)


def _document(hand_over: _HandOver, new: CreatedKey, old_uuid: str, deleted: bool | None) -> dict[str, Any]:
    return {"new": hand_over.new_json(new), "old": {"uuid": old_uuid, "deleted": deleted}}


def _rotate(session: _Session) -> Produced:
    from geekai_admin import ops  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415
    from geekai_admin._cli_secret import raw_answer_error, stored_text  # noqa: PLC0415
    from geekai_admin._exceptions import APIResponseValidationError  # noqa: PLC0415
    from geekai_admin._inputs import check_name, check_uuid  # noqa: PLC0415
    from geekai_admin.ops._rotation import RotationError  # noqa: PLC0415

    args = session.args
    uuid = check_uuid(args.uuid)
    if args.name is not None:
        check_name(args.name)  # refused before the read, as every bad input is
    secret_file = reserve_secret_file(session)
    hand_over = _HandOver(session, secret_file)
    try:
        rotation = ops.rotate(
            session.client(), uuid, name=args.name, delete_old=not args.keep_old, on_created=hand_over
        )
    except RotationError as exc:
        if exc.new is None and isinstance(exc.__cause__, APIResponseValidationError):
            raise raw_answer_error(exc.__cause__, secret_file, f"the old key {uuid} was not touched") from None
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
        text = f"Deleted the old key {old.uuid}."
    else:
        text = (
            f"Kept the old key {old.uuid} (--keep-old): once every user has the new secret, "
            f"delete it with 'geekai-admin keys delete {old.uuid}'."
        )
    if secret_file is not None:
        text = f"{stored_text(new, secret_file.path)}\n\n{text}"
    return Produced(_document(hand_over, new, old.uuid, rotation.old_deleted), text)


def _dump(session: _Session, document: dict[str, Any]) -> str:
    from geekai_admin._cli_format import dump_json  # noqa: PLC0415

    return session.redact(dump_json(document))


def _failed(hand_over: _HandOver, error: RotationError, name: str | None) -> Produced:
    """A step after the read failed: say which keys exist and where the new secret is; exit 1."""
    from geekai_admin import MAY_HAVE_BEEN_CREATED  # noqa: PLC0415
    from geekai_admin._cli_output import Produced  # noqa: PLC0415
    from geekai_admin.cli import EXIT_API_ERROR, CommandFailed  # noqa: PLC0415

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
        status=EXIT_API_ERROR,
        complaint=(
            f"keys rotate: the new key {new.uuid} was created and {hand_over.where}, but deleting the old key "
            f"{old.uuid} failed: {reason}; both keys exist: delete {old.uuid} with "
            f"'geekai-admin keys delete {old.uuid}'"
        ),
    )
