"""Key rotation: read the old key, create its successor, hand the secret over, then delete the old key.

The steps and what a failure at each one means are written once, in `rotation_flow` (a generator
that does no I/O), on the hand-over rule of `_handover`: the old key is deleted only once
`on_created` stored the new secret; a hand-over that raised deletes the new key and leaves the old
one. Without `on_created` the old key stays: store `rotation.new.secret`, then `retire()` it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Coroutine, Generator
from typing import Any, overload

from geekai_admin import _calls as calls
from geekai_admin._calls import NOT_GIVEN, KeyChanges, NotGiven
from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
from geekai_admin._exceptions import MAY_HAVE_BEEN_CREATED, InvalidInputError, surely_not_created
from geekai_admin._flow import run_async, run_sync
from geekai_admin._inputs import check_group, check_name
from geekai_admin._models import ApiKey, CreatedKey
from geekai_admin._types import Amount, DateLike, KeyRef
from geekai_admin.ops._driving import Client, drive, sync_client
from geekai_admin.ops._handover import (
    CreateStep,
    DeleteStep,
    HandOver,
    HandOverError,
    HandOverStep,
    Step,
    checked_hand_over,
    create_fate,
    deliver_or_undo,
    in_line,
    interrupt_first,
    note,
    performer,
    said,
)
from geekai_admin.ops._selection import key_label

__all__ = ["HandOver", "Rotation", "RotationError", "RotationStep", "retire", "rotate", "rotation_flow"]

_OPERATION = "ops.rotate"
"""How the rotation's messages and interrupt notes name it."""

RotationStep = HandOverStep
"""The step of a rotation that failed: creating the new key, handing it over (`on_created`), deleting the old one."""


@dataclasses.dataclass(frozen=True, slots=True)
class Rotation:
    """A finished rotation: the `new` key (with its secret, masked in repr), the `old` key as read,
    and whether the old key was deleted (False without `on_created` or with delete_old=False:
    store the secret, then `ops.retire(client, rotation)`)."""

    new: CreatedKey
    old: ApiKey
    old_deleted: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"new": KEY + {"secret": ...}, "old": {"uuid": ..., "deleted": ...}}. Holds the secret."""
        return {
            "new": {**self.new.key().to_dict(), "secret": self.new.secret},
            "old": {"uuid": self.old.uuid, "deleted": self.old_deleted},
        }


class RotationError(HandOverError):
    """A rotation failed after the old key was read; `__cause__` is the underlying error.

    As HandOverError (`step`, `new`, `new_deleted`, `new_may_exist`), and `old`, the old key as
    read, with `old_deleted` False: the old key is deleted last, and only after the hand-over.
    """

    def __init__(
        self,
        message: str,
        *,
        step: RotationStep,
        old: ApiKey,
        new: CreatedKey | None,
        old_deleted: bool = False,
        new_deleted: bool = False,
        new_may_exist: bool | None = None,
    ) -> None:
        super().__init__(message, step=step, new=new, new_deleted=new_deleted, new_may_exist=new_may_exist)
        self.old = old
        self.old_deleted = old_deleted


# --- the steps ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Read:
    uuid: str
    name: str | None
    """The new key's name when given: the old key need not state one."""


_Step = _Read | Step


def _delete_failed(error: Exception, old: ApiKey, new: CreatedKey, handed_over: bool, operation: str) -> RotationError:
    where = "handed over, and on this error's .new.secret" if handed_over else "on this error's .new.secret"
    return RotationError(
        f"{operation}: deleting the old key failed ({said(error, new.secret)}); both keys exist: "
        f"new {key_label(new)}, its secret {where}; old {key_label(old)}, not (or not surely) deleted: "
        f"delete it with keys.delete({old.uuid!r})",
        step="delete",
        old=old,
        new=new,
    )


def _complete(key: ApiKey, name: str | None) -> bool:
    """An ApiKey passed in has what the create needs (as in update, None limit/expiry mean none)."""
    return (name is not None or key.name is not None) and key.group is not None


