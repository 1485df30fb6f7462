"""Key rotation: read the old key, create its successor, hand the secret over, then delete the old key.

The steps and what a failure at each one means are written once, in `rotation_flow` (a generator
that does no I/O); `rotate` drives it with either client's `keys` resource. The old
key is never deleted before the hand-over returned, and the new secret is never lost: after the
create, it travels on the result or on the raised RotationError.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
from collections.abc import Callable, Coroutine, Generator
from decimal import Decimal
from typing import Any, Literal, overload

from geekai_admin import _calls as calls
from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
from geekai_admin._exceptions import (
    MAY_HAVE_BEEN_CREATED,
    APIResponseValidationError,
    GeekAIError,
    InvalidInputError,
    surely_not_created,
)
from geekai_admin._flow import run_async, run_sync
from geekai_admin._inputs import check_group, check_name
from geekai_admin._models import ApiKey, CreatedKey
from geekai_admin._types import KeyRef
from geekai_admin.ops._driving import Client, sync_client
from geekai_admin.ops._selection import key_label

__all__ = ["HandOver", "Rotation", "RotationError", "RotationStep", "rotate", "rotation_flow"]

RotationStep = Literal["create", "hand_over", "delete"]
"""The step of a rotation that failed: creating the new key, handing it over (`on_created`), deleting the old one."""
HandOver = Callable[[CreatedKey], object]
"""Receives the new key (with its secret) before the old key is touched; async: may return an awaitable."""


@dataclasses.dataclass(frozen=True, slots=True)
class Rotation:
    """A finished rotation: the `new` key (with its secret, masked in repr), the `old` key as read,
    and whether the old key was deleted (False with delete_old=False: delete it when you are done)."""

    new: CreatedKey
    old: ApiKey
    old_deleted: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"new": KEY + {"secret": ...}, "old": {"uuid": ..., "deleted": ...}}. Holds the secret."""
        return {
            "new": {**self.new.key().to_dict(), "secret": self.new.secret},
            "old": {"uuid": self.old.uuid, "deleted": self.old_deleted},
        }


