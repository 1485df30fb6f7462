"""Keys as code, the file: every form a user writes is read, every mistake is refused naming the file,
the key and the field, before anything is sent (pure: no HTTP)."""

from __future__ import annotations

import datetime
import pickle
from decimal import Decimal
from pathlib import Path

import pytest

from geekai_admin import NOT_GIVEN, Group, InvalidInputError
from geekai_admin.ops._keys_file import MAX_KEYS_FILE_BYTES, DesiredKey, KeysFileError, load_keys_file, parse_keys_file

EXAMPLE = """
[defaults]
group = "balance"
credit_limit = 10000        # coins; "none" for no limit
rotate_every = "90d"

[scope]
prune_prefix = "team-"

[[key]]
name = "team-ci"
group = "ha"
expires_after = "180d"
secret = "exec:gh secret set GEEKAI_API_KEY --repo acme/app"

[[key]]
name = "team-web"
secret = "env-file:deploy/.env#GEEKAI_API_KEY"
"""


def parse(text: str) -> list[DesiredKey]:
    return list(parse_keys_file(text, path="keys.toml").keys)


def refused(text: str) -> KeysFileError:
    with pytest.raises(KeysFileError) as caught:
        parse_keys_file(text, path="keys.toml")
    return caught.value


def test_the_issues_example_reads_with_defaults_applied() -> None:
    keys = parse_keys_file(EXAMPLE, path="keys.toml")
    assert keys.prune_prefix == "team-"
    ci, web = keys.keys
    assert ci == DesiredKey(
        name="team-ci",
        group=Group.HA,
        credit_limit=Decimal(10000),
        expires_after_days=180,
        rotate_every_days=90,
        secret="exec:gh secret set GEEKAI_API_KEY --repo acme/app",
    )
    assert web.group is Group.BALANCE
    assert web.expires is NOT_GIVEN
    assert web.expires_after_days is NOT_GIVEN
    assert web.secret == "env-file:deploy/.env#GEEKAI_API_KEY"


def test_a_field_stated_nowhere_is_not_managed() -> None:
    (key,) = parse('[[key]]\nname = "solo"\n')
    assert key == DesiredKey(name="solo")
    assert key.group is NOT_GIVEN
    assert key.credit_limit is NOT_GIVEN
    assert key.rotate_every_days is NOT_GIVEN
    assert key.secret is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("expires = 2027-06-30", datetime.date(2027, 6, 30)),  # a TOML local date
        ('expires = "2027-06-30"', datetime.date(2027, 6, 30)),
        ('expires = "never"', None),
    ],
)
def test_expires_takes_a_toml_date_a_string_or_never(line: str, expected: datetime.date | None) -> None:
    (key,) = parse(f'[[key]]\nname = "k"\n{line}\n')
    assert key.expires == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("credit_limit = 10000", Decimal(10000)),
        ("credit_limit = 10000.5", Decimal("10000.5")),
        ("credit_limit = 0.01", Decimal("0.01")),
        ("credit_limit = 1_000_000", Decimal(1000000)),
        ('credit_limit = "none"', None),
    ],
)
def test_credit_limit_is_exact_coins_or_none(line: str, expected: Decimal | None) -> None:
    (key,) = parse(f'[[key]]\nname = "k"\n{line}\n')
    assert key.credit_limit == expected
    assert not isinstance(key.credit_limit, float)


def test_a_keys_own_expiry_rule_replaces_the_defaults_either_way() -> None:
    text = '[defaults]\nexpires_after = "30d"\n[[key]]\nname = "a"\nexpires = "never"\n[[key]]\nname = "b"\n'
    a, b = parse(text)
    assert (a.expires, a.expires_after_days) == (None, NOT_GIVEN)
    assert (b.expires, b.expires_after_days) == (NOT_GIVEN, 30)
    (c,) = parse('[defaults]\nexpires = 2027-01-01\n[[key]]\nname = "c"\nexpires_after = "10d"\n')
    assert (c.expires, c.expires_after_days) == (NOT_GIVEN, 10)