def rotation_flow(
    key: KeyRef,
    *,
    name: str | None,
    delete_old: bool,
    hand_over: bool,
    group: object = NOT_GIVEN,
    credit_limit: object = NOT_GIVEN,
    expires: object = NOT_GIVEN,
    operation: str = _OPERATION,
) -> Generator[_Step, Any, Rotation]:
    """The rotation's steps; raises InvalidInputError before the first step for bad arguments.
    `group`, `credit_limit`, `expires`: the new key's, when not the old key's (NOT_GIVEN).
    `operation` begins its messages and names it in its interrupt notes (`ops.apply` runs it too)."""
    new_name = None if name is None else check_name(name)
    if not isinstance(delete_old, bool):
        raise InvalidInputError("delete_old", f"expected True or False, got {delete_old!r}")
    overrides = KeyChanges.checked(group=group, credit_limit=credit_limit, expires=expires)
    old_uuid = calls.key_uuid(key)
    # A failed read changes nothing: its error propagates as is.
    old: ApiKey = key if isinstance(key, ApiKey) and _complete(key, new_name) else (yield _Read(old_uuid, new_name))
    chosen_name = new_name if new_name is not None else old.name
    untouched = f"; old key {old.uuid} is untouched"

    try:
        # A name or group the create cannot send fails here, before anything is sent.
        create = CreateStep(
            name=check_name(chosen_name),
            group=check_group(old.group if isinstance(overrides.group, NotGiven) else overrides.group).value,
            credit_limit=old.credit_limit if isinstance(overrides.credit_limit, NotGiven) else overrides.credit_limit,
            expires=old.expires if isinstance(overrides.expires, NotGiven) else overrides.expires,
        )
        new: CreatedKey = yield create
    except Exception as error:
        raise RotationError(
            f"{operation}: creating the new key failed ({said(error, None)}){untouched}; "
            f"{create_fate(error, str(chosen_name))}",
            step="create",
            old=old,
            new=None,
            new_may_exist=not surely_not_created(error),
        ) from error
    except BaseException as interrupt:
        note(
            interrupt,
            operation,
            f"interrupted creating the new key{untouched}; a new key named {chosen_name!r} {MAY_HAVE_BEEN_CREATED}",
        )
        raise

    if hand_over:
        try:
            yield from deliver_or_undo(new, operation=operation, untouched=untouched)
        except HandOverError as failed:
            raise RotationError(
                failed.message,
                step=failed.step,
                old=old,
                new=failed.new,
                new_deleted=failed.new_deleted,
                new_may_exist=failed.new_may_exist,
            ) from failed.__cause__

    if delete_old:
        try:
            yield DeleteStep(old.uuid)
        except Exception as error:
            raise _delete_failed(error, old, new, hand_over, operation) from error
        except BaseException as interrupt:
            handed = " (its secret was handed over)" if hand_over else ""
            note(
                interrupt,
                operation,
                f"interrupted deleting the old key: new {key_label(new)} exists{handed}; old key {old.uuid} may "
                "still exist",
            )
            raise
    return Rotation(new=new, old=old, old_deleted=delete_old)


# --- the drivers -------------------------------------------------------------------------------


def _performer(keys: Keys | AsyncKeys, on_created: HandOver | None) -> Any:
    """The hand-over's performer, plus the rotation's read (by the client's own method)."""

    def read(step: _Read) -> object:
        return keys._read_to_copy(step.uuid, step.name)

    return performer(keys, on_created, read)


def _deletes_old(delete_old: bool | None, on_created: HandOver | None) -> bool:
    """Whether the old key goes in this call: only after a hand-over (the rule), unless told to keep it."""
    if delete_old is None:
        return on_created is not None
    if delete_old is True and on_created is None:
        raise InvalidInputError(
            "delete_old",
            "the old key is deleted only once on_created stored the new secret: pass on_created, or rotate "
            "without it and call ops.retire(client, rotation) once rotation.new.secret is stored",
        )
    return delete_old


