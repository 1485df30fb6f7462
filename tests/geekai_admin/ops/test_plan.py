"""Keys as code, the plan: pure, from a keys file, the account's keys and the time (no HTTP)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from geekai_admin import NOT_GIVEN, ApiKey, InvalidInputError
from geekai_admin.ops._keys_file import KeysFile, KeysFileError, parse_keys_file
from geekai_admin.ops._plan import Change, FieldChange, Plan, plan
from tests.geekai_admin.samples import api_key

NOW = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
CREATED = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=datetime.UTC)
SECRET = 'secret = "file:k.secret"\n'


def keys_file(text: str) -> KeysFile:
    return parse_keys_file(text, path="keys.toml")


def one(name: str = "k", **lines: str) -> KeysFile:
    body = "".join(f"{field} = {value}\n" for field, value in lines.items())
    return keys_file(f'[[key]]\nname = "{name}"\n{SECRET}{body}')


def planned(desired: KeysFile, *current: ApiKey, now: datetime.datetime = NOW, prune: bool = False) -> Plan:
    return plan(desired, list(current), now=now, prune=prune)


def account_key(name: str | None = "k", **fields: Any) -> ApiKey:
    values: dict[str, Any] = {"name": name, "created_at": CREATED, "credit_limit": None, "expires": None}
    return api_key(**(values | fields))


# --- each kind of change ---------------------------------------------------------------------


def test_a_declared_key_missing_from_the_account_is_created_with_what_the_file_states() -> None:
    result = planned(one(group='"ha"', credit_limit="500", expires_after='"30d"'))
    (change,) = result.changes
    assert change.action == "create"
    assert change.uuid is None
    assert change.fields == {
        "group": FieldChange(NOT_GIVEN, "ha"),
        "credit_limit": FieldChange(NOT_GIVEN, Decimal(500)),
        "expires": FieldChange(NOT_GIVEN, TODAY + datetime.timedelta(days=30)),
    }
    expected = {"group": "ha", "credit_limit": Decimal(500), "expires": datetime.date(2027, 1, 2)}
    assert change.new_key_fields() == expected
    assert result.unchanged == 0
    assert result.pending


def test_a_create_leaves_unmanaged_fields_to_the_api() -> None:
    (change,) = planned(one()).changes
    assert change.fields == {}
    assert change.new_key_fields() == {}


def test_a_key_whose_managed_fields_differ_is_updated_field_by_field() -> None:
    current = account_key(group="balance", credit_limit=Decimal(100), expires=datetime.date(2027, 1, 1))
    result = planned(one(group='"ha"', credit_limit="100.00", expires="2027-02-01"), current)
    (change,) = result.changes
    assert change.action == "update"
    assert change.uuid == current.uuid
    assert change.fields == {
        "group": FieldChange("balance", "ha"),
        "expires": FieldChange(datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)),
    }


def test_a_key_that_matches_counts_as_unchanged() -> None:
    current = account_key(group="ha", credit_limit=Decimal("10000.00"))
    result = planned(one(group='"ha"', credit_limit="10000", expires='"never"'), current)
    assert result.changes == ()
    assert result.unchanged == 1
    assert not result.pending


def test_no_limit_and_no_expiry_are_stated_explicitly() -> None:
    current = account_key(credit_limit=Decimal(5), expires=datetime.date(2027, 1, 1))
    (change,) = planned(one(credit_limit='"none"', expires='"never"'), current).changes
    assert change.fields == {
        "credit_limit": FieldChange(Decimal(5), None),
        "expires": FieldChange(datetime.date(2027, 1, 1), None),
    }


def test_expires_after_counts_from_the_keys_creation_day_in_utc() -> None:
    # Created at 23:30 on Nov 1 in UTC+8, which is 15:30 on Nov 1 in UTC.
    created = datetime.datetime(2026, 11, 1, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    current = account_key(created_at=created, expires=datetime.date(2026, 12, 1))
    assert planned(one(expires_after='"30d"'), current).unchanged == 1
    late = datetime.datetime(2026, 11, 1, 16, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-8)))
    (change,) = planned(one(expires_after='"30d"'), account_key(created_at=late)).changes
    assert change.fields["expires"].new == datetime.date(2026, 12, 2)  # Nov 2 00:30 UTC


def test_a_key_older_than_rotate_every_is_rotated_and_says_since_when() -> None:
    current = account_key(group="ha", credit_limit=Decimal(7))
    (change,) = planned(one(rotate_every='"30d"', expires_after='"90d"'), current).changes
    assert change.action == "rotate"
    assert change.uuid == current.uuid
    assert change.due_since == datetime.date(2026, 12, 1)
    # expires_after counts from the new key's creation: today.
    assert change.fields == {"expires": FieldChange(None, TODAY + datetime.timedelta(days=90))}
    assert change.new_key_fields() == {"group": "ha", "credit_limit": Decimal(7), "expires": datetime.date(2027, 3, 3)}


def test_a_rotation_is_due_at_the_exact_moment_not_before() -> None:
    desired = one(rotate_every='"32d"')
    exactly = CREATED + datetime.timedelta(days=32)
    assert planned(desired, account_key(), now=exactly - datetime.timedelta(seconds=1)).unchanged == 1
    (change,) = planned(desired, account_key(), now=exactly).changes
    assert change.action == "rotate"
    assert change.due_since == exactly.date()


def test_rotate_every_never_means_no_rotation_by_age() -> None:
    desired = keys_file(f'[defaults]\nrotate_every = "1d"\n[[key]]\nname = "k"\n{SECRET}rotate_every = "never"\n')
    assert planned(desired, account_key()).unchanged == 1


def test_a_rotation_takes_the_declared_changes_with_it() -> None:
    current = account_key(group="balance")
    (change,) = planned(one(rotate_every='"1d"', group='"ha"'), current).changes
    assert change.action == "rotate"
    assert change.fields == {"group": FieldChange("balance", "ha")}


def test_prune_deletes_only_unlisted_keys_with_the_prefix() -> None:
    desired = keys_file(f'[scope]\nprune_prefix = "team-"\n[[key]]\nname = "team-a"\n{SECRET}')
    kept = account_key("team-a")
    stale_b, stale_c = account_key("team-c"), account_key("team-b")
    others = [account_key("prod"), account_key("Team-x"), account_key(None), account_key("xteam-y")]
    result = planned(desired, kept, stale_b, *others, stale_c, prune=True)
    assert [(c.action, c.name, c.uuid) for c in result.changes] == [
        ("delete", "team-b", stale_c.uuid),
        ("delete", "team-c", stale_b.uuid),
    ]
    assert result.unchanged == 1
    assert planned(desired, kept, stale_b, stale_c).changes == ()  # without prune, nothing is deleted


def test_pruning_without_a_prefix_is_refused() -> None:
    with pytest.raises(KeysFileError, match=r"keys\.toml: \[scope\] prune_prefix: pruning needs a prefix"):
        planned(one(), prune=True)


def test_changes_come_in_the_order_they_are_carried_out() -> None:
    text = "\n".join(
        f'[[key]]\nname = "team-{n}"\nsecret = "file:{n}.secret"\nrotate_every = "10d"\ngroup = "ha"\n' for n in "abcd"
    )
    desired = keys_file('[scope]\nprune_prefix = "team-"\n' + text)
    result = planned(
        desired,
        account_key("team-a"),  # old: rotate
        account_key("team-b", created_at=NOW, group="balance"),  # update
        account_key("team-z"),  # prune
        account_key("team-d", created_at=NOW, group="ha"),  # unchanged
        prune=True,
    )
    assert [(c.action, c.name) for c in result.changes] == [
        ("update", "team-b"),
        ("create", "team-c"),
        ("rotate", "team-a"),
        ("delete", "team-z"),
    ]
    assert [c.name for c in result.of("rotate")] == ["team-a"]
    assert result.unchanged == 1


# --- refusals --------------------------------------------------------------------------------


def test_two_account_keys_sharing_a_declared_name_are_refused() -> None:
    a, b = account_key("k"), account_key("k")
    with pytest.raises(KeysFileError) as caught:
        planned(one(), a, b)
    assert caught.value.name == "k"
    assert caught.value.field == "name"
    assert f"2 keys of this name ({a.uuid}, {b.uuid})" in str(caught.value)


def test_duplicate_names_outside_the_file_are_no_concern() -> None:
    assert planned(one(), account_key("k"), account_key("x"), account_key("x")).unchanged == 1


@pytest.mark.parametrize(
    ("text", "current", "words"),
    [
        ('[[key]]\nname = "k"\n', (), "to be created"),
        ('[[key]]\nname = "k"\nrotate_every = "1d"\n', (account_key(),), "due for rotation"),
    ],
)
def test_a_new_secret_without_a_destination_is_refused(text: str, current: tuple[ApiKey, ...], words: str) -> None:
    with pytest.raises(KeysFileError) as caught:
        planned(keys_file(text), *current)
    assert (caught.value.name, caught.value.field) == ("k", "secret")
    assert words in str(caught.value)


def test_an_unchanged_key_needs_no_destination() -> None:
    assert planned(keys_file('[[key]]\nname = "k"\n'), account_key()).unchanged == 1


@pytest.mark.parametrize("field", ["rotate_every", "expires_after"])
def test_a_day_count_without_a_creation_time_is_refused(field: str) -> None:
    with pytest.raises(KeysFileError) as caught:
        planned(one(**{field: '"5d"'}), account_key(created_at=None))
    assert (caught.value.name, caught.value.field) == ("k", field)
    assert "no creation time" in str(caught.value)


def test_a_creation_time_without_an_offset_is_read_as_utc() -> None:
    naive = account_key(created_at=datetime.datetime(2026, 11, 1, 23, 30))
    (change,) = planned(one(expires_after='"1d"'), naive).changes
    assert change.fields["expires"].new == datetime.date(2026, 11, 2)


@pytest.mark.parametrize(
    ("now", "words"),
    [(datetime.datetime(2026, 12, 3, 9, 0), "timezone-aware"), (datetime.date(2026, 12, 3), "expected a datetime")],
)
def test_now_must_be_an_aware_datetime(now: Any, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        plan(one(), [], now=now)


def test_prune_must_be_a_bool() -> None:
    with pytest.raises(InvalidInputError, match="prune"):
        plan(one(), [], now=NOW, prune="yes")  # type: ignore[arg-type]


# --- the JSON shape --------------------------------------------------------------------------


def test_to_dict_is_the_documented_shape() -> None:
    current = account_key(credit_limit=Decimal(5))
    result = planned(
        keys_file(
            f'[[key]]\nname = "new"\nsecret = "file:new.secret"\ngroup = "ha"\ncredit_limit = 1E+4\n'
            f'[[key]]\nname = "k"\n{SECRET}credit_limit = "none"\n'
        ),
        current,
    )
    assert result.to_dict() == {
        "changes": [
            {
                "action": "create",
                "name": "new",
                "uuid": None,
                "fields": {"group": {"new": "ha"}, "credit_limit": {"new": "10000"}},
            },
            {
                "action": "update",
                "name": "k",
                "uuid": current.uuid,
                "fields": {"credit_limit": {"old": "5", "new": None}},
            },
        ],
        "unchanged": 0,
    }


def test_a_rotation_says_since_when_in_json() -> None:
    (change,) = planned(one(rotate_every='"1d"'), account_key()).changes
    assert change.to_dict() == {
        "action": "rotate",
        "name": "k",
        "uuid": change.uuid,
        "fields": {},
        "due_since": "2026-11-02",
    }


def test_a_deletion_in_json() -> None:
    desired = keys_file('[scope]\nprune_prefix = "k"\n')
    gone = account_key("k1")
    assert planned(desired, gone, prune=True).to_dict()["changes"] == [
        {"action": "delete", "name": "k1", "uuid": gone.uuid, "fields": {}}
    ]


def test_a_change_holds_no_secret() -> None:
    (change,) = planned(one()).changes
    assert isinstance(change, Change)
    assert "secret" not in change.to_dict()
