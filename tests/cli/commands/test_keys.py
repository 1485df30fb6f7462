"""`keys list`, `keys get`, `keys create`, `keys update`, `keys delete` on one key, in-process against the fake API.

Every run goes through the `run` fixture, which also asserts that the system key is in no output.
"""

from __future__ import annotations

import errno
import io
import json
import stat
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from geekai_admin import ops
from geekai_admin.cli import main
from tests.cli.running import Cli, FakeStdin
from tests.support.fake_api import EXAMPLE_UUID, FakeAPI, Reply, key_record

pytestmark = pytest.mark.usefixtures("cli_env")


KEY_FIELDS = [
    "uuid",
    "name",
    "value",
    "group",
    "credit_limit",
    "credit_used",
    "expires",
    "expired",
    "enabled",
    "last_used_at",
    "created_at",
    "extra",
]


def test_list_is_a_table(run: Any) -> None:
    result = run("keys", "list")
    assert result.code == 0
    header, row, count = result.out.splitlines()
    assert header.split() == [
        "UUID",
        "NAME",
        "GROUP",
        "CREDIT",
        "USED",
        "/",
        "LIMIT",
        "EXPIRES",
        "STATUS",
        "LAST",
        "USED",
    ]
    assert row.split() == [
        EXAMPLE_UUID,
        "ci-pipeline",
        "balance",
        "1234.5",
        "/",
        "10000",
        "2026-12-31",
        "active",
        "2026-11-20",
        "08:30+08:00",
    ]
    assert count == "1 key"


def test_list_shows_no_limit_never_and_status(run: Any, fake: FakeAPI) -> None:
    fake.keys = {
        "a" * 8 + "-0000-0000-0000-" + "0" * 12: key_record(
            uuid="a" * 8 + "-0000-0000-0000-" + "0" * 12, name="open", credit_limit=0, expired_at="", last_used_at=None
        ),
        "b" * 8 + "-0000-0000-0000-" + "0" * 12: key_record(
            uuid="b" * 8 + "-0000-0000-0000-" + "0" * 12, name="old", expired=True
        ),
        "c" * 8 + "-0000-0000-0000-" + "0" * 12: key_record(
            uuid="c" * 8 + "-0000-0000-0000-" + "0" * 12, name="off", status=False
        ),
    }
    lines = run("keys", "list").out.splitlines()
    assert "1234.5 / no limit" in lines[1]
    assert "never" in lines[1]
    assert lines[1].split()[-1] == "never"
    assert "expired" in lines[2].split()
    assert "disabled" in lines[3].split()
    assert lines[-1] == "3 keys"


def test_list_aligns_wide_names_and_neutralises_control_characters(run: Any, fake: FakeAPI) -> None:
    second = "dddddddd-0000-0000-0000-000000000000"
    fake.keys[second] = key_record(uuid=second, name="生产环境\x1b[31m\u202e" + "x" * 40)
    lines = run("keys", "list").out.splitlines()
    assert "\x1b" not in "".join(lines)
    assert "\u202e" not in "".join(lines)
    assert "\\x1b[31m\\u202e" in lines[2]
    assert "..." in lines[2]

    # The GROUP column starts at the same terminal column on every row (wide characters count 2).
    def column_of_group(line: str) -> int:
        prefix = line[: line.index("balance")] if "balance" in line else line[: line.index("GROUP")]
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in prefix)

    assert column_of_group(lines[0]) == column_of_group(lines[1]) == column_of_group(lines[2])


def test_empty_list(run: Any, fake: FakeAPI) -> None:
    fake.keys = {}
    assert run("keys", "list").out == "No API keys.\n"
    assert run("keys", "list", "--json").json() == {"keys": []}


def test_list_json_shape(run: Any) -> None:
    document = run("keys", "list", "--json").json()
    assert list(document) == ["keys"]
    (key,) = document["keys"]
    assert list(key) == KEY_FIELDS
    assert key == {
        "uuid": EXAMPLE_UUID,
        "name": "ci-pipeline",
        "value": "sk-Ab3x****************Yz9Q",
        "group": "balance",
        "credit_limit": "10000",
        "credit_used": "1234.5",
        "expires": "2026-12-31",
        "expired": False,
        "enabled": True,
        "last_used_at": "2026-11-20T08:30:00+08:00",
        "created_at": "2026-01-15T10:00:00+08:00",
        "extra": {},
    }