@overload
def rotate(
    client: GeekAIAdmin,
    key: KeyRef,
    *,
    on_created: HandOver | None = ...,
    name: str | None = ...,
    delete_old: bool | None = ...,
    group: str | NotGiven = ...,
    credit_limit: Amount | NotGiven | None = ...,
    expires: DateLike | NotGiven | None = ...,
) -> Rotation: ...
@overload
def rotate(
    client: AsyncGeekAIAdmin,
    key: KeyRef,
    *,
    on_created: HandOver | None = ...,
    name: str | None = ...,
    delete_old: bool | None = ...,
    group: str | NotGiven = ...,
    credit_limit: Amount | NotGiven | None = ...,
    expires: DateLike | NotGiven | None = ...,
) -> Coroutine[Any, Any, Rotation]: ...
def rotate(
    client: Client,
    key: KeyRef,
    *,
    on_created: HandOver | None = None,
    name: str | None = None,
    delete_old: bool | None = None,
    group: str | NotGiven = NOT_GIVEN,
    credit_limit: Amount | NotGiven | None = NOT_GIVEN,
    expires: DateLike | NotGiven | None = NOT_GIVEN,
) -> Rotation | Coroutine[Any, Any, Rotation]:
    """Replace a key with a new one, with `client` (awaitable with AsyncGeekAIAdmin): same name (or
    `name`), group, credit limit and expiry (or `group`, `credit_limit`, `expires`).

    Reads the old key (unless `key` is an ApiKey stating its name and group: its None limit and
    expiry then mean none, as in update), creates the new key, calls `on_created(new)` (the
    hand-over: store the secret there), and only once that returned deletes the old key (unless
    `delete_old=False`: the overlap is then yours). If `on_created` raises, the new key is deleted
    (no one could use it) and the old one stays. Without `on_created` the old key is never
    deleted here: store `rotation.new.secret`, then call `ops.retire(client, rotation)`.
    Credit used does not carry over: the new key starts at 0, enabled whatever the old one was.

    A failure after the read raises RotationError: `.step` says where, `.new` holds the new key
    and its secret while it exists undelivered, `.old` the old key, never deleted before the
    hand-over returned. Its message names the keys that exist, never the secret.

    An interrupt (KeyboardInterrupt, cancellation) goes on as it came, with an InterruptNote on what
    may exist. One that came while a delivery command ran which then failed on its own
    (`ops.DeliveryError.interrupt`) goes on once the new key is deleted, raised from the
    RotationError that says so (its `__cause__`).
    """
    on_created = checked_hand_over(on_created)
    flow = interrupt_first(
        rotation_flow(
            key,
            name=name,
            delete_old=_deletes_old(delete_old, on_created),
            hand_over=on_created is not None,
            group=group,
            credit_limit=credit_limit,
            expires=expires,
        )
    )
    if isinstance(client, AsyncGeekAIAdmin):
        return run_async(flow, _performer(client.keys, on_created))
    keys = sync_client(client).keys
    return run_sync(flow, _performer(keys, None if on_created is None else in_line(on_created)))


def _retired(rotation: Rotation) -> Generator[Any, Any, Rotation]:
    if rotation.old_deleted:  # retired already: a second DELETE could only fail
        return rotation
    yield lambda client: client.keys.delete(rotation.old.uuid)
    return dataclasses.replace(rotation, old_deleted=True)


@overload
def retire(client: GeekAIAdmin, rotation: Rotation) -> Rotation: ...
@overload
def retire(client: AsyncGeekAIAdmin, rotation: Rotation) -> Coroutine[Any, Any, Rotation]: ...
def retire(client: Client, rotation: Rotation) -> Rotation | Coroutine[Any, Any, Rotation]:
    """Delete a rotation's old key, once its new secret is stored: the rotation, `old_deleted` True.
    A rotation whose old key was deleted already is returned as is, with nothing sent; a failed
    delete raises the client's error as is (the old key then stays: retire again)."""
    if not isinstance(rotation, Rotation):
        raise InvalidInputError("rotation", f"expected the Rotation ops.rotate returned, got {type(rotation).__name__}")
    return drive(client, _retired(rotation))
