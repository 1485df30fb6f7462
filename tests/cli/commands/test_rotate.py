"""`keys rotate`: the new key's secret is safe (printed once, or in the file) before the old key goes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI, Reply

BOOM = Reply.json({"code": "forbidden", "message": "the delete broke"}, 403)  # not retried: no backoff wait


def _old(api: FakeAPI) -> str:
    return api.seed(name="ci", group="ha", credit_limit=5000, credit_used=1200, expired_at="2027-06-30").uuid


def _new_uuid(api: FakeAPI, old: str) -> str:
    (new,) = set(api.keys) - {old}
    return new


def test_rotate_to_a_secret_file(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    old = _old(api)
    path = tmp_path / "ci.key"
    result = cli("keys", "rotate", old, "--secret-file", str(path))
    assert (result.code, result.err) == (0, "")
    new = _new_uuid(api, old)
    assert not api.has_key(old)
    record = api.key(new)
    assert (record["name"], record["group"]["name"], record["credit_limit"], record["expired_at"]) == (
        "ci",
        "ha",
        5000,
        "2027-06-30",
    )
    (secret,) = api.issued_secrets
    assert path.read_text() == secret + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret not in result.out
    assert f"Deleted the old key {old}." in result.out
    # The old key is deleted only after the new one was created (and its secret stored).
    assert [call.split()[0] for call in api.calls] == ["GET", "POST", "DELETE"]


def test_rotate_prints_the_secret_once_and_json_carries_it(cli: Cli, api: FakeAPI) -> None:
    old = _old(api)
    result = cli("keys", "rotate", old, "--name", "ci-2027")
    (secret,) = api.issued_secrets
    assert result.code == 0
    assert result.out.count(secret) == 1
    assert "shown only once" in result.out
    assert api.key(_new_uuid(api, old))["name"] == "ci-2027"

    again = _old(api)
    document = cli("--json", "keys", "rotate", again).json()
    assert document["new"]["secret"] == api.issued_secrets[-1]
    assert document["old"] == {"uuid": again, "deleted": True}
    assert document["new"]["name"] == "ci"


def test_rotate_json_with_a_secret_file(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    old = _old(api)
    path = tmp_path / "k"
    result = cli("keys", "rotate", old, "--secret-file", str(path), "--json")
    document = result.json()
    assert document["new"]["secret_file"] == str(path)
    assert "secret" not in document["new"]
    assert api.issued_secrets[0] not in result.out


def test_keep_old_leaves_both_keys(cli: Cli, api: FakeAPI) -> None:
    old = _old(api)
    result = cli("--json", "keys", "rotate", old, "--keep-old")
    assert result.code == 0
    assert result.json()["old"] == {"uuid": old, "deleted": False}
    assert api.has_key(old)
    assert len(api.keys) == 2
    assert api.count("DELETE") == 0


def test_a_failed_delete_names_both_keys_and_the_secret_is_safe_in_the_file(
    cli: Cli, api: FakeAPI, tmp_path: Path
) -> None:
    old = _old(api)
    api.inject(BOOM, method="DELETE", times=None)
    path = tmp_path / "ci.key"
    result = cli("keys", "rotate", old, "--secret-file", str(path))
    new = _new_uuid(api, old)
    (secret,) = api.issued_secrets
    assert result.code == 1
    assert path.read_text() == secret + "\n"
    assert secret not in result.out + result.err
    assert old in result.err
    assert new in result.err
    assert f"its secret is in {path}" in result.err
    assert "the delete broke" in result.err
    assert api.has_key(old)


def test_a_failed_delete_without_a_file_has_printed_the_secret_once(cli: Cli, api: FakeAPI) -> None:
    old = _old(api)
    api.inject(BOOM, method="DELETE", times=None)
    result = cli("keys", "rotate", old)
    (secret,) = api.issued_secrets
    assert result.code == 1
    assert result.out.count(secret) == 1
    assert secret not in result.err
    assert old in result.err
    assert _new_uuid(api, old) in result.err
    assert "its secret was printed above" in result.err


def test_a_failed_delete_in_json_still_prints_the_document(cli: Cli, api: FakeAPI) -> None:
    old = _old(api)
    api.inject(BOOM, method="DELETE", times=None)
    result = cli("--json", "keys", "rotate", old)
    assert result.code == 1
    document = result.json()
    assert document["new"]["secret"] == api.issued_secrets[0]
    assert document["old"] == {"uuid": old, "deleted": False}
    assert "its secret is in the JSON on stdout" in result.err


def test_a_failed_create_leaves_the_old_key_and_no_file(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    old = _old(api)
    api.inject(Reply.json({"code": "boom", "message": "no capacity"}, 500), method="POST")
    path = tmp_path / "ci.key"
    result = cli("keys", "rotate", old, "--secret-file", str(path))
    assert (result.code, result.out) == (1, "")
    assert f"the old key {old} was not touched" in result.err
    assert "no capacity" in result.err
    assert "a new key named 'ci' may have been created, its secret unknown" in result.err  # a 500: who knows
    assert not path.exists()
    assert api.keys.keys() == {old}


def test_an_existing_secret_file_sends_nothing(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    old = _old(api)
    path = tmp_path / "taken"
    path.write_text("keep me\n")
    result = cli("keys", "rotate", old, "--secret-file", str(path))
    assert (result.code, result.out) == (2, "")
    assert "already exists" in result.err
    assert api.log == []
    assert path.read_text() == "keep me\n"


def test_a_file_that_cannot_be_written_keeps_the_old_key(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _old(api)
    path = tmp_path / "ci.key"

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    result = cli("keys", "rotate", old, "--secret-file", str(path))
    new = api.calls[-1].rsplit("/", 1)[-1]
    assert (result.code, result.out) == (1, "")
    assert "No space left on device" in result.err
    assert f"the new key {new} was deleted, since no one could use it without its secret" in result.err
    assert f"the old key {old} was not touched" in result.err
    assert api.issued_secrets[0] not in result.err
    assert list(api.keys) == [old]  # the new key, undelivered, was deleted; the old one stays
    assert api.calls[-1] == f"DELETE /api/api_keys/{new}" != f"DELETE /api/api_keys/{old}"
    assert not path.exists()


def test_a_bad_uuid_sends_nothing(cli: Cli, api: FakeAPI) -> None:
    result = cli("keys", "rotate", "not-a-uuid")
    assert result.code == 2
    assert result.err.startswith("geekai-admin: error: keys rotate: UUID: ")
    assert api.log == []


def test_an_unknown_key_is_exit_1(cli: Cli, api: FakeAPI) -> None:
    result = cli("keys", "rotate", "123e4567-e89b-12d3-a456-426614174999")
    assert result.code == 1
    assert "HTTP 404" in result.err
    assert api.writes == 0


def test_ctrl_c_after_the_create_still_hands_the_secret_over_in_json(cli: Cli, api: FakeAPI) -> None:
    old = _old(api)
    api.inject(Reply.raising(KeyboardInterrupt()), method="DELETE")
    result = cli("--json", "keys", "rotate", old, transport=api.mock_transport())
    assert result.code == 130
    assert result.err.endswith("geekai-admin: interrupted\n")
    assert f"old key {old} may still exist" in result.err  # the library's note
    assert "geekai-admin: keys rotate was interrupted deleting the old key" in result.err
    assert "ops.rotate" not in result.err
    assert api.issued_secrets[0] not in result.err
    document = result.json()
    assert document["new"]["secret"] == api.issued_secrets[0]
    assert document["old"] == {"uuid": old, "deleted": None}  # unknown: the delete was under way


def test_help_says_credit_used_does_not_carry_over(cli: Cli) -> None:
    out = cli("keys", "rotate", "--help").out
    assert "Credit used does not carry over" in out
    assert "--secret-file PATH" in out
    assert '"old": {"uuid": str, "deleted": bool}' in out


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "secret-file"])
def test_an_unreadable_create_answer_is_handed_over_raw(cli: Cli, api: FakeAPI, tmp_path: Path, to_file: bool) -> None:
    old = _old(api)
    raw = '{"data": {"uuid": 7, "raw_value": "sk-only-copy"}}'
    api.inject(Reply.raw(raw.encode()), method="POST")
    path = tmp_path / "k"
    result = cli("keys", "rotate", old, *(["--secret-file", str(path)] if to_file else []))
    assert result.code == 1
    assert f"the old key {old} was not touched" in result.err
    if to_file:
        (kept,) = tmp_path.iterdir()
        assert kept.name.startswith("geekai-admin-unsaved-secret-")
        assert kept.read_text() == raw + "\n"
        assert f"is in {kept} (readable by you only)" in result.err
        assert "sk-only-copy" not in result.out + result.err
    else:
        assert result.out == raw + "\n"
    assert api.has_key(old)
    assert api.count("DELETE") == 0


def test_a_key_as_read_without_its_group_is_not_rotated(cli: Cli, api: FakeAPI) -> None:
    old = api.seed(name="ci", group=None).uuid
    result = cli("keys", "rotate", old)
    assert result.code == 1
    assert api.writes == 0


def test_a_refused_create_says_no_key_was_made(cli: Cli, api: FakeAPI) -> None:
    old = _old(api)
    api.inject(Reply.json({"code": "quota", "message": "too many keys"}, 409), method="POST")
    result = cli("keys", "rotate", old)
    assert result.code == 1
    assert result.err.endswith("the old key " + old + " was not touched; no new key was created\n")