def test_get_for_people(run: Any) -> None:
    result = run("keys", "get", EXAMPLE_UUID)
    assert result.code == 0
    lines = dict(line.split("  ", 1) for line in result.out.splitlines())
    assert lines["uuid"].strip() == EXAMPLE_UUID
    assert lines["key (masked)"].strip() == "sk-Ab3x****************Yz9Q"
    assert lines["credit limit"].strip() == "10000 coins (100 yuan)"
    assert lines["status"].strip() == "active"


def test_get_json_and_unknown_fields(run: Any, fake: FakeAPI) -> None:
    fake.keys[EXAMPLE_UUID]["tags"] = ["ci", 1.5]
    document = run("--json", "keys", "get", EXAMPLE_UUID).json()
    assert list(document) == KEY_FIELDS
    assert document["extra"] == {"tags": ["ci", "1.5"]}
    assert 'extra.tags    ["ci", "1.5"]' in run("keys", "get", EXAMPLE_UUID).out


def test_a_key_the_server_says_little_about(run: Any, fake: FakeAPI) -> None:
    fake.keys = {EXAMPLE_UUID: {"uuid": EXAMPLE_UUID, "extra_info": {"nested": 2.50}}}
    result = run("keys", "get", EXAMPLE_UUID)
    lines = dict(line.split("  ", 1) for line in result.out.splitlines())
    assert {label: value.strip() for label, value in lines.items()} == {
        "uuid": EXAMPLE_UUID,
        "name": "-",
        "key (masked)": "-",
        "group": "-",
        "credit used": "-",
        "credit limit": "no limit",
        "expires": "never",
        "status": "-",
        "last used": "never",
        "created": "-",
        "extra.extra_info": '{"nested": "2.5"}',
    }
    row = run("keys", "list").out.splitlines()[1].split()
    assert row == [EXAMPLE_UUID, "-", "-", "-", "/", "no", "limit", "never", "-", "never"]
    document = run("--json", "keys", "get", EXAMPLE_UUID).json()
    assert document["extra"] == {"extra_info": {"nested": "2.5"}}
    assert document["name"] is None
    assert document["enabled"] is None


def test_a_secret_in_a_listing_is_never_shown(run: Any, fake: FakeAPI) -> None:
    fake.keys[EXAMPLE_UUID]["raw_value"] = "sk-FULL-SECRET-in-a-listing"
    for argv in (
        ("keys", "list"),
        ("keys", "list", "--json"),
        ("keys", "get", EXAMPLE_UUID),
        ("--json", "keys", "get", EXAMPLE_UUID),
    ):
        result = run(*argv)
        assert result.code == 0
        assert "sk-FULL-SECRET" not in result.out


def test_options_after_the_command_are_the_same_as_before(run: Any) -> None:
    assert run("keys", "list", "--json").out == run("--json", "keys", "list").out


def test_create_prints_the_secret_once_marked(run: Any, fake: FakeAPI) -> None:
    result = run("keys", "create", "--name", "ci", "--credit-limit", "10000", "--expires", "2026-12-31")
    assert result.code == 0
    (secret,) = fake.issued_secrets
    assert result.out.count(secret) == 1
    lines = result.out.splitlines()
    assert lines[-1] == secret
    assert "shown only once" in lines[-2]
    (listing, request) = fake.log  # the listing: no key of this name yet
    assert (listing.method, request.method) == ("GET", "POST")
    assert request.json() == {"name": "ci", "group": "balance", "credit_limit": 10000, "expired_at": "2026-12-31"}


def test_create_json_has_the_secret_as_a_field(run: Any, fake: FakeAPI) -> None:
    document = run("--json", "keys", "create", "--name", "ci", "--group", "ha").json()
    assert list(document) == [*KEY_FIELDS, "secret"]
    assert document["secret"] == fake.issued_secrets[0]
    assert document["group"] == "ha"
    assert document["credit_limit"] is None
    assert document["expires"] is None
    assert fake.log[1].json() == {"name": "ci", "group": "ha", "credit_limit": 0, "expired_at": ""}
    # Shown once: reading the key back never shows it.
    again = run("--json", "keys", "get", document["uuid"])
    assert document["secret"] not in again.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--credit-limit", "abc"], "keys create: --credit-limit: not a number: 'abc'"),
        (["--credit-limit", "-1"], "keys create: --credit-limit: must not be negative"),
        (["--expires", "31/12/2026"], "keys create: --expires: expected a datetime.date or 'YYYY-MM-DD'"),
        (["--group", "fast"], "argument --group: invalid choice: 'fast'"),
        (["--credit-limit", "0"], "keys create: --credit-limit: 0 means no limit to the API, not a limit of 0"),
    ],
)
def test_create_refuses_bad_input_before_sending(run: Any, fake: FakeAPI, argv: list[str], message: str) -> None:
    result = run("keys", "create", "--name", "ci", *argv)
    assert result.code == 2
    assert result.err.startswith(f"geekai-admin: error: {message}")
    assert fake.log == []


