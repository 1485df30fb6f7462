"""Keys as code, applied: carry a `Plan` out on either client, each new secret handed to `deliver`.

Creates and updates run first, then rotations, then deletions, each phase a bounded number at a
time (the bulk runner). A new key (a create or a rotation) follows the hand-over rule: it counts
as created once `deliver(change, new)` returned; if that raises, the new key is deleted and, for a
rotation, the old one stays. A failed item does not stop the others: each item's outcome is
reported. Each change is one flow (a generator that does no I/O), driven by `_flow` as
`ops.create` and `ops.rotate` are. Applying the plan and planning again gives an empty plan; after
a partial failure, planning again plans what is left.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
import inspect
import threading
from collections.abc import Callable, Coroutine, Generator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast, overload

from geekai_admin._calls import NOT_GIVEN
from geekai_admin._client import AsyncGeekAIAdmin, AsyncKeys, GeekAIAdmin, Keys
from geekai_admin._exceptions import MAY_HAVE_BEEN_CREATED, GeekAIError, InvalidInputError
from geekai_admin._flow import run_async, run_sync
from geekai_admin._models import ApiKey, CreatedKey
from geekai_admin.ops import _bounded as bounded
from geekai_admin.ops._bulk import Outcome, one_line
from geekai_admin.ops._defaults import DEFAULT_CONCURRENCY
from geekai_admin.ops._destinations import DeliveryCommands, DeliveryUncertain
from geekai_admin.ops._driving import Client, sync_client
from geekai_admin.ops._handover import DeleteStep, HandOver, HandOverError, create_step, creation_flow, in_line
from geekai_admin.ops._plan import MANAGED_FIELDS, Change, Plan
from geekai_admin.ops._rotation import _performer as rotation_performer
from geekai_admin.ops._rotation import rotation_flow
from geekai_admin.ops._selection import key_label

__all__ = [
    "AppliedChange",
    "ApplyInterrupted",
    "ApplyOutcome",
    "ApplyResult",
    "Deliver",
    "OutcomeUnknown",
    "apply",
    "apply_result_of",
]

ApplyOutcome = Outcome
"""One change's outcome, in a bulk run's words: done; failed (its `error` says what exists now);
not started (an interrupt came first); unknown (still running when the wait after an interrupt
ended, or its secret may or may not have been delivered: `key` then names the new key, kept; its
`error` says what may have happened)."""

Deliver = Callable[[Change, CreatedKey], object]
"""Receives a created or rotated key's change and the new key (with its secret), and stores the
secret where the change's declaration says (`change.desired.secret`). Delivered once it returns.
With AsyncGeekAIAdmin it is called in a worker thread (one of the run's own, as many as changes run at
once), so a blocking write or command never holds up the event loop; it may return an awaitable,
which is awaited on the loop."""

_OUTCOMES: tuple[ApplyOutcome, ...] = ("done", "failed", "not started", "unknown")
_PHASES: tuple[tuple[str, ...], ...] = (("create", "update"), ("rotate",), ("delete",))


class OutcomeUnknown(GeekAIError):
    """The `error` of a change still under way when an interrupted `apply` stopped waiting for it
    (outcome "unknown"): what may have happened, and to which keys ("interrupted in flight: the key
    ... may or may not have been updated"); never a secret."""


@dataclasses.dataclass(frozen=True, slots=True)
class AppliedChange:
    """One change of the plan and its `outcome`. `error`: why it failed, or for an unknown outcome
    what may have happened (an OutcomeUnknown, or the HandOverError of a delivery that may or may
    not have worked); its message says which keys exist, never a secret; None when done or not
    started. `key`: the key as it stands after (the new key for a create or a rotation, without its
    secret; the updated key), None for a deletion or when not done; for an unknown outcome, the new
    key if it was created (kept: its secret may or may not have been delivered)."""

    change: Change
    outcome: ApplyOutcome
    error: Exception | None = None
    key: ApiKey | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "done"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as a bulk run's result plus the change: {"action", "name", "uuid", "ok", "outcome",
        "error": str|null, "new_uuid": str|null}."""
        return {
            "action": self.change.action,
            "name": self.change.name,
            "uuid": self.change.uuid,
            "ok": self.ok,
            "outcome": self.outcome,
            "error": None if self.error is None else one_line(self.error),
            "new_uuid": self.key.uuid if self.key is not None and self.change.action in ("create", "rotate") else None,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class ApplyResult:
    """Each change's outcome, in the plan's order, and whether an interrupt stopped the run."""

    results: tuple[AppliedChange, ...]
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """Every change done."""
        return all(result.ok for result in self.results)

    def count(self, outcome: ApplyOutcome) -> int:
        return sum(result.outcome == outcome for result in self.results)

    def summary(self) -> str:
        """`N changes: D done, F failed, S not started, U unknown`."""
        counts = ", ".join(f"{self.count(outcome)} {outcome}" for outcome in _OUTCOMES)
        return f"{len(self.results)} changes: {counts}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"interrupted": bool, "results": [...]}, as a bulk run's document."""
        return {"interrupted": self.interrupted, "results": [result.to_dict() for result in self.results]}


