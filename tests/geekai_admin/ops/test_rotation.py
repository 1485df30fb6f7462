"""Key rotation against the one fake API, sync and async: each step, and a failure at each step.

The guarantees under test: the old key is never deleted before the hand-over returned; once the
create succeeded the secret is on the result or on the raised RotationError; no message or repr
ever shows the secret.
"""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import (
    APIConnectionError,
    ApiKey,
    APIResponseValidationError,
    CreatedKey,
    GeekAIAdmin,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    Rotation,
    RotationError,
    ops,
)
from tests.geekai_admin.conftest import Against
from tests.geekai_admin.fakes import NO_WAIT, Driver
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, Reply, SeededKey, status

OLD = {"name": "ci", "group": "ha", "credit_limit": 100, "credit_used": Decimal("33.33"), "expired_at": "2027-01-31"}
DENIED = Reply.json({"code": "forbidden", "message": "not allowed"}, 403)
BROKEN = Reply.json({"code": "server_error", "message": "internal error"}, 500)


def seed_old(fake: FakeAPI, **fields: Any) -> SeededKey:
    return fake.seed(**{**OLD, **fields})


def new_uuid(fake: FakeAPI, old: SeededKey) -> str:
    (found,) = (uuid for uuid in fake.keys if uuid != old.uuid)
    return found


def shows(error: BaseException) -> str:
    """Everything a log or traceback could print of an error and its chain."""
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), *getattr(current, "__notes__", ())]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


class HandOver:
    """An on_created that records what it saw of the fake when called."""

    def __init__(self, fake: FakeAPI, old: SeededKey, error: Exception | None = None) -> None:
        self.fake, self.old, self.error = fake, old, error
        self.received: list[CreatedKey] = []
        self.old_existed: list[bool] = []
        self.deletes_before: list[int] = []

    def __call__(self, new: CreatedKey) -> None:
        self.received.append(new)
        self.old_existed.append(self.fake.has_key(self.old.uuid))
        self.deletes_before.append(self.fake.count("DELETE"))
        if self.error is not None:
            raise self.error


# --- a rotation that works -----------------------------------------------------------------


def test_a_rotation_copies_the_key_hands_the_secret_over_then_deletes_the_old(
    against: Against, fake_api: FakeAPI
) -> None:
    old = seed_old(fake_api)
    hand_over = HandOver(fake_api, old)
    rotation = against(lambda c: ops.rotate(c, old.uuid, on_created=hand_over))
    assert isinstance(rotation, Rotation)
    new = new_uuid(fake_api, old)
    assert fake_api.calls == ["GET /api/api_keys/" + old.uuid, "POST /api/api_keys", "DELETE /api/api_keys/" + old.uuid]
    assert hand_over.old_existed == [True]
    assert hand_over.deletes_before == [0]
    assert hand_over.received == [rotation.new]
    assert rotation.new.uuid == new
    assert rotation.new.secret == fake_api.secret_of(new)
    assert (rotation.old.uuid, rotation.old_deleted) == (old.uuid, True)
    assert not fake_api.has_key(old.uuid)
    assert json.loads(fake_api.log[1].body) == {
        "name": "ci",
        "group": "ha",
        "credit_limit": 100,
        "expired_at": "2027-01-31",
    }
    assert rotation.new.credit_used == 0  # credit used does not carry over
    assert rotation.old.credit_used == Decimal("33.33")


def test_to_dict_carries_the_secret_and_repr_never_does(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    rotation = against(lambda c: ops.rotate(c, old.uuid, on_created=HandOver(fake_api, old)))
    secret = rotation.new.secret
    assert secret not in repr(rotation)
    assert secret not in str(rotation)
    data = rotation.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "new": {**rotation.new.key().to_dict(), "secret": secret},
        "old": {"uuid": old.uuid, "deleted": True},
    }


