"""Selectors on `keys list`, and bulk `keys delete` / `keys update`: dry runs, consent, outcomes."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest

from geekai_admin.cli.output.formats import KEY_COLUMNS
from tests.cli.running import Cli, FakeStdin
from tests.support.fake_api import FakeAPI, Reply

TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=False))


def _day(days: int) -> str:
    return (TODAY + datetime.timedelta(days=days)).isoformat()


def _seed(api: FakeAPI) -> dict[str, str]:
    return {
        "tmp-a": api.seed(name="tmp-a", group="lowcost", credit_used=5, expired_at=_day(-1), expired=True).uuid,
        "tmp-b": api.seed(name="tmp-b", group="lowcost", credit_used=1, expired_at=_day(5), last_used_at="").uuid,
        "prod": api.seed(name="prod", group="ha", credit_used=900, expired_at="").uuid,
    }


# --- keys list ----------------------------------------------------------------------------------


def _names(cli: Cli, *argv: str) -> list[str]:
    return [key["name"] for key in cli("--json", "keys", "list", *argv).json()["keys"]]


def test_list_selectors_combine_with_and(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    assert sorted(_names(cli, "--match", "tmp-*")) == ["tmp-a", "tmp-b"]
    assert _names(cli, "--match", "tmp-*", "--expired") == ["tmp-a"]
    assert _names(cli, "--in-group", "ha") == ["prod"]
    assert _names(cli, "--expiring-within", "7") == ["tmp-b"]
    assert _names(cli, "--unused") == ["tmp-b"]
    assert _names(cli, "--match", "TMP-*") == []  # case-sensitive
    assert api.writes == 0


def test_a_selection_that_matches_nothing_says_so_not_that_there_are_no_keys(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    result = cli("keys", "list", "--match", "nothing-*")
    assert (result.code, result.out) == (0, "No key matches (of 3).\n")


def test_list_sort(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    assert _names(cli, "--sort", "name") == ["prod", "tmp-a", "tmp-b"]
    assert _names(cli, "--sort", "credit-used") == ["tmp-b", "tmp-a", "prod"]
    assert _names(cli, "--sort", "expires")[-1] == "prod"  # no expiry: last


# --- dry runs and consent -------------------------------------------------------------------------


def test_a_dry_run_lists_the_keys_and_sends_no_write(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    result = cli("keys", "delete", "--match", "tmp-*", "--dry-run")
    assert result.code == 0
    assert "Would delete 2 key(s) (dry run: nothing was sent)" in result.out
    assert keys["tmp-a"] in result.out
    assert keys["prod"] not in result.out
    assert api.writes == 0

    document = cli("--json", "keys", "update", "--in-group", "lowcost", "--group", "ha", "--dry-run").json()
    assert document == {
        "dry_run": True,
        "interrupted": False,
        "results": [{"uuid": keys[name], "ok": True, "error": None} for name in ("tmp-a", "tmp-b")],
    }
    assert api.writes == 0
    assert api.key(keys["tmp-a"])["group"]["name"] == "lowcost"


def test_a_dry_run_in_csv_is_the_keys_it_would_change(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    header, *rows = csv.reader(io.StringIO(cli("keys", "delete", "--unused", "--dry-run", "--format", "csv").out))
    assert header == list(KEY_COLUMNS)
    assert [row[0] for row in rows] == [keys["tmp-b"]]
    assert api.writes == 0


def test_selectors_without_yes_and_without_a_terminal_send_nothing(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    for argv in (["keys", "delete", "--expired"], ["keys", "update", "--match", "*", "--name", "x"]):
        result = cli(*argv)
        assert (result.code, result.out) == (2, "")
        assert "pass --yes" in result.err
    assert api.log == []


def test_a_terminal_confirmation(cli: Cli, api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _seed(api)
    monkeypatch.setattr("sys.stdin", FakeStdin("n\n", tty=True))
    refused = cli("keys", "delete", "--match", "tmp-*")
    assert refused.code == 2
    assert "Delete these 2 key(s)? This cannot be undone. [y/N]" in refused.err
    assert api.writes == 0
    monkeypatch.setattr("sys.stdin", FakeStdin("y\n", tty=True))
    done = cli("keys", "delete", "--match", "tmp-*")
    assert done.code == 0
    assert set(api.keys) == {keys["prod"]}


# --- real runs ------------------------------------------------------------------------------------


def test_bulk_delete_by_selectors(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    result = cli("keys", "delete", "--match", "tmp-*", "--yes")
    assert (result.code, result.err) == (0, "")
    assert f"{keys['tmp-a']} ('tmp-a'): deleted" in result.out
    assert result.out.splitlines()[-1] == "2 deleted, 0 failed"
    assert set(api.keys) == {keys["prod"]}


def test_bulk_update_by_uuids_goes_on_past_a_failure_and_exits_1(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    api.inject(Reply.json({"code": "forbidden", "message": "locked"}, 403), method="PUT", uuid=keys["tmp-b"])
    uuids = [keys["tmp-a"], keys["tmp-b"], keys["prod"]]
    result = cli("--json", "keys", "update", *uuids, "--credit-limit", "777")
    assert result.code == 1
    document = result.json()
    assert document["dry_run"] is False
    assert [(r["uuid"], r["ok"]) for r in document["results"]] == [
        (uuids[0], True),
        (uuids[1], False),
        (uuids[2], True),
    ]
    assert "locked" in document["results"][1]["error"]
    assert document["results"][0]["error"] is None
    assert result.err == "geekai-admin: error: keys update: 1 of 3 keys failed\n"
    assert api.key(keys["prod"])["credit_limit"] == 777
    assert api.key(keys["tmp-b"])["credit_limit"] != 777


def test_bulk_delete_in_jsonl_reports_each_key(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    api.inject(Reply.json({"code": "forbidden", "message": "no"}, 403), method="DELETE", uuid=keys["tmp-a"])
    result = cli("keys", "delete", "--match", "tmp-*", "--yes", "--format", "jsonl")
    assert result.code == 1
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [(row["uuid"], row["name"], row["ok"]) for row in rows] == [
        (keys["tmp-a"], "tmp-a", False),
        (keys["tmp-b"], "tmp-b", True),
    ]
    assert list(rows[0]) == [*KEY_COLUMNS, "ok", "outcome", "error"]


def test_several_uuids_delete_needs_yes_too(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    result = cli("keys", "delete", keys["tmp-a"], keys["tmp-b"])
    assert result.code == 2
    assert api.log == []
    assert cli("keys", "delete", keys["tmp-a"], keys["tmp-b"], "--yes").code == 0
    assert set(api.keys) == {keys["prod"]}


def test_no_key_matches(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    result = cli("keys", "delete", "--match", "nothing-*", "--yes")
    assert (result.code, result.out) == (0, "No key matches: nothing changed.\n")
    assert api.writes == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["keys", "delete", "--yes"], "name the key(s) to delete"),
        (["keys", "delete", "123e4567-e89b-12d3-a456-426614174000", "--expired"], "UUIDs or selectors, not both"),
        (["keys", "update", "123e4567-e89b-12d3-a456-426614174000", "--dry-run", "--name", "x"], "--dry-run needs"),
        (["keys", "delete", "123e4567-e89b-12d3-a456-426614174000", "bad", "--yes"], "UUID"),
        (["keys", "update", "--expired", "--yes"], "name at least one change"),
        (["keys", "list", "--expiring-within", "soon"], "must be a whole number of days"),
        (["keys", "list", "--sort", "size"], "invalid choice: 'size'"),
    ],
)
def test_bad_bulk_input_is_exit_2_and_sends_nothing(cli: Cli, api: FakeAPI, argv: list[str], message: str) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert message in result.err
    assert api.log == []


def test_a_dry_run_that_matches_nothing(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    result = cli("keys", "update", "--match", "none-*", "--name", "x", "--dry-run")
    assert (result.code, result.out) == (0, "No key matches: nothing would change (dry run: nothing was sent).\n")


def test_a_bulk_update_by_selectors_asks_on_a_terminal(cli: Cli, api: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _seed(api)
    monkeypatch.setattr("sys.stdin", FakeStdin("yes\n", tty=True))
    result = cli("keys", "update", "--in-group", "lowcost", "--no-limit", "--group", "ha")
    assert result.code == 0
    assert "Update these 2 key(s): group=ha, credit_limit=none? [y/N]" in result.err
    assert result.out.splitlines()[-1] == "2 updated, 0 failed"
    assert api.key(keys["tmp-a"])["group"]["name"] == "ha"
    assert api.key(keys["tmp-a"])["credit_limit"] == 0


def test_a_bulk_update_to_a_zero_limit_is_refused_before_anything_is_read(cli: Cli, api: FakeAPI) -> None:
    _seed(api)
    result = cli("keys", "update", "--in-group", "lowcost", "--credit-limit", "0", "--yes")
    assert result.code == 2
    assert "--credit-limit: 0 means no limit to the API" in result.err
    assert "use --no-limit" in result.err
    assert api.log == []


def test_expiring_within_0_is_a_selector(cli: Cli, api: FakeAPI) -> None:
    today = api.seed(name="ends-today", expired_at=_day(0)).uuid
    _seed(api)
    assert _names(cli, "--expiring-within", "0") == ["ends-today"]
    dry = cli("--json", "keys", "delete", "--expiring-within", "0", "--dry-run").json()
    assert [r["uuid"] for r in dry["results"]] == [today]
    updated = cli("keys", "update", "--expiring-within", "0", "--group", "ha", "--yes")
    assert (updated.code, updated.out.splitlines()[-1]) == (0, "1 updated, 0 failed")
    deleted = cli("keys", "delete", "--expiring-within", "0", "--yes")
    assert (deleted.code, deleted.out.splitlines()[-1]) == (0, "1 deleted, 0 failed")
    assert not api.has_key(today)
    assert len(api.keys) == 3


def test_a_bulk_run_reports_each_keys_outcome(cli: Cli, api: FakeAPI) -> None:
    keys = _seed(api)
    document = cli("--json", "keys", "delete", keys["tmp-a"], keys["prod"], "--yes").json()
    assert document == {
        "dry_run": False,
        "interrupted": False,
        "results": [
            {"uuid": keys["tmp-a"], "ok": True, "outcome": "done", "error": None},
            {"uuid": keys["prod"], "ok": True, "outcome": "done", "error": None},
        ],
    }