def test_create_requires_a_name(run: Any, fake: FakeAPI) -> None:
    result = run("keys", "create")
    assert result.code == 2
    assert result.err == (
        "geekai-admin: error: the following arguments are required: --name (see 'geekai-admin keys create --help')\n"
    )


def test_create_with_a_malformed_answer_hands_over_the_raw_body(run: Any, fake: FakeAPI) -> None:
    body = {"data": {**key_record(uuid=EXAMPLE_UUID, name="ci", created_at="not a date"), "raw_value": "sk-ONLY-COPY"}}
    fake.inject(Reply.json(body, 200), method="POST", times=None)
    result = run("keys", "create", "--name", "ci")
    assert result.code == 1
    assert "sk-ONLY-COPY" in result.out  # no destination: the one display of a secret
    assert "a key named 'ci' may have been created" in result.err
    assert "raw answer, which holds its secret if so, is on stdout" in result.err
    assert "'geekai-admin keys delete UUID'" in result.err
    assert ".response" not in result.err  # the library's pointer means nothing in a shell
    assert "raw_answer" not in result.err


def test_create_whose_answer_has_no_secret_says_so_once(run: Any, fake: FakeAPI) -> None:
    fake.inject(Reply.json({"data": key_record(uuid=EXAMPLE_UUID, name="ci")}, 200), method="POST", times=None)
    result = run("--json", "keys", "create", "--name", "ci")
    assert result.code == 1
    assert json.loads(result.out)["data"]["uuid"] == EXAMPLE_UUID  # the raw answer, for the record
    assert result.err == (
        f"geekai-admin: error: keys create: key {EXAMPLE_UUID} was created, but the response "
        "carries no secret (raw_value); a key named 'ci' may have been created: the server's raw answer, which "
        "holds its secret if so, is on stdout; find the key with 'geekai-admin keys list' (or in GeekAI's web "
        "console if the list cannot be read), then keep that secret or delete the key with "
        "'geekai-admin keys delete UUID'\n"
    )


