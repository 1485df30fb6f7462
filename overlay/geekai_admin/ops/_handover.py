"""The one hand-over rule, wherever a secret is born (a create with a destination, a rotation, keys as code).

A new key's secret exists once, in the create's answer. So, after the create:

1. the secret is handed over (`on_created(new)`); it counts as delivered only once that returned;
2. a hand-over that raised deletes the new key (no one can use a key whose secret is lost) and
   touches nothing else; the error says whether that delete worked;
3. only a delivered secret lets anything depend on it: an old key is deleted after step 1, never before.

A hand-over that may or may not have stored the secret deletes nothing: an interrupt
(KeyboardInterrupt, cancellation, a timeout) during it leaves both keys, with a note on the
interrupt; a DeliveryUncertain (a delivery command stopped before it exited) keeps the new key and
raises HandOverError naming it (`.new`), the old key untouched. A delivery command that failed on
its own after an interrupt came (DeliveryError.interrupt) is a failed hand-over, undone as any;
then `ops.create` and `ops.rotate` let the interrupt go on (`interrupt_first`).
The steps are written once, as generators that do no I/O; `ops.create` and `ops.rotate` drive them
with either client.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
from collections.abc import Callable, Coroutine, Generator
from decimal import Decimal
from typing import Any, Literal, TypeVar, overload

from geekai_admin._calls import NOT_GIVEN, KeyChanges, NotGiven
from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
from geekai_admin._exceptions import (
    MAY_HAVE_BEEN_CREATED,
    APIResponseValidationError,
    GeekAIError,
    InvalidInputError,
    surely_not_created,
)
from geekai_admin._flow import run_async, run_sync
from geekai_admin._inputs import check_name
from geekai_admin._models import CreatedKey
from geekai_admin._types import Amount, DateLike
from geekai_admin.ops._destinations import DeliveryError, DeliveryUncertain
from geekai_admin.ops._driving import Client, sync_client
from geekai_admin.ops._selection import key_label

__all__ = [
    "CreateStep",
    "DeleteStep",
    "HandOver",
    "HandOverCall",
    "HandOverError",
    "HandOverStep",
    "InterruptNote",
    "Step",
    "checked_hand_over",
    "create",
    "create_fate",
    "create_step",
    "creation_flow",
    "deliver_or_undo",
    "in_line",
    "interrupt_first",
    "note",
    "performer",
    "said",
]

S = TypeVar("S")
R = TypeVar("R")

HandOverStep = Literal["create", "hand_over", "delete"]
"""Where a hand-over failed: creating the new key, handing its secret over (`on_created`), or
deleting the old key after it (a rotation)."""
HandOver = Callable[[CreatedKey], object]
"""Receives the new key (with its secret) and stores the secret; delivered once it returns. With
AsyncGeekAIAdmin it may return an awaitable, which is awaited."""


class HandOverError(GeekAIError):
    """A new key's hand-over failed; `__cause__` is the underlying error. The message says which
    keys exist and where the new secret is, never the secret itself.

    `step`: "create", "hand_over" or "delete". `new`: the new key with its secret while it exists
    and its secret was not surely stored elsewhere (else None). `new_deleted`: a failed hand-over
    deleted the new key. `new_may_exist`: a failed create may still have made a key whose secret
    is unknown (look for it in `keys.list()`). `raw_answer`: a create answered with a body that
    could not be read, which may hold the new secret.
    """

    def __init__(
        self,
        message: str,
        *,
        step: HandOverStep,
        new: CreatedKey | None,
        new_deleted: bool = False,
        new_may_exist: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.step: HandOverStep = step
        self.new = new
        self.new_deleted = new_deleted
        self.new_may_exist: bool = new is not None if new_may_exist is None else new_may_exist

    @property
    def raw_answer(self) -> str | None:
        """The server's raw answer to a create it may have carried out but whose answer could not be
        read (step "create"): the new key's secret, if the key exists, is there and nowhere else.
        None otherwise. Read from the cause, so it is never pickled with the error."""
        cause = self.__cause__
        if self.step == "create" and isinstance(cause, APIResponseValidationError):
            return cause.body
        return None


# --- the steps ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class CreateStep:
    """The create, with only the fields given (NOT_GIVEN ones take keys.create's defaults)."""

    name: str
    group: str | NotGiven = NOT_GIVEN
    credit_limit: Decimal | NotGiven | None = NOT_GIVEN
    expires: datetime.date | NotGiven | None = NOT_GIVEN


@dataclasses.dataclass(frozen=True, slots=True)
class HandOverCall:
    new: CreatedKey


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteStep:
    uuid: str


Step = CreateStep | HandOverCall | DeleteStep


def said(error: BaseException, secret: str | None) -> str:
    """The underlying error for a message, one line, with the secret (should it appear) cut out."""
    text = " ".join(str(error).split()) or type(error).__name__
    if not isinstance(error, GeekAIError):
        text = f"{type(error).__name__}: {text}"
    return text.replace(secret, "<secret>") if secret else text


def create_fate(error: Exception, name: str) -> str:
    """What a failed create may have left behind, in one clause."""
    if isinstance(error, APIResponseValidationError):
        return "the new key may have been created: its secret, if so, is only in the server's raw answer (.raw_answer)"
    if surely_not_created(error):
        return "no new key was created"
    return f"a new key named {name!r} {MAY_HAVE_BEEN_CREATED}: look for it in the key list"


class InterruptNote(str):
    """A note `ops.create`, `ops.rotate` and `ops.apply` add to an interrupt (KeyboardInterrupt,
    cancellation) that stopped them: where the operation stopped and what may exist now, never a
    secret. Its text, as a traceback shows it, is "OPERATION was WHAT"; both parts are kept:

    - `operation`: the library's function ("ops.create", "ops.rotate", "apply: create 'ci'");
    - `what`: the rest, without naming the operation ("interrupted creating the key: a key named
      'ci' may have been created, its secret unknown"), for a program that names the operation in
      its own words (the command prints "keys create was " + `what`).

    It is found in the interrupt's `__notes__`, among plain strings (notes that name no operation).
    """

    operation: str
    what: str

    def __new__(cls, operation: str, what: str) -> InterruptNote:
        text = super().__new__(cls, f"{operation} was {what}")
        text.operation = operation
        text.what = what
        return text

    def __reduce__(self) -> tuple[type[InterruptNote], tuple[str, str]]:
        return type(self), (self.operation, self.what)


def note(interrupt: BaseException, operation: str, what: str) -> None:
    """Says on a KeyboardInterrupt or cancellation where `operation` stopped, as an InterruptNote (a
    dropped flow, GeneratorExit, is not an interrupt)."""
    if not isinstance(interrupt, GeneratorExit):
        interrupt.add_note(InterruptNote(operation, what))


def deliver_or_undo(new: CreatedKey, *, operation: str, untouched: str = "") -> Generator[Step, Any, None]:
    """Hands the new secret over; if that raises, deletes the new key and raises HandOverError (a
    RotationError's fields are added by the caller). `untouched` ("; old key X is untouched") ends
    each message. An interrupt or a DeliveryUncertain deletes nothing (the hand-over may have stored the secret)."""
    try:
        yield HandOverCall(new)
    except DeliveryUncertain as error:
        raise HandOverError(
            f"{operation}: the hand-over did not finish ({said(error, new.secret)}): new {key_label(new)} was "
            f"kept, as its secret may be in use; its secret is on this error's .new.secret{untouched}",
            step="hand_over",
            new=new,
        ) from error
    except Exception as error:
        reason = said(error, new.secret)
        try:
            yield DeleteStep(new.uuid)
        except Exception as undo:
            raise HandOverError(
                f"{operation}: delivering the new secret failed ({reason}); deleting the new key failed too "
                f"({said(undo, new.secret)}): new {key_label(new)} exists, its secret is on this error's "
                f".new.secret{untouched}",
                step="hand_over",
                new=new,
            ) from error
        except BaseException as interrupt:
            note(
                interrupt,
                operation,
                f"interrupted deleting the new key after its hand-over failed: new {key_label(new)} may still "
                f"exist, its secret nowhere{untouched}",
            )
            raise
        raise HandOverError(
            f"{operation}: delivering the new secret failed ({reason}); the new key {new.uuid} was deleted, "
            f"since no one could use it without its secret{untouched}",
            step="hand_over",
            new=None,
            new_deleted=True,
            new_may_exist=False,
        ) from error
    except BaseException as interrupt:
        note(
            interrupt,
            operation,
            f"interrupted in the hand-over: new {key_label(new)} exists and was kept, its secret nowhere but "
            f"where its delivery put it, if it did{untouched}",
        )
        raise


def interrupt_first(flow: Generator[S, Any, R]) -> Generator[S, Any, R]:
    """`flow`, except that a hand-over which failed after an interrupt came (a delivery command that
    then exited non-zero: DeliveryError.interrupt), once undone, re-raises that interrupt from its
    HandOverError (`__cause__`: what exists, `.new` if the undo failed too): an interrupt is never
    turned into an error that `except Exception` would take for a plain failure."""
    try:
        return (yield from flow)
    except HandOverError as failed:
        cause = failed.__cause__
        interrupt = cause.interrupt if isinstance(cause, DeliveryError) else None
        if interrupt is None:
            raise
        raise interrupt from failed


def create_step(*, name: object, group: object, credit_limit: object, expires: object) -> CreateStep:
    """The create's fields, checked before anything is sent (InvalidInputError names the field)."""
    checked = KeyChanges.of(name=name, group=group, credit_limit=credit_limit, expires=expires)
    return CreateStep(
        name=check_name(name),
        group=checked.group if isinstance(checked.group, NotGiven) else checked.group.value,
        credit_limit=checked.credit_limit,
        expires=checked.expires,
    )


def creation_flow(step: CreateStep, *, operation: str) -> Generator[Step, Any, CreatedKey]:
    """Create, then deliver or undo."""
    try:
        new: CreatedKey = yield step
    except Exception as error:
        raise HandOverError(
            f"{operation}: creating the key failed ({said(error, None)}); {create_fate(error, step.name)}",
            step="create",
            new=None,
            new_may_exist=not surely_not_created(error),
        ) from error
    except BaseException as interrupt:
        note(interrupt, operation, f"interrupted creating the key: a key named {step.name!r} {MAY_HAVE_BEEN_CREATED}")
        raise
    yield from deliver_or_undo(new, operation=operation)
    return new


# --- the drivers -------------------------------------------------------------------------------


def performer(
    keys: Keys | AsyncKeys, on_created: HandOver | None, read: Callable[[Any], object] | None = None
) -> Callable[[Any], object]:
    """Performs one step with the client's own methods (results are awaitables on the async client);
    `read` performs the steps this module does not know (a rotation's read)."""

    def perform(step: Any) -> object:
        if isinstance(step, CreateStep):
            given = {f: getattr(step, f) for f in ("group", "credit_limit", "expires")}
            return keys.create(name=step.name, **{f: v for f, v in given.items() if not isinstance(v, NotGiven)})
        if isinstance(step, HandOverCall):
            return None if on_created is None else on_created(step.new)
        if isinstance(step, DeleteStep):
            return keys.delete(step.uuid)
        if read is None:
            raise TypeError(f"no performer for {type(step).__name__}")
        return read(step)

    return perform


def in_line(on_created: HandOver) -> HandOver:
    """The sync client's hand-over: an awaitable from it would never run, so it counts as a failure."""

    def hand_over(new: CreatedKey) -> object:
        outcome = on_created(new)
        if inspect.isawaitable(outcome):
            if inspect.iscoroutine(outcome):
                outcome.close()
            raise TypeError("on_created returned an awaitable, which GeekAIAdmin cannot await (use AsyncGeekAIAdmin)")
        return outcome

    return hand_over


def checked_hand_over(on_created: object, *, required: bool = False) -> HandOver | None:
    """Refused before anything is sent: a hand-over that cannot be called would fail after the create."""
    if on_created is None and not required:
        return None
    if not callable(on_created):
        raise InvalidInputError("on_created", f"expected a function, got {type(on_created).__name__}")
    return on_created


@overload
def create(
    client: GeekAIAdmin,
    *,
    name: str,
    on_created: HandOver,
    group: str | NotGiven = ...,
    credit_limit: Amount | NotGiven | None = ...,
    expires: DateLike | NotGiven | None = ...,
) -> CreatedKey: ...
@overload
def create(
    client: AsyncGeekAIAdmin,
    *,
    name: str,
    on_created: HandOver,
    group: str | NotGiven = ...,
    credit_limit: Amount | NotGiven | None = ...,
    expires: DateLike | NotGiven | None = ...,
) -> Coroutine[Any, Any, CreatedKey]: ...
def create(
    client: Client,
    *,
    name: str,
    on_created: HandOver,
    group: str | NotGiven = NOT_GIVEN,
    credit_limit: Amount | NotGiven | None = NOT_GIVEN,
    expires: DateLike | NotGiven | None = NOT_GIVEN,
) -> CreatedKey | Coroutine[Any, Any, CreatedKey]:
    """Create a key and hand its secret over at once (awaitable with AsyncGeekAIAdmin).

    `on_created(new)` stores the secret; if it raises, the new key is deleted (no one could use
    it) and HandOverError says so (`.new_deleted`). Fields left NOT_GIVEN take `keys.create`'s
    defaults. Returns the new key, its secret still on it.

    An interrupt (KeyboardInterrupt, cancellation) goes on as it came, with an InterruptNote on what
    may exist. One that came while a delivery command ran which then failed on its own
    (`ops.DeliveryError.interrupt`) goes on once the new key is deleted, raised from the
    HandOverError that says so (its `__cause__`).
    """
    hand_over = checked_hand_over(on_created, required=True)
    flow = interrupt_first(
        creation_flow(
            create_step(name=name, group=group, credit_limit=credit_limit, expires=expires), operation="ops.create"
        )
    )
    if isinstance(client, AsyncGeekAIAdmin):
        return run_async(flow, performer(client.keys, hand_over))
    keys = sync_client(client).keys
    return run_sync(flow, performer(keys, None if hand_over is None else in_line(hand_over)))