class RotationError(GeekAIError):
    """A rotation failed after the old key was read; `__cause__` is the underlying error.

    `step` is where it failed ("create", "hand_over" or "delete"); `old` the old key as read;
    `new` the new key with its secret once the create succeeded (else None); `new_may_exist` is
    True when a failed create may still have made a key whose secret is unknown (a 5xx, a lost
    answer, an unreadable one: look for it in `keys.list()`); `old_deleted` is False (deleting
    the old key is the last step). The message says which keys exist and where the new secret
    is, never the secret itself.
    """

    def __init__(
        self,
        message: str,
        *,
        step: RotationStep,
        old: ApiKey,
        new: CreatedKey | None,
        old_deleted: bool = False,
        new_may_exist: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.step: RotationStep = step
        self.old = old
        self.new = new
        self.old_deleted = old_deleted
        self.new_may_exist: bool = new is not None if new_may_exist is None else new_may_exist


# --- the steps ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Read:
    uuid: str
    name: str | None
    """The new key's name when given: the old key need not state one."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Create:
    name: str
    group: str
    credit_limit: Decimal | None
    expires: datetime.date | None


@dataclasses.dataclass(frozen=True, slots=True)
class _HandOver:
    new: CreatedKey


@dataclasses.dataclass(frozen=True, slots=True)
class _Delete:
    uuid: str


_Step = _Read | _Create | _HandOver | _Delete


def _said(error: BaseException, secret: str | None) -> str:
    """The underlying error for a message, one line, with the secret (should it appear) cut out."""
    text = " ".join(str(error).split()) or type(error).__name__
    if not isinstance(error, GeekAIError):
        text = f"{type(error).__name__}: {text}"
    return text.replace(secret, "<secret>") if secret else text


def _create_failed(error: Exception, old: ApiKey, name: str | None) -> RotationError:
    untouched = f"old key {old.uuid} is untouched"
    if isinstance(error, APIResponseValidationError):
        fate = (
            "the new key may have been created: its secret, if so, is only in the raw answer, "
            "on this error's __cause__ (.response, .body)"
        )
    elif surely_not_created(error):
        fate = "no new key was created"
    else:
        fate = f"a new key named {name!r} {MAY_HAVE_BEEN_CREATED}: look for it in keys.list()"
    return RotationError(
        f"ops.rotate: creating the new key failed ({_said(error, None)}); {untouched}; {fate}",
        step="create",
        old=old,
        new=None,
        new_may_exist=not surely_not_created(error),
    )


def _hand_over_failed(error: Exception, old: ApiKey, new: CreatedKey) -> RotationError:
    return RotationError(
        f"ops.rotate: the hand-over (on_created) raised ({_said(error, new.secret)}); new {key_label(new)} exists, "
        f"its secret is on this error's .new.secret; old key {old.uuid} is untouched (not deleted)",
        step="hand_over",
        old=old,
        new=new,
    )


def _delete_failed(error: Exception, old: ApiKey, new: CreatedKey, handed_over: bool) -> RotationError:
    where = "handed over, and on this error's .new.secret" if handed_over else "on this error's .new.secret"
    return RotationError(
        f"ops.rotate: deleting the old key failed ({_said(error, new.secret)}); both keys exist: "
        f"new {key_label(new)}, its secret {where}; old {key_label(old)}, not (or not surely) deleted: "
        f"delete it with keys.delete({old.uuid!r})",
        step="delete",
        old=old,
        new=new,
    )


def _note(interrupt: BaseException, note: str) -> None:
    """Says on a KeyboardInterrupt or cancellation where the rotation stopped (a dropped flow is not one)."""
    if not isinstance(interrupt, GeneratorExit):
        interrupt.add_note(note)


def _complete(key: ApiKey, name: str | None) -> bool:
    """An ApiKey passed in has what the create needs (as in update, None limit/expiry mean none)."""
    return (name is not None or key.name is not None) and key.group is not None


def rotation_flow(
    key: KeyRef, *, name: str | None, delete_old: bool, hand_over: bool
) -> Generator[_Step, Any, Rotation]:
    """The rotation's steps; raises InvalidInputError before the first step for bad arguments."""
    new_name = None if name is None else check_name(name)
    if not isinstance(delete_old, bool):
        raise InvalidInputError("delete_old", f"expected True or False, got {delete_old!r}")
    old_uuid = calls.key_uuid(key)
    # A failed read changes nothing: its error propagates as is.
    old: ApiKey = key if isinstance(key, ApiKey) and _complete(key, new_name) else (yield _Read(old_uuid, new_name))
    chosen_name = new_name if new_name is not None else old.name

    try:
        # A name or group the create cannot send fails here, before anything is sent.
        create = _Create(check_name(chosen_name), check_group(old.group).value, old.credit_limit, old.expires)
        new: CreatedKey = yield create
    except Exception as error:
        raise _create_failed(error, old, chosen_name) from error
    except BaseException as interrupt:
        _note(
            interrupt,
            f"ops.rotate was interrupted creating the new key: old key {old.uuid} is untouched; "
            f"a new key named {chosen_name!r} {MAY_HAVE_BEEN_CREATED}",
        )
        raise

    if hand_over:
        try:
            yield _HandOver(new)
        except Exception as error:
            raise _hand_over_failed(error, old, new) from error
        except BaseException as interrupt:
            _note(
                interrupt,
                f"ops.rotate was interrupted in the hand-over: new {key_label(new)} exists, its secret only "
                f"where on_created put it; old key {old.uuid} is untouched",
            )
            raise

    if delete_old:
        try:
            yield _Delete(old.uuid)
        except Exception as error:
            raise _delete_failed(error, old, new, hand_over) from error
        except BaseException as interrupt:
            handed = " (its secret was handed over)" if hand_over else ""
            _note(
                interrupt,
                f"ops.rotate was interrupted deleting the old key: new {key_label(new)} exists{handed}; "
                f"old key {old.uuid} may still exist",
            )
            raise
    return Rotation(new=new, old=old, old_deleted=delete_old)


# --- the drivers -------------------------------------------------------------------------------


def _performer(keys: Keys | AsyncKeys, on_created: HandOver | None) -> Callable[[_Step], object]:
    """Performs one step with the client's own methods (results are awaitables on the async client)."""

    def perform(step: _Step) -> object:
        if isinstance(step, _Read):
            return keys._read_to_copy(step.uuid, step.name)
        if isinstance(step, _Create):
            return keys.create(
                name=step.name,
                group=step.group,
                credit_limit=step.credit_limit,
                expires=step.expires,
            )
        if isinstance(step, _HandOver):
            return None if on_created is None else on_created(step.new)
        return keys.delete(step.uuid)

    return perform


def _in_line(on_created: HandOver) -> HandOver:
    """The sync client's hand-over: an awaitable from it would never run, so it counts as a failure."""

    def hand_over(new: CreatedKey) -> object:
        outcome = on_created(new)
        if inspect.isawaitable(outcome):
            if inspect.iscoroutine(outcome):
                outcome.close()
            raise TypeError("on_created returned an awaitable, which GeekAIAdmin cannot await (use AsyncGeekAIAdmin)")
        return outcome

    return hand_over


def _checked_hand_over(on_created: HandOver | None) -> HandOver | None:
    """Refused before anything is sent: a hand-over that cannot be called would fail after the create."""
    if on_created is not None and not callable(on_created):
        raise InvalidInputError("on_created", f"expected a function or None, got {type(on_created).__name__}")
    return on_created


@overload
def rotate(
    client: GeekAIAdmin,
    key: KeyRef,
    *,
    name: str | None = ...,
    delete_old: bool = ...,
    on_created: HandOver | None = ...,
) -> Rotation: ...
@overload
def rotate(
    client: AsyncGeekAIAdmin,
    key: KeyRef,
    *,
    name: str | None = ...,
    delete_old: bool = ...,
    on_created: HandOver | None = ...,
) -> Coroutine[Any, Any, Rotation]: ...
def rotate(
    client: Client,
    key: KeyRef,
    *,
    name: str | None = None,
    delete_old: bool = True,
    on_created: HandOver | None = None,
) -> Rotation | Coroutine[Any, Any, Rotation]:
    """Replace a key with a new one, with `client` (awaitable with AsyncGeekAIAdmin): same name (or
    `name`), group, credit limit and expiry.

    Reads the old key (unless `key` is an ApiKey stating its name and group: its None limit and
    expiry then mean none, as in update), creates the new key, calls `on_created(new)` (the
    hand-over: store the secret there), and only once that returned, deletes the old key,
    unless `delete_old=False` (the overlap is then yours: delete it with `keys.delete`).
    Credit used does not carry over: the new key starts at 0, and it is enabled whatever the
    old one was. With AsyncGeekAIAdmin, `on_created` may return an awaitable, which is awaited.

    A failure after the read raises RotationError: `.step` says where, `.new` holds the new
    key and its secret once it was created, `.old` the old key, which is never deleted before
    the hand-over returned. Its message names the keys that exist, never the secret.
    """
    on_created = _checked_hand_over(on_created)
    flow = rotation_flow(key, name=name, delete_old=delete_old, hand_over=on_created is not None)
    if isinstance(client, AsyncGeekAIAdmin):
        return run_async(flow, _performer(client.keys, on_created))
    keys = sync_client(client).keys
    return run_sync(flow, _performer(keys, None if on_created is None else _in_line(on_created)))