def test_keep_old_leaves_both_keys(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    rotation = against(lambda c: ops.rotate(c, old.uuid, delete_old=False))
    assert fake_api.count("DELETE") == 0
    assert fake_api.has_key(old.uuid)
    assert fake_api.has_key(rotation.new.uuid)
    assert rotation.old_deleted is False
    assert rotation.to_dict()["old"] == {"uuid": old.uuid, "deleted": False}


def test_a_new_name_and_a_key_without_limit_or_expiry(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api, credit_limit=0, expired_at="")
    rotation = against(lambda c: ops.rotate(c, old.uuid, name="ci-2026"))
    assert json.loads(fake_api.log[1].body) == {"name": "ci-2026", "group": "ha", "credit_limit": 0, "expired_at": ""}
    assert (rotation.new.name, rotation.new.credit_limit, rotation.new.expires) == ("ci-2026", None, None)


def test_an_api_key_that_states_name_and_group_is_not_read_again(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    (listed,) = against(lambda c: c.keys.list())
    del fake_api.log[:]
    rotation = against(lambda c: ops.rotate(c, listed, on_created=HandOver(fake_api, old)))
    assert fake_api.calls == ["POST /api/api_keys", "DELETE /api/api_keys/" + old.uuid]
    assert rotation.old == listed


def test_an_api_key_without_its_group_is_read_first(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    against(lambda c: ops.rotate(c, ApiKey(uuid=old.uuid, name="ci")))
    assert fake_api.calls[0] == "GET /api/api_keys/" + old.uuid
    assert json.loads(fake_api.log[1].body)["group"] == "ha"


def test_an_async_hand_over_is_awaited(fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    seen: list[tuple[str, bool]] = []

    async def store(new: CreatedKey) -> None:
        seen.append((new.uuid, fake_api.has_key(old.uuid)))

    rotation = Driver("async")(fake_api, lambda c: ops.rotate(c, old.uuid, on_created=store))
    assert seen == [(rotation.new.uuid, True)]
    assert not fake_api.has_key(old.uuid)


# --- bad input: nothing is sent ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "arguments", "field"),
    [
        ("not-a-uuid", {}, "uuid"),
        ("123e4567-e89b-12d3-a456-426614174000", {"name": ""}, "name"),
        ("123e4567-e89b-12d3-a456-426614174000", {"name": "a\nb"}, "name"),
        ("123e4567-e89b-12d3-a456-426614174000", {"delete_old": "no"}, "delete_old"),
        ("123e4567-e89b-12d3-a456-426614174000", {"on_created": "vault"}, "on_created"),
        ("123e4567-e89b-12d3-a456-426614174000", {"on_created": 1}, "on_created"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_sent(
    against: Against, fake_api: FakeAPI, key: str, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        against(lambda c: ops.rotate(c, key, **arguments))
    assert caught.value.field == field
    assert fake_api.log == []


# --- failures --------------------------------------------------------------------------------


def test_a_failed_read_raises_as_is_and_nothing_is_written(against: Against, fake_api: FakeAPI) -> None:
    with pytest.raises(NotFoundError):
        against(lambda c: ops.rotate(c, "123e4567-e89b-12d3-a456-426614174000"))
    assert fake_api.writes == 0


def test_a_key_read_without_its_limit_is_refused_and_nothing_is_written(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    fake_api.inject(Reply("drop_field", body=b"credit_limit"), method="GET")
    with pytest.raises(APIResponseValidationError, match="credit_limit") as caught:
        against(lambda c: ops.rotate(c, old.uuid))
    assert fake_api.writes == 0
    # rotate's own words: it has no PUT to reset a field, nor a credit_limit= to give
    assert str(caught.value) == (
        f"key {old.uuid} as read does not say its credit_limit, which the new key must copy: nothing was written"
    )


@pytest.mark.parametrize("refusal", [DENIED, Reply.json({"code": "invalid_request", "message": "bad"}, 422)])
def test_a_refused_create_leaves_the_old_key_untouched(against: Against, fake_api: FakeAPI, refusal: Reply) -> None:
    old = seed_old(fake_api)
    hand_over = HandOver(fake_api, old)
    fake_api.inject(refusal, method="POST")
    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid, on_created=hand_over))
    error = caught.value
    assert (error.step, error.new, error.old.uuid, error.old_deleted) == ("create", None, old.uuid, False)
    assert error.new_may_exist is False
    assert f"old key {old.uuid} is untouched" in str(error)
    assert "no new key was created" in str(error)
    assert hand_over.received == []
    assert fake_api.count("DELETE") == 0
    assert list(fake_api.keys) == [old.uuid]


def test_a_create_that_may_have_reached_the_server_says_a_key_may_exist(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    fake_api.inject(BROKEN, method="POST", times=None)
    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid))
    assert isinstance(caught.value.__cause__, InternalServerError)
    assert fake_api.count("POST") == 1  # a create is never retried
    assert "a new key named 'ci' may have been created, its secret unknown" in str(caught.value)
    assert caught.value.new_may_exist is True
    assert fake_api.has_key(old.uuid)
    assert fake_api.count("DELETE") == 0


def test_a_create_whose_answer_was_lost_says_the_key_may_exist(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    fake_api.inject(Reply("reset_after"), method="POST")  # made, then the connection reset
    with pytest.raises(RotationError, match="may have been created, its secret unknown") as caught:
        against(lambda c: ops.rotate(c, old.uuid))
    assert isinstance(caught.value.__cause__, APIConnectionError)
    assert fake_api.count("POST") == 1
    assert fake_api.created == 1  # it was: the message is right to say so
    assert caught.value.new_may_exist is True
    assert fake_api.count("DELETE") == 0


def test_a_delete_whose_answer_was_lost_and_then_finds_the_key_gone_succeeds(
    against: Against, fake_api: FakeAPI
) -> None:
    old = seed_old(fake_api)
    fake_api.inject(Reply("reset_after"), method="DELETE")  # deleted, then the connection reset
    rotation = against(lambda c: ops.rotate(c, old.uuid, on_created=HandOver(fake_api, old)))
    assert rotation.old_deleted is True
    assert fake_api.count("DELETE") == 2
    assert list(fake_api.keys) == [rotation.new.uuid]


def test_an_unreadable_create_answer_keeps_the_raw_body_and_the_old_key(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    fake_api.inject(Reply("drop_field", body=b"uuid"), method="POST")  # made, but the answer does not fit
    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid))
    error = caught.value
    cause = error.__cause__
    assert isinstance(cause, APIResponseValidationError)
    (secret,) = fake_api.issued_secrets
    assert secret in cause.body  # the secret is not lost
    assert error.raw_answer == cause.body  # reachable without the cause
    assert "only in the server's raw answer (.raw_answer)" in str(error)
    assert pickle.loads(pickle.dumps(error)).raw_answer is None  # never pickled
    assert error.new_may_exist is True
    assert secret not in shows(error)
    assert fake_api.has_key(old.uuid)
    assert fake_api.count("DELETE") == 0


def test_a_group_the_create_cannot_send_is_refused_before_the_create(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api, group="vip")
    with pytest.raises(RotationError, match="no new key was created") as caught:
        against(lambda c: ops.rotate(c, old.uuid))
    assert isinstance(caught.value.__cause__, InvalidInputError)
    assert fake_api.writes == 0


def test_a_failed_hand_over_deletes_the_new_key_and_keeps_the_old(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    hand_over = HandOver(fake_api, old, OSError("disk full"))
    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid, on_created=hand_over))
    error = caught.value
    (new,) = hand_over.received
    assert error.step == "hand_over"
    assert isinstance(error.__cause__, OSError)
    assert (error.new, error.new_deleted, error.new_may_exist, error.old_deleted) == (None, True, False, False)
    assert fake_api.calls[-1] == "DELETE /api/api_keys/" + new.uuid  # the new key, never the old
    assert list(fake_api.keys) == [old.uuid]
    message = str(error)
    assert "OSError: disk full" in message
    assert f"the new key {new.uuid} was deleted" in message
    assert f"old key {old.uuid} is untouched" in message
    assert new.secret not in shows(error)


def test_a_delivery_that_failed_after_an_interrupt_is_undone_then_the_interrupt_goes_on(
    against: Against, fake_api: FakeAPI
) -> None:
    old = seed_old(fake_api)
    interrupt = KeyboardInterrupt()
    failure = ops.DeliveryError("exec:store", "exited with status 4 after the interrupt", interrupt=interrupt)
    hand_over = HandOver(fake_api, old, failure)
    with pytest.raises(KeyboardInterrupt) as caught:
        against(lambda c: ops.rotate(c, old.uuid, on_created=hand_over))
    (new,) = hand_over.received
    assert caught.value is interrupt
    error = interrupt.__cause__
    assert isinstance(error, RotationError)  # what exists: the new key deleted, the old one untouched
    assert (error.step, error.new, error.new_deleted, error.old.uuid) == ("hand_over", None, True, old.uuid)
    assert error.__cause__ is failure
    assert list(fake_api.keys) == [old.uuid]
    assert f"old key {old.uuid} is untouched" in str(error)
    assert new.secret not in shows(interrupt)


def test_a_failed_hand_over_whose_undo_fails_keeps_the_secret_on_the_error(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    hand_over = HandOver(fake_api, old, OSError("disk full"))
    fake_api.inject(DENIED, method="DELETE")
    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid, on_created=hand_over))
    error = caught.value
    (new,) = hand_over.received
    assert error.step == "hand_over"
    assert error.new == new
    assert error.new is not None
    assert error.new.secret == fake_api.secret_of(new.uuid)
    assert (error.new_deleted, error.new_may_exist, error.old_deleted) == (False, True, False)
    assert fake_api.count("DELETE") == 1
    assert fake_api.has_key(old.uuid)
    assert fake_api.has_key(new.uuid)
    message = str(error)
    assert "deleting the new key failed too" in message
    assert ".new.secret" in message
    assert f"old key {old.uuid} is untouched" in message
    assert new.secret not in shows(error)


def test_a_hand_over_error_that_quotes_the_secret_is_redacted(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)

    def clumsy(new: CreatedKey) -> None:
        raise ValueError(f"cannot store {new.secret}")

    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid, on_created=clumsy))
    assert caught.value.new_deleted is True
    (secret,) = fake_api.issued_secrets
    assert secret not in str(caught.value)  # its own message: the cause is the caller's own error
    assert "cannot store <secret>" in str(caught.value)


@pytest.mark.parametrize("failure", [(DENIED,), (status(500),) * 3], ids=["403", "500-persistent"])
def test_a_failed_delete_names_both_keys_and_keeps_the_secret(
    against: Against, fake_api: FakeAPI, failure: tuple[Reply, ...]
) -> None:
    old = seed_old(fake_api)
    hand_over = HandOver(fake_api, old)
    fake_api.inject(*failure, method="DELETE")
    with pytest.raises(RotationError) as caught:
        against(lambda c: ops.rotate(c, old.uuid, on_created=hand_over))
    error = caught.value
    new = new_uuid(fake_api, old)
    assert error.step == "delete"
    assert isinstance(error.__cause__, PermissionDeniedError | InternalServerError)
    assert error.new is not None
    assert error.new.secret == fake_api.secret_of(new)
    assert hand_over.received == [error.new]
    assert (error.old.uuid, error.old_deleted) == (old.uuid, False)
    message = str(error)
    assert "both keys exist" in message
    assert new in message
    assert old.uuid in message
    assert "handed over, and on this error's .new.secret" in message
    assert error.new.secret not in shows(error)
    assert error.new.secret not in repr(error.new)
    assert fake_api.has_key(old.uuid)
    assert fake_api.has_key(new)


def test_without_a_hand_over_the_old_key_stays_until_retired(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    rotation = against(lambda c: ops.rotate(c, old.uuid))
    assert (rotation.old_deleted, rotation.to_dict()["old"]) == (False, {"uuid": old.uuid, "deleted": False})
    assert fake_api.count("DELETE") == 0
    assert fake_api.has_key(old.uuid)
    assert rotation.new.secret == fake_api.secret_of(rotation.new.uuid)
    retired = against(lambda c: ops.retire(c, rotation))
    assert (retired.old_deleted, retired.new, retired.old) == (True, rotation.new, rotation.old)
    assert fake_api.calls[-1] == "DELETE /api/api_keys/" + old.uuid
    assert list(fake_api.keys) == [rotation.new.uuid]
    assert against(lambda c: ops.retire(c, retired)) == retired  # already retired: nothing is sent
    assert fake_api.count("DELETE") == 1


def test_a_failed_retire_raises_as_is_and_keeps_the_old_key(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    rotation = against(lambda c: ops.rotate(c, old.uuid))
    fake_api.inject(DENIED, method="DELETE")
    with pytest.raises(PermissionDeniedError):
        against(lambda c: ops.retire(c, rotation))
    assert fake_api.has_key(old.uuid)
    assert rotation.new.secret not in str(rotation)


def test_retire_takes_only_a_rotation(against: Against, fake_api: FakeAPI) -> None:
    with pytest.raises(InvalidInputError) as caught:
        against(lambda c: ops.retire(c, "123e4567-e89b-12d3-a456-426614174000"))  # type: ignore[call-overload]
    assert caught.value.field == "rotation"
    assert fake_api.log == []


def test_delete_old_without_a_hand_over_is_refused_before_anything_is_sent(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    with pytest.raises(InvalidInputError, match=r"ops\.retire") as caught:
        against(lambda c: ops.rotate(c, old.uuid, delete_old=True))
    assert caught.value.field == "delete_old"
    assert fake_api.log == []


def test_overrides_give_the_new_key_other_fields(against: Against, fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)
    rotation = against(
        lambda c: ops.rotate(
            c, old.uuid, on_created=HandOver(fake_api, old), group="balance", credit_limit=5, expires=None
        )
    )
    assert json.loads(fake_api.log[1].body) == {"name": "ci", "group": "balance", "credit_limit": 5, "expired_at": ""}
    assert (rotation.new.group, rotation.new.credit_limit, rotation.new.expires) == ("balance", 5, None)
    assert rotation.old_deleted is True


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"group": "vip"}, "group"), ({"credit_limit": -1}, "credit_limit"), ({"expires": "x"}, "expires")],
)
def test_bad_overrides_are_refused_before_anything_is_sent(
    against: Against, fake_api: FakeAPI, arguments: dict[str, Any], field: str
) -> None:
    old = seed_old(fake_api)
    with pytest.raises(InvalidInputError) as caught:
        against(lambda c: ops.rotate(c, old.uuid, **arguments))
    assert caught.value.field == field
    assert fake_api.log == []