class ApplyInterrupted(KeyboardInterrupt):
    """`apply` on GeekAIAdmin was interrupted (Ctrl-C): no change was started after it, the changes in
    flight had a bounded time to finish (ops._bounded.INTERRUPT_GRACE_SECONDS), `result` says what each
    change's outcome is, and `interrupt` is what stopped the run (a KeyboardInterrupt or a subclass, e.g.
    the command's SIGTERM)."""

    def __init__(self, result: ApplyResult, interrupt: KeyboardInterrupt) -> None:
        super().__init__(f"apply was interrupted: {result.summary()}")
        self.result = result
        self.interrupt = interrupt


def _keyboard(interrupt: BaseException) -> KeyboardInterrupt:
    return interrupt if isinstance(interrupt, KeyboardInterrupt) else KeyboardInterrupt(str(interrupt))


# --- one change as a flow ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _UpdateStep:
    key: ApiKey
    fields: Mapping[str, Any]


def _change_flow(change: Change) -> Generator[Any, Any, ApiKey | None]:
    """The change's steps; the key as it stands after (None after a deletion)."""
    operation = f"apply: {change.action} {change.name!r}"
    if change.action == "create":
        new: CreatedKey = yield from creation_flow(_create_step(change), operation=operation)
        return new.key()
    if change.action == "rotate":
        rotation = yield from rotation_flow(
            _current(change),
            name=change.name,
            delete_old=True,
            hand_over=True,
            operation=operation,
            **change.new_key_fields(),
        )
        return rotation.new.key()
    if change.action == "update":
        updated: ApiKey = yield _UpdateStep(_current(change), {f: c.new for f, c in change.fields.items()})
        return updated
    yield DeleteStep(_current(change).uuid)
    return None


def _create_step(change: Change) -> Any:
    """The create's fields, checked (InvalidInputError before anything is sent)."""
    fields = dict.fromkeys(MANAGED_FIELDS, NOT_GIVEN) | change.new_key_fields()
    return create_step(name=change.name, **fields)


def _current(change: Change) -> ApiKey:
    if change.current is None:
        raise InvalidInputError("plan", f"the {change.action} of {change.name!r} names no key: pass a Plan from plan()")
    return change.current


def _performer(keys: Keys | AsyncKeys, hand_over: HandOver) -> Callable[[Any], object]:
    steps = rotation_performer(keys, hand_over)

    def perform(step: Any) -> object:
        if isinstance(step, _UpdateStep):
            return keys.update(step.key, **step.fields)
        return steps(step)

    return perform


def _applied(change: Change, outcome: ApiKey | Exception | None) -> AppliedChange:
    if isinstance(outcome, HandOverError) and isinstance(outcome.__cause__, DeliveryUncertain) and outcome.new:
        return AppliedChange(change, "unknown", error=outcome, key=outcome.new.key())
    if isinstance(outcome, Exception):
        return AppliedChange(change, "failed", error=outcome)
    return AppliedChange(change, "done", key=outcome)


def _unrun(change: Change, state: bounded.Unrun, new: CreatedKey | None, delivered: bool) -> AppliedChange:
    """A change that gave no result; one still in flight says what may have happened, and names its
    new key (kept, not deleted) if it was created. `delivered`: its new secret's hand-over returned."""
    if state is bounded.NOT_STARTED:
        return AppliedChange(change, "not started")
    return AppliedChange(
        change, "unknown", error=_in_flight(change, new, delivered), key=None if new is None else new.key()
    )


def _in_flight(change: Change, new: CreatedKey | None, delivered: bool) -> OutcomeUnknown:
    """What a change still in flight may have done, by how far it is known to have gone."""
    head, old = "interrupted in flight: ", change.uuid
    if change.action in ("update", "delete"):
        done = "updated" if change.action == "update" else "deleted"
        return OutcomeUnknown(f"{head}the key {old} may or may not have been {done}")
    where = "its destination" if change.desired is None else change.desired.secret
    untouched = "" if old is None else f"; the old key {old} was not touched"
    if new is None:
        other = "" if old is None else f" (not {old})"
        return OutcomeUnknown(f"{head}a key named {change.name!r}{other} {MAY_HAVE_BEEN_CREATED}{untouched}")
    if not delivered:  # the old key goes only after the delivery returned
        kept = "" if old is None else f" (the old key {old} was not touched)"
        return OutcomeUnknown(
            f"{head}the new {key_label(new)} was kept{kept}: its secret may or may not have reached {where}"
        )
    deleted = "" if old is None else f"; the old key {old} may or may not have been deleted"
    return OutcomeUnknown(f"{head}the new key {new.uuid} was created and its secret delivered to {where}{deleted}")