class _FullStdout(io.StringIO):
    """stdout on a full device (`> /dev/full`): every write fails."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_an_unreadable_answer_that_stdout_cannot_take_is_kept_in_a_file_in_the_current_folder(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdout", _FullStdout())
    api.inject(Reply("drop_field", body=b"uuid"), method="POST")  # made, but the answer does not fit
    result = cli("keys", "create", "--name", "ci")
    (secret,) = api.issued_secrets
    (kept,) = tmp_path.glob("geekai-admin-unsaved-secret-*.txt")
    assert secret in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert result.code == 1
    assert secret not in result.err
    assert "on stdout" not in result.err
    assert (
        "the server's raw answer, which holds its secret if so, could not be written to stdout (No space left on "
        f"device), so it is in {kept} (readable by you only)"
    ) in result.err


def test_an_unreadable_answer_neither_stdout_nor_a_file_can_take_is_said_to_be_lost(
    cli: Cli, api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_room(destination: ops.Destination | None, text: str) -> Path:
        assert destination is None  # nothing was given but stdout
        raise ops.DeliveryError("no destination", "cannot keep it in /nowhere: Read-only file system")

    monkeypatch.setattr(sys, "stdout", _FullStdout())
    monkeypatch.setattr(ops, "keep_beside", no_room)
    api.inject(Reply("drop_field", body=b"uuid"), method="POST")
    result = cli("keys", "create", "--name", "ci")
    assert result.code == 1
    assert (
        "could not be written to stdout (No space left on device), so it could not be kept (cannot keep it in "
        "/nowhere: Read-only file system): it is lost"
    ) in result.err


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_a_create_the_server_may_have_carried_out_says_to_look_before_creating_again(
    run: Any, fake: FakeAPI, status: int
) -> None:
    fake.inject(Reply.json({"code": "boom", "message": "kaput"}, status), method="POST", times=None)
    result = run("keys", "create", "--name", "ci")
    assert result.code == 1
    assert fake.count("POST") == 1  # never retried: a second key could be made
    assert result.err.endswith(
        "; hint: the key may have been created, its secret unknown: look for it with "
        "'geekai-admin keys list' before creating it again\n"
    )


@pytest.mark.parametrize("status", [400, 403, 409, 422])
def test_a_refused_create_gives_no_maybe_created_hint(run: Any, fake: FakeAPI, status: int) -> None:
    fake.inject(Reply.json({"code": "no", "message": "refused"}, status), method="POST", times=None)
    result = run("keys", "create", "--name", "ci")
    assert result.code == 1
    assert "may have been created" not in result.err


def test_update_changes_only_the_named_fields(run: Any, fake: FakeAPI) -> None:
    result = run("keys", "update", EXAMPLE_UUID, "--name", "renamed")
    assert result.code == 0
    assert result.out.startswith(f"Updated key {EXAMPLE_UUID}\n")
    listing, get, put = fake.log  # the listing: the duplicate-name check
    assert [(r.method, r.route) for r in (listing, get, put)] == [
        ("GET", "/api_keys"),
        ("GET", "/api_keys/{uuid}"),
        ("PUT", "/api_keys/{uuid}"),
    ]
    assert put.json() == {"name": "renamed", "group": "balance", "credit_limit": 10000, "expired_at": "2026-12-31"}


def test_update_no_limit_and_no_expiry(run: Any, fake: FakeAPI) -> None:
    document = run("--json", "keys", "update", EXAMPLE_UUID, "--no-limit", "--no-expiry", "--group", "lowcost").json()
    assert fake.log[-1].json() == {"name": "ci-pipeline", "group": "lowcost", "credit_limit": 0, "expired_at": ""}
    assert list(document) == KEY_FIELDS
    assert (document["credit_limit"], document["expires"], document["group"]) == (None, None, "lowcost")


def test_update_new_limit_and_expiry(run: Any, fake: FakeAPI) -> None:
    assert run("keys", "update", EXAMPLE_UUID, "--credit-limit", "2500.5", "--expires", "2027-01-31").code == 0
    assert fake.log[-1].json() == {
        "name": "ci-pipeline",
        "group": "balance",
        "credit_limit": 2500.5,
        "expired_at": "2027-01-31",
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "keys update: name at least one change"),
        (["--credit-limit", "5", "--no-limit"], "argument --no-limit: not allowed with argument --credit-limit"),
        (["--no-expiry", "--expires", "2027-01-01"], "argument --expires: not allowed with argument --no-expiry"),
        (["--name", ""], "keys update: --name: must not be empty"),
        (["--credit-limit", "0"], "keys update: --credit-limit: 0 means no limit to the API, not a limit of 0"),
        (["--credit-limit", "0.00"], "keys update: --credit-limit: 0 means no limit to the API"),
    ],
)
def test_update_refuses_bad_input_before_sending(run: Any, fake: FakeAPI, argv: list[str], message: str) -> None:
    result = run("keys", "update", EXAMPLE_UUID, *argv)
    assert result.code == 2
    assert result.err.startswith(f"geekai-admin: error: {message}")
    assert fake.log == []


def test_update_of_a_missing_key(run: Any, fake: FakeAPI) -> None:
    result = run("keys", "update", "99999999-0000-0000-0000-000000000000", "--name", "x")
    assert result.code == 1
    assert "HTTP 404 [not_found] API key not found" in result.err
    assert "hint: check the UUID" in result.err
    assert [r.method for r in fake.log] == ["GET", "GET"]  # the duplicate-name check's listing, then the key


def test_delete_with_yes(run: Any, fake: FakeAPI) -> None:
    result = run("keys", "delete", EXAMPLE_UUID, "--yes")
    assert (result.code, result.out) == (0, f"Deleted key {EXAMPLE_UUID}\n")
    assert [(r.method, r.path) for r in fake.log] == [("DELETE", f"/api/api_keys/{EXAMPLE_UUID}")]
    assert fake.keys == {}


def test_delete_json(run: Any) -> None:
    assert run("--json", "keys", "delete", EXAMPLE_UUID.upper(), "--yes").json() == {
        "uuid": EXAMPLE_UUID,
        "deleted": True,
    }


def test_delete_without_a_terminal_and_without_yes_sends_nothing(
    run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin("y\n", tty=False))
    result = run("keys", "delete", EXAMPLE_UUID)
    assert result.code == 2
    assert "not confirmed" in result.err
    assert "--yes" in result.err
    assert "nothing was sent" in result.err
    assert result.out == ""
    assert fake.log == []
    assert EXAMPLE_UUID in fake.keys


def test_delete_asks_on_a_terminal_and_deletes_on_yes(run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin("y\n", tty=True))
    result = run("keys", "delete", EXAMPLE_UUID)
    assert result.code == 0
    assert result.err.startswith("Delete key 'ci-pipeline' (" + EXAMPLE_UUID)
    assert "[y/N]" in result.err
    assert [r.method for r in fake.log] == ["GET", "DELETE"]


@pytest.mark.parametrize("answer", ["n\n", "\n", "", "yes please\n"])
def test_delete_asks_on_a_terminal_and_keeps_the_key_otherwise(
    run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(answer, tty=True))
    code = main(["keys", "delete", EXAMPLE_UUID], transport=fake.mock_transport())
    assert code == 2
    assert [r.method for r in fake.log] == ["GET"]
    assert EXAMPLE_UUID in fake.keys


def test_delete_refuses_a_bad_uuid_before_anything(run: Any, fake: FakeAPI) -> None:
    result = run("keys", "delete", "../credit/balance", "--yes")
    assert result.code == 2
    assert result.err.startswith("geekai-admin: error: keys delete: UUID: not a UUID")
    assert fake.log == []


def test_create_refuses_a_name_a_key_has_unless_allowed(run: Any, fake: FakeAPI, tmp_path: Path) -> None:
    name = fake.keys[EXAMPLE_UUID]["name"]
    path = tmp_path / "k"
    result = run("keys", "create", "--name", name, "--secret-file", str(path))
    assert result.code == 2
    assert result.err == (
        f"geekai-admin: error: keys create: --name: a key named {name!r} already exists ({EXAMPLE_UUID}); plan "
        "and apply tell keys apart by name: choose another name, or pass --allow-duplicate-name (no key was created)\n"
    )
    assert fake.writes == 0
    assert not path.exists()  # the reserved file is gone
    allowed = run("keys", "create", "--name", name, "--allow-duplicate-name", "--secret-file", str(path))
    assert allowed.code == 0
    assert [key["name"] for key in fake.keys.values()] == [name, name]


UNREADABLE = "11111111-2222-4333-8444-555555555555"


def test_a_listing_the_duplicate_check_cannot_read_says_so_naming_the_key_and_the_way_past(
    run: Any, fake: FakeAPI
) -> None:
    listing = {"data": [key_record(uuid=EXAMPLE_UUID), key_record(uuid=UNREADABLE, credit_limit="lots")]}
    fake.inject(Reply("body", body=json.dumps(listing).encode()), method="GET", times=None)
    result = run("keys", "create", "--name", "fresh")
    assert result.code == 1
    assert result.err == (
        "geekai-admin: error: keys create: the duplicate-name check could not list the keys (listing item 1 "
        f"({UNREADABLE}): field 'credit_limit' should be a number, got 'lots'); no key was created: pass "
        "--allow-duplicate-name to go on without the check\n"
    )
    assert fake.writes == 0
    assert run("keys", "create", "--name", "fresh", "--allow-duplicate-name").code == 0


@pytest.mark.parametrize("command", ["update", "rotate"])
def test_renaming_to_a_name_another_key_has_is_refused_unless_allowed(
    run: Any, fake: FakeAPI, tmp_path: Path, command: str
) -> None:
    other = fake.seed(name="taken").uuid
    path = tmp_path / "new.key"
    secret = ["--secret-file", str(path)] if command == "rotate" else []
    result = run("keys", command, EXAMPLE_UUID, "--name", "taken", *secret)
    assert result.code == 2
    assert result.err == (
        f"geekai-admin: error: keys {command}: --name: a key named 'taken' already exists ({other}); plan and "
        "apply tell keys apart by name: choose another name, or pass --allow-duplicate-name (nothing was changed)\n"
    )
    assert fake.writes == 0
    assert not path.exists()
    # its own name is not a duplicate; --allow-duplicate-name goes on
    assert run("keys", command, EXAMPLE_UUID, "--name", fake.keys[EXAMPLE_UUID]["name"], *secret).code == 0
    renamed = run(
        "keys",
        command,
        other,
        "--name",
        "ci-pipeline",
        "--allow-duplicate-name",
        *(secret and ["--secret-file", str(tmp_path / "again.key")]),
    )
    assert renamed.code == 0
    assert sorted(key["name"] for key in fake.keys.values()) == ["ci-pipeline", "ci-pipeline"]


def test_a_bulk_rename_of_several_keys_to_one_name_is_refused_unless_allowed(run: Any, fake: FakeAPI) -> None:
    other = fake.seed(name="other").uuid
    result = run("keys", "update", EXAMPLE_UUID, other, "--name", "same", "--yes")
    assert result.code == 2
    assert result.err == (
        "geekai-admin: error: keys update: --name: the 2 keys selected would all be named 'same'; plan and apply "
        "tell keys apart by name: select one key, or pass --allow-duplicate-name (nothing was changed)\n"
    )
    assert fake.writes == 0
    assert run("keys", "update", EXAMPLE_UUID, other, "--name", "same", "--yes", "--allow-duplicate-name").code == 0
    assert [key["name"] for key in fake.keys.values()] == ["same", "same"]