# --- the sync client's own cases -------------------------------------------------------------------


def sync_client(fake: FakeAPI) -> GeekAIAdmin:
    return GeekAIAdmin(
        SYSTEM_KEY, base_url="https://geekai.co/api", transport=fake.mock_transport(), retry_policy=NO_WAIT
    )


def test_the_sync_client_refuses_an_awaitable_hand_over(fake_api: FakeAPI) -> None:
    old = seed_old(fake_api)

    async def store(new: CreatedKey) -> None:
        raise AssertionError("never runs")

    with sync_client(fake_api) as client, pytest.raises(RotationError, match="cannot await") as caught:
        ops.rotate(client, old.uuid, on_created=store)
    assert caught.value.step == "hand_over"
    assert fake_api.has_key(old.uuid)


@pytest.mark.parametrize("step", ["create", "hand_over", "delete"])
def test_an_interrupt_propagates_with_a_note_on_what_exists(fake_api: FakeAPI, step: str) -> None:
    old = seed_old(fake_api)
    if step != "hand_over":
        fake_api.inject(Reply.raising(KeyboardInterrupt()), method="POST" if step == "create" else "DELETE")

    def interrupted(new: CreatedKey) -> None:
        raise KeyboardInterrupt

    with sync_client(fake_api) as client, pytest.raises(KeyboardInterrupt) as caught:
        ops.rotate(client, old.uuid, on_created=interrupted if step == "hand_over" else HandOver(fake_api, old))
    notes = "\n".join(caught.value.__notes__)
    assert "ops.rotate was interrupted" in notes
    (note,) = (note for note in caught.value.__notes__ if isinstance(note, ops.InterruptNote))
    assert note.operation == "ops.rotate"
    assert note.what.startswith("interrupted ")
    assert old.uuid in note.what
    assert old.uuid in notes
    assert fake_api.has_key(old.uuid)
    for secret in fake_api.issued_secrets:
        assert secret not in notes


def test_rotation_error_is_a_geekai_error_with_the_documented_attributes() -> None:
    old = ApiKey(uuid="123e4567-e89b-12d3-a456-426614174000")
    error = RotationError("m", step="create", old=old, new=None)
    assert (error.message, error.step, error.old, error.new, error.old_deleted) == ("m", "create", old, None, False)