# --- the drivers ---------------------------------------------------------------------------------


def _checked(plan: object, deliver: object, concurrency: object) -> tuple[Plan, Deliver]:
    """Everything refused before anything is sent."""
    if not isinstance(plan, Plan):
        raise InvalidInputError("plan", f"expected the Plan that plan() returned, got {type(plan).__name__}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidInputError("concurrency", f"expected a whole number of at least 1, got {concurrency!r}")
    if not callable(deliver):
        raise InvalidInputError("deliver", f"expected a function, got {type(deliver).__name__}")
    for change in plan.changes:
        if change.action == "create":
            _create_step(change)
        else:
            _current(change)
    return plan, cast("Deliver", deliver)


def _phases(plan: Plan) -> list[list[Change]]:
    return [[change for change in plan.changes if change.action in phase] for phase in _PHASES]


class _Progress:
    """Each change's outcome as the phases end; a change no phase reached is not started."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        self._position = {id(change): index for index, change in enumerate(plan.changes)}
        self._known: dict[int, AppliedChange] = {}

    def record(self, phase: list[Change], ran: bounded.Ran[ApiKey | Exception | None], delivering: _Delivering) -> None:
        for change, outcome in zip(phase, ran.results, strict=True):
            if isinstance(outcome, bounded.Unrun):
                key = id(change)
                applied = _unrun(change, outcome, delivering.received.get(key), key in delivering.delivered)
            else:
                applied = _applied(change, outcome)
            self._known[self._position[id(change)]] = applied

    def result(self, *, interrupted: bool) -> ApplyResult:
        changes = enumerate(self._plan.changes)
        return ApplyResult(tuple(self._known.get(i, AppliedChange(c, "not started")) for i, c in changes), interrupted)


class _Delivering:
    """One run's hand-overs, for either driver: each new key is recorded as it is handed over (a
    report names it, whatever happens next); once the run gives up, no delivery starts, and its
    `exec:` commands still running are stopped (those of another run go on)."""

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver
        self.received: dict[int, CreatedKey] = {}  # by id(change)
        self.delivered: set[int] = set()  # by id(change): its hand-over returned
        self.commands = DeliveryCommands()
        self._given_up = threading.Event()

    def _started(self, change: Change, new: CreatedKey) -> object:
        self.received[id(change)] = new
        if self._given_up.is_set():  # the run was given up: start no delivery that would outlive it
            raise InterruptedError("apply was interrupted before this secret was handed over")
        return self._deliver(change, new)

    def hand_over(self, change: Change, new: CreatedKey) -> None:
        """The sync client's: a deliver that returns an awaitable fails (`in_line`)."""
        in_line(functools.partial(self._started, change))(new)
        self.delivered.add(id(change))

    async def hand_over_async(self, change: Change, new: CreatedKey, workers: ThreadPoolExecutor) -> None:
        """A deliver that writes and fsyncs, or runs a command for up to EXEC_TIMEOUT, runs in one of
        the run's `workers` (in this task's context, as asyncio.to_thread runs it), never on the event
        loop; an awaitable it returns is awaited on the loop."""
        started = functools.partial(contextvars.copy_context().run, self._started, change, new)
        outcome = await asyncio.get_running_loop().run_in_executor(workers, started)
        if inspect.isawaitable(outcome):
            await outcome
        self.delivered.add(id(change))

    def give_up(self) -> None:
        self._given_up.set()
        self.commands.close()


def _apply_sync(client: GeekAIAdmin, plan: Plan, deliver: Deliver, concurrency: int) -> ApplyResult:
    keys = client.keys
    delivering = _Delivering(deliver)

    def one(change: Change) -> ApiKey | Exception | None:
        hand_over = functools.partial(delivering.hand_over, change)
        try:
            with delivering.commands.current():
                return run_sync(_change_flow(change), _performer(keys, hand_over))
        except Exception as error:  # every failure is this change's, reported on it
            return error

    progress = _Progress(plan)
    for phase in _phases(plan):
        ran = bounded.run_sync(phase, one, concurrency, overdue=delivering.give_up)
        progress.record(phase, ran, delivering)
        if ran.interrupt is not None:
            raise ApplyInterrupted(progress.result(interrupted=True), _keyboard(ran.interrupt)) from ran.interrupt
    return progress.result(interrupted=False)


