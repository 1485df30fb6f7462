"""The duplicate-name check of the commands that give a key a name (`keys create`, `keys update
--name`, `keys rotate --name`): plan and apply tell keys apart by name, so a second key of one
name would block them. `--allow-duplicate-name` skips it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geekai_admin import APIResponseValidationError
from geekai_admin.cli.errors import CommandFailed, UsageError
from geekai_admin.cli.output.text import printable

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = ["name_is_free", "names_one_key"]


def name_is_free(session: Session, name: str, *, renamed: str | None = None) -> None:
    """A second key of one name would block plan and apply, which tell keys apart by name; `renamed`:
    the uuid of the key that takes the name (an update, a rotation's old key), not counted. Checked
    by a listing, so two commands creating one name at once can both pass (docs/command.md)."""
    command = session.args.command
    nothing = "no key was created" if command == "keys create" else "nothing was changed"
    try:
        keys = session.client().keys.list()
    except APIResponseValidationError as error:
        raise CommandFailed(
            f"{command}: the duplicate-name check could not list the keys ({error.problem}); {nothing}: pass "
            "--allow-duplicate-name to go on without the check"
        ) from None
    same = [key.uuid for key in keys if key.name == name and key.uuid != renamed]
    if same:
        raise UsageError(
            f"{command}: --name: a key named {printable(repr(name))} already exists ({', '.join(same)}); "
            f"plan and apply tell keys apart by name: choose another name, or pass --allow-duplicate-name ({nothing})"
        )


def names_one_key(session: Session, name: str, uuids: list[str]) -> None:
    """A bulk `keys update --name`: one name for several keys is refused; for one key, `name_is_free`."""
    if len(uuids) > 1:
        raise UsageError(
            f"{session.args.command}: --name: the {len(uuids)} keys selected would all be named "
            f"{printable(repr(name))}; plan and apply tell keys apart by name: select one key, or pass "
            "--allow-duplicate-name (nothing was changed)"
        )
    if uuids:
        name_is_free(session, name, renamed=uuids[0])
