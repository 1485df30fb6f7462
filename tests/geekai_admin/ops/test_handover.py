"""The hand-over rule: `ops.create`, and cancellation and timeouts around `ops.create` and `ops.rotate`.

A new secret counts as delivered once `on_created` returned; a hand-over that raised deletes the
new key; an old key is never deleted before delivery; an interrupted delivery deletes nothing.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from typing import Any

import pytest

from geekai_admin import (
    MAY_HAVE_BEEN_CREATED,
    AsyncGeekAIAdmin,
    CreatedKey,
    GeekAIAdmin,
    HandOverError,
    InvalidInputError,
    ops,
)
from tests.geekai_admin.conftest import Against
from tests.geekai_admin.fakes import NO_WAIT
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, LoopbackServer, Reply

DENIED = Reply.json({"code": "forbidden", "message": "not allowed"}, 403)


class Store:
    """An on_created that keeps what it received, or raises `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.received: list[CreatedKey] = []

    def __call__(self, new: CreatedKey) -> None:
        self.received.append(new)
        if self.error is not None:
            raise self.error


# --- ops.create ----------------------------------------------------------------------------------


def test_create_hands_the_secret_over_and_returns_the_key(against: Against, fake_api: FakeAPI) -> None:
    store = Store()
    key = against(lambda c: ops.create(c, name="ci", on_created=store, group="ha", credit_limit=50))
    assert store.received == [key]
    assert key.secret == fake_api.secret_of(key.uuid)
    assert json.loads(fake_api.log[0].body) == {"name": "ci", "group": "ha", "credit_limit": 50, "expired_at": ""}
    assert fake_api.calls == ["POST /api/api_keys"]


def test_a_failed_hand_over_deletes_the_new_key(against: Against, fake_api: FakeAPI) -> None:
    store = Store(OSError("vault down"))
    with pytest.raises(HandOverError) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=store))
    error = caught.value
    (new,) = store.received
    assert (error.step, error.new, error.new_deleted, error.new_may_exist) == ("hand_over", None, True, False)
    assert fake_api.calls == ["POST /api/api_keys", f"DELETE /api/api_keys/{new.uuid}"]
    assert fake_api.keys == {}
    assert f"the new key {new.uuid} was deleted" in str(error)
    assert "OSError: vault down" in str(error)
    assert new.secret not in str(error) + repr(error)


def test_a_failed_hand_over_whose_delete_fails_keeps_the_secret_on_the_error(
    against: Against, fake_api: FakeAPI
) -> None:
    store = Store(OSError("vault down"))
    fake_api.inject(DENIED, method="DELETE")
    with pytest.raises(HandOverError) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=store))
    error = caught.value
    (new,) = store.received
    assert (error.step, error.new, error.new_deleted, error.new_may_exist) == ("hand_over", new, False, True)
    assert error.new is not None
    assert error.new.secret == fake_api.secret_of(new.uuid)
    assert fake_api.has_key(new.uuid)
    assert "deleting the new key failed too" in str(error)
    assert new.secret not in str(error) + repr(error)


def test_a_failed_create_hands_nothing_over(against: Against, fake_api: FakeAPI) -> None:
    store = Store()
    fake_api.inject(DENIED, method="POST")
    with pytest.raises(HandOverError, match="no new key was created") as caught:
        against(lambda c: ops.create(c, name="ci", on_created=store))
    assert (caught.value.step, caught.value.new_may_exist) == ("create", False)
    assert store.received == []


def test_an_unreadable_create_answer_is_on_the_error_as_raw_answer(against: Against, fake_api: FakeAPI) -> None:
    store = Store()
    fake_api.inject(Reply("drop_field", body=b"uuid"), method="POST")  # made, but the answer does not fit
    with pytest.raises(HandOverError) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=store))
    error = caught.value
    (secret,) = fake_api.issued_secrets
    assert (error.step, error.new, error.new_may_exist) == ("create", None, True)
    assert error.raw_answer is not None
    assert secret in error.raw_answer
    assert "its secret, if so, is only in the server's raw answer (.raw_answer)" in str(error)
    assert secret not in str(error) + repr(error)
    assert pickle.loads(pickle.dumps(error)).raw_answer is None
    assert store.received == []


def test_other_failures_have_no_raw_answer(against: Against, fake_api: FakeAPI) -> None:
    fake_api.inject(Reply.json({"code": "boom", "message": "down"}, 500), method="POST")
    with pytest.raises(HandOverError) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=Store()))
    assert caught.value.raw_answer is None
    assert "a new key named 'ci' may have been created, its secret unknown: look for it in the key list" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": "", "on_created": print}, "name"),
        ({"name": "ci", "on_created": None}, "on_created"),
        ({"name": "ci", "on_created": "vault"}, "on_created"),
        ({"name": "ci", "on_created": print, "credit_limit": -5}, "credit_limit"),
        ({"name": "ci", "on_created": print, "group": "vip"}, "group"),
    ],
)
def test_create_refuses_bad_arguments_before_anything_is_sent(
    against: Against, fake_api: FakeAPI, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        against(lambda c: ops.create(c, **arguments))
    assert caught.value.field == field
    assert fake_api.log == []


def test_the_sync_client_refuses_an_awaitable_hand_over_and_deletes_the_key(fake_api: FakeAPI) -> None:
    async def store(new: CreatedKey) -> None:
        raise AssertionError("never runs")

    client = GeekAIAdmin(SYSTEM_KEY, base_url="https://geekai.co/api", transport=fake_api.mock_transport())
    with client, pytest.raises(HandOverError, match="cannot await") as caught:
        ops.create(client, name="ci", on_created=store)
    assert caught.value.new_deleted is True
    assert fake_api.keys == {}


def test_an_interrupted_create_notes_what_may_exist_without_naming_itself_in_what(
    against: Against, fake_api: FakeAPI
) -> None:
    fake_api.inject(Reply.raising(KeyboardInterrupt()), method="POST")
    with pytest.raises(KeyboardInterrupt) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=Store()))
    (note,) = caught.value.__notes__
    assert isinstance(note, ops.InterruptNote)
    assert (note.operation, note.what) == (
        "ops.create",
        f"interrupted creating the key: a key named 'ci' {MAY_HAVE_BEEN_CREATED}",
    )
    assert note == f"ops.create was interrupted creating the key: a key named 'ci' {MAY_HAVE_BEEN_CREATED}"
    (again,) = pickle.loads(pickle.dumps(caught.value)).__notes__  # an interrupt sent to another process
    assert (type(again), again, again.operation, again.what) == (ops.InterruptNote, note, note.operation, note.what)


def test_an_interrupt_in_the_undo_of_a_failed_hand_over_says_the_new_key_may_still_exist(
    against: Against, fake_api: FakeAPI
) -> None:
    fake_api.inject(Reply.raising(KeyboardInterrupt()), method="DELETE")
    store = Store(OSError("vault down"))
    with pytest.raises(KeyboardInterrupt) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=store))
    (new,) = store.received
    (note,) = caught.value.__notes__
    assert isinstance(note, ops.InterruptNote)
    assert note.operation == "ops.create"
    assert note.what == (
        f"interrupted deleting the new key after its hand-over failed: new key {new.uuid} ('ci') may still exist, "
        "its secret nowhere"
    )
    assert new.secret not in note


def _failed_after_an_interrupt() -> tuple[ops.DeliveryError, KeyboardInterrupt]:
    """What an `exec:` destination raises when Ctrl-C came while its command ran and it then exited non-zero."""
    interrupt = KeyboardInterrupt()
    return ops.DeliveryError("exec:store", "exited with status 4 after the interrupt", interrupt=interrupt), interrupt


@pytest.mark.parametrize("undo", ["deleted", "delete fails"])
def test_a_delivery_that_failed_after_an_interrupt_is_undone_then_the_interrupt_goes_on(
    against: Against, fake_api: FakeAPI, undo: str
) -> None:
    """Not a HandOverError that `except Exception` would take for a plain failure: the interrupt
    itself, raised from the HandOverError that says what exists (and holds an undeletable key)."""
    failure, interrupt = _failed_after_an_interrupt()
    if undo == "delete fails":
        fake_api.inject(DENIED, method="DELETE")
    store = Store(failure)
    with pytest.raises(KeyboardInterrupt) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=store))
    (new,) = store.received
    assert caught.value is interrupt
    error = interrupt.__cause__
    assert isinstance(error, HandOverError)
    assert error.__cause__ is failure
    assert error.step == "hand_over"
    assert str(error).startswith("ops.create: delivering the new secret failed (exec:store: exited with status 4")
    if undo == "deleted":
        assert (error.new, error.new_deleted) == (None, True)
        assert fake_api.keys == {}
    else:
        assert error.new == new  # its secret kept for the caller, as a HandOverError keeps it
        assert list(fake_api.keys) == [new.uuid]
    assert new.secret not in str(error) + repr(error) + repr(getattr(interrupt, "__notes__", []))


# --- cancellation and timeouts, on a real socket ---------------------------------------------------

STEPS = ["read", "create", "hand_over", "delete"]
HOLD = 5.0


@pytest.mark.parametrize("how", ["cancel", "timeout"])
@pytest.mark.parametrize("step", STEPS)
def test_an_interrupted_rotation_deletes_no_old_key_before_delivery(step: str, how: str) -> None:
    fake = FakeAPI()
    old = fake.seed(name="ci", group="ha")
    with fake.serve() as server:
        delivered = asyncio.run(_run_interrupted(server, step, how, rotate=old.uuid))
    assert fake.count("DELETE") <= 1
    if step != "delete":
        assert fake.has_key(old.uuid)  # never deleted before the delivery returned
        assert fake.count("DELETE") == 0  # an interrupted delivery deletes nothing
        assert delivered == []
    else:
        assert [new.secret for new in delivered] == [fake.secret_of(new.uuid) for new in delivered] != []
    for key_uuid in fake.keys:
        assert key_uuid == old.uuid or key_uuid in {new.uuid for new in delivered} or step in ("create", "hand_over")


@pytest.mark.parametrize("how", ["cancel", "timeout"])
@pytest.mark.parametrize("step", ["create", "hand_over"])
def test_an_interrupted_create_deletes_nothing(step: str, how: str) -> None:
    fake = FakeAPI()
    with fake.serve() as server:
        delivered = asyncio.run(_run_interrupted(server, step, how, rotate=None))
    assert fake.count("DELETE") == 0
    assert delivered == []
    assert fake.created == 1  # it exists: the note on the interrupt says a key may have been created


async def _run_interrupted(server: LoopbackServer, step: str, how: str, *, rotate: str | None) -> list[CreatedKey]:
    delivered: list[CreatedKey] = []
    entered = asyncio.Event()

    async def on_created(new: CreatedKey) -> None:
        if step == "hand_over":
            entered.set()
            await asyncio.sleep(HOLD)  # the delivery is under way when the interrupt comes
        delivered.append(new)

    fake = server.fake
    method = {"read": "GET", "create": "POST", "delete": "DELETE"}.get(step)
    if method is not None:
        fake.inject(Reply("slow", delay=HOLD), method=method)  # the server acts; its answer is held

    deadlines: list[asyncio.Timeout] = []

    async def operation(client: AsyncGeekAIAdmin) -> object:
        async with asyncio.timeout(None) as deadline:  # how the README has callers bound a call
            deadlines.append(deadline)
            if rotate is None:
                return await ops.create(client, name="ci", on_created=on_created)
            return await ops.rotate(client, rotate, on_created=on_created)

    async with AsyncGeekAIAdmin(SYSTEM_KEY, base_url=server.base_url, retry_policy=NO_WAIT) as client:
        task = asyncio.ensure_future(operation(client))
        while not (entered.is_set() if method is None else fake.count(method) > 0):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # the step is under way
        if how == "timeout":
            deadlines[0].reschedule(asyncio.get_running_loop().time())
            with pytest.raises(TimeoutError) as timed_out:
                await task
            interrupt = timed_out.value.__cause__ or timed_out.value.__context__
        else:
            task.cancel()
            with pytest.raises(asyncio.CancelledError) as cancelled:
                await task
            interrupt = cancelled.value
    notes = getattr(interrupt, "__notes__", [])
    text = "\n".join(notes)
    if step != "read":  # an interrupted read has nothing to say: nothing was written
        assert "was interrupted" in text  # the library says what may exist
        ours = [note for note in notes if isinstance(note, ops.InterruptNote)]
        assert ours != []
        for note in ours:  # the operation kept apart from the rest, which names none
            assert note.operation == ("ops.create" if rotate is None else "ops.rotate")
            assert note == f"{note.operation} was {note.what}"
            assert note.what.startswith("interrupted ")
            assert "ops." not in note.what
    for secret in fake.issued_secrets:
        assert secret not in text
    return delivered


def test_a_pickled_hand_over_error_keeps_the_new_key_but_not_its_secret(against: Against, fake_api: FakeAPI) -> None:
    fake_api.inject(DENIED, method="DELETE")
    with pytest.raises(HandOverError) as caught:
        against(lambda c: ops.create(c, name="ci", on_created=Store(OSError("vault down"))))
    error = caught.value
    assert error.new is not None
    data = pickle.dumps(error)
    assert error.new.secret.encode() not in data
    again = pickle.loads(data)
    assert (type(again), str(again), again.step, again.new) == (HandOverError, str(error), "hand_over", error.new.key())