async def _apply_async(client: AsyncGeekAIAdmin, plan: Plan, deliver: Deliver, concurrency: int) -> ApplyResult:
    # Threads of the run's own, one per change at once: the loop's default executor may have fewer
    # (6 on 2 CPUs), and a delivery command holding one for minutes would hold up the caller's to_thread.
    workers = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="geekai-admin-delivery")
    try:
        return await _apply_async_in(client, plan, _Delivering(deliver), concurrency, workers)
    finally:
        workers.shutdown(wait=False)  # a delivery still running ends on its own (give_up stopped its command)


async def _apply_async_in(
    client: AsyncGeekAIAdmin, plan: Plan, delivering: _Delivering, concurrency: int, workers: ThreadPoolExecutor
) -> ApplyResult:
    keys = client.keys

    async def one(change: Change) -> ApiKey | Exception | None:
        hand_over = functools.partial(delivering.hand_over_async, change, workers=workers)
        try:
            with delivering.commands.current():  # this task's, and the threads it delivers in
                result: ApiKey | None = await run_async(_change_flow(change), _performer(keys, hand_over))
        except Exception as error:  # every failure is this change's, reported on it
            return error
        return result

    progress = _Progress(plan)
    for phase in _phases(plan):
        ran = await bounded.run_async(phase, one, concurrency, overdue=delivering.give_up)
        progress.record(phase, ran, delivering)
        if ran.interrupt is not None:
            result = progress.result(interrupted=True)
            ran.interrupt.add_note(f"apply was cancelled: {result.summary()}")
            setattr(ran.interrupt, _RESULT, result)  # the same cancellation: asyncio.timeout and TaskGroup know it
            raise ran.interrupt
    return progress.result(interrupted=False)


_RESULT = "geekai_admin_apply_result"


def apply_result_of(error: BaseException) -> ApplyResult | None:
    """What an interrupted `apply` did, from what it raised: the ApplyResult (each change's outcome,
    `interrupted` true) of an ApplyInterrupted (GeekAIAdmin), or of the CancelledError an
    AsyncGeekAIAdmin apply re-raised, also when it became another error's cause (the TimeoutError of
    `asyncio.timeout` or `asyncio.wait_for`). None for any other error."""
    seen: BaseException | None = error
    for _ in range(8):  # a cause's cause, not a cycle
        if seen is None:
            break
        if isinstance(seen, ApplyInterrupted):
            return seen.result
        result = getattr(seen, _RESULT, None)
        if isinstance(result, ApplyResult):
            return result
        seen = seen.__cause__
    return None


@overload
def apply(client: GeekAIAdmin, plan: Plan, *, deliver: Deliver, concurrency: int = ...) -> ApplyResult: ...
@overload
def apply(
    client: AsyncGeekAIAdmin, plan: Plan, *, deliver: Deliver, concurrency: int = ...
) -> Coroutine[Any, Any, ApplyResult]: ...
def apply(
    client: Client, plan: Plan, *, deliver: Deliver, concurrency: int = DEFAULT_CONCURRENCY
) -> ApplyResult | Coroutine[Any, Any, ApplyResult]:
    """Carry `plan` out with `client` (awaitable with AsyncGeekAIAdmin), `concurrency` changes at a time.

    Creates and updates first, then rotations, then deletions. A created or rotated key's secret
    goes to `deliver(change, new)`; if that raises, the new key is deleted and a rotated key's old
    key stays (the hand-over rule of `ops.create` and `ops.rotate`). A failed change does not stop
    the others. Returns an ApplyResult: each change's outcome, in the plan's order.

    Ctrl-C (GeekAIAdmin) starts no further change, gives those in flight
    ops._bounded.INTERRUPT_GRACE_SECONDS to finish, then stops the `exec:` delivery commands of this
    run still running (their new keys are kept, the outcome unknown) and starts none after; it
    raises ApplyInterrupted (a KeyboardInterrupt) whose `result` holds every outcome. With
    AsyncGeekAIAdmin a cancellation does the same and re-raises that same CancelledError, with a
    note of the counts and the ApplyResult on it: `ops.apply_result_of(error)` reads it (also from
    the TimeoutError that `asyncio.timeout` makes of it), as it reads ApplyInterrupted's.
    """
    checked, hand_over = _checked(plan, deliver, concurrency)
    if isinstance(client, AsyncGeekAIAdmin):
        return _apply_async(client, checked, hand_over, concurrency)
    return _apply_sync(sync_client(client), checked, hand_over, concurrency)