def test_rotate_every_never_opts_a_key_out_of_the_default() -> None:
    (key,) = parse('[defaults]\nrotate_every = "90d"\n[[key]]\nname = "k"\nrotate_every = "never"\n')
    assert key.rotate_every_days is None


def test_an_empty_file_declares_no_keys() -> None:
    assert parse("") == []


def test_load_reads_from_disk_and_keeps_the_files_folder(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    path = tmp_path / "deploy" / "keys.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    keys = load_keys_file(path)
    assert keys.folder == path.parent.resolve()
    assert keys.path == str(path)
    assert [k.name for k in keys.keys] == ["team-ci", "team-web"]


def test_the_folder_defaults_to_the_current_one() -> None:
    assert parse_keys_file("").folder == Path.cwd()


# --- refusals: each names the file, the key and the field ------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "field", "words"),
    [
        ('[[key]]\nname = "k"\ncolour = "red"\n', "k", "colour", "unknown field"),
        ('[defaults]\nname = "x"\n', None, "[defaults] name", "unknown field"),
        ('[defaults]\nsecret = "file:x"\n', None, "[defaults] secret", "unknown field"),
        ('[scope]\nprefix = "x"\n', None, "[scope] prefix", "unknown field"),
        ("[keys]\n", None, "keys", "unknown table"),
        ('[[key]]\nname = "k"\n[[key]]\nname = "k"\n', "k", "name", "named twice"),
        ('[[key]]\nname = "k"\nexpires_after = "90"\n', "k", "expires_after", '"90d"'),
        ('[[key]]\nname = "k"\nexpires_after = "3m"\n', "k", "expires_after", '"90d"'),
        ('[[key]]\nname = "k"\nexpires_after = "0d"\n', "k", "expires_after", '"90d"'),
        ('[[key]]\nname = "k"\nexpires_after = 90\n', "k", "expires_after", '"90d"'),
        ('[[key]]\nname = "k"\nrotate_every = "-5d"\n', "k", "rotate_every", '"90d"'),
        ('[defaults]\nrotate_every = "1y"\n', None, "rotate_every", '"90d"'),
        ('[[key]]\nname = "k"\nexpires = "2027-13-01"\n', "k", "expires", "not a valid date"),
        ('[[key]]\nname = "k"\nexpires = "next year"\n', "k", "expires", "YYYY-MM-DD"),
        ('[[key]]\nname = "k"\nexpires = 2027-06-30T00:00:00\n', "k", "expires", "expected a date"),
        ('[[key]]\nname = "k"\nexpires = 2027-06-30T00:00:00Z\n', "k", "expires", "expected a date"),
        ('[[key]]\nname = "k"\nexpires = 12:00:00\n', "k", "expires", "expected a date"),
        ('[[key]]\nname = "k"\nexpires = 20270630\n', "k", "expires", "got int"),
        ('[[key]]\nname = "k"\nexpires = 2027-01-01\nexpires_after = "9d"\n', "k", "expires_after", "not both"),
        ('[[key]]\nname = "k"\ncredit_limit = 0\n', "k", "credit_limit", 'write "none"'),
        ('[[key]]\nname = "k"\ncredit_limit = -1\n', "k", "credit_limit", "negative"),
        ('[[key]]\nname = "k"\ncredit_limit = "10000"\n', "k", "credit_limit", 'or "none"'),
        ('[[key]]\nname = "k"\ncredit_limit = true\n', "k", "credit_limit", 'or "none"'),
        ('[[key]]\nname = "k"\ncredit_limit = 1.0000000000000001\n', "k", "credit_limit", "15 significant digits"),
        ('[[key]]\nname = "k"\ncredit_limit = inf\n', "k", "credit_limit", "finite"),
        ('[[key]]\nname = "k"\ncredit_limit = nan\n', "k", "credit_limit", "finite"),
        ('[[key]]\nname = "k"\ngroup = "fast"\n', "k", "group", "must be one of"),
        ('[[key]]\nname = "k"\nsecret = ""\n', "k", "secret", "destination"),
        ('[[key]]\nname = "k"\nsecret = 5\n', "k", "secret", "destination"),
        ('[[key]]\ngroup = "ha"\n', None, "key #1 name", "every key needs a name"),
        ('[[key]]\nname = ""\n', None, "key #1 name", "empty"),
        ("[[key]]\nname = 5\n", None, "key #1 name", "expected a string"),
        ('[key]\nname = "k"\n', None, "key", "[[key]]"),
        ('key = "k"\n', None, "key", "[[key]]"),
        ("defaults = 5\n", None, "defaults", "[defaults] table"),
        ('[scope]\nprune_prefix = ""\n', None, "[scope] prune_prefix", "every unlisted key"),
        ('[scope]\nprune_prefix = "  "\n', None, "[scope] prune_prefix", "every unlisted key"),
    ],
)
def test_a_mistake_is_refused_naming_where_it_is(text: str, name: str | None, field: str, words: str) -> None:
    error = refused(text)
    assert error.path == "keys.toml"
    assert error.name == name
    assert error.field == field
    assert words in error.problem
    message = str(error)
    assert message.startswith("keys.toml: ")
    assert field in message
    if name is not None:
        assert f"key {name!r}" in message
    assert isinstance(error, InvalidInputError)


def test_invalid_toml_names_the_file_and_the_place() -> None:
    error = refused('[[key]]\nname = "k\n')
    assert str(error).startswith("keys.toml: not valid TOML:")
    assert "line 2" in str(error)


def test_text_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(KeysFileError, match="not UTF-8"):
        parse_keys_file(b'[[key]]\nname = "\xff"\n', path="keys.toml")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(KeysFileError) as caught:
        load_keys_file(missing)
    assert str(caught.value) == f"{missing}: cannot read it (No such file or directory)"


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"#" * (MAX_KEYS_FILE_BYTES + 1))
    with pytest.raises(KeysFileError, match="larger than 1024 KiB"):
        load_keys_file(path)


def test_the_error_pickles_to_the_same_type_and_message() -> None:
    error = refused('[[key]]\nname = "k"\ncolour = 1\n')
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is KeysFileError
    assert str(again) == str(error)
    assert (again.path, again.name, again.field, again.problem) == (error.path, error.name, error.field, error.problem)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("file:shared.key", "file:./shared.key"),
        ("file:deploy/../shared.key", "file:shared.key"),
        ("env-file:.env#K", "env-file:./.env#K"),
        ("file:.env", "env-file:.env#K"),
        ("env-file:.env#K", "file:.env"),
        ("exec:gh secret set K", "exec:gh  secret 'set' K"),
        ("vault:team", "vault:team"),
    ],
)
def test_two_keys_sending_their_secrets_to_one_place_are_refused(first: str, second: str, tmp_path: Path) -> None:
    text = f'[[key]]\nname = "a"\nsecret = "{first}"\n[[key]]\nname = "b"\nsecret = "{second}"\n'
    with pytest.raises(KeysFileError) as caught:
        parse_keys_file(text, path="keys.toml", folder=tmp_path)
    assert (caught.value.name, caught.value.field) == ("b", "secret")
    assert "the same destination as key 'a'" in str(caught.value)


def test_two_variables_of_one_env_file_are_two_places(tmp_path: Path) -> None:
    text = '[[key]]\nname = "a"\nsecret = "env-file:.env#A"\n[[key]]\nname = "b"\nsecret = "env-file:.env#B"\n'
    assert len(parse_keys_file(text, folder=tmp_path).keys) == 2


@pytest.mark.parametrize(("name", "words"), [("team-a ", "trailing spaces"), ("team-u\u0308", "NFC")])
def test_a_look_alike_name_is_refused(name: str, words: str) -> None:
    error = refused(f'[[key]]\nname = "{name}"\n')
    assert (error.name, error.field) == (name, "name")
    assert words in error.problem


def test_a_destination_of_another_form_is_the_callers_to_deliver() -> None:
    (key,) = parse('[[key]]\nname = "k"\nsecret = "vault:secret/k"\n')
    assert key.secret == "vault:secret/k"
