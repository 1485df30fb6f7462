"""`plan`, `apply` and `export` against the one fake API: every plan line, --check, --prune, refusals,
destinations for real (a program recording its stdin and argv, an env file read back by python-dotenv
and bash, a file), a failed delivery, and a real SIGINT to a real process."""

from __future__ import annotations

import datetime
import json
import os
import shlex
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import dotenv
import pytest

from geekai_admin import ops
from geekai_admin.ops import _bounded as bounded
from tests.cli.running import Cli, FakeStdin
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, Reply
from tests.support.keys_files import OLD, declared, keys_file_text
from tests.support.waiting_command import WAITER, alive, interrupt_main_when_started

NOW = datetime.datetime.now(datetime.UTC)
RECENT = NOW.isoformat(timespec="seconds")

KEYS_FILE = keys_file_text(
    declared("team-new", group="ha", secret="file:secrets/new.key"),
    declared("team-cli", secret="env-file:deploy/.env#GEEKAI_API_KEY"),
    declared("team-web", secret="env-file:deploy/.env#WEB_KEY"),
    declared("team-old", secret="exec:./record.py gh secret set GEEKAI_API_KEY"),
    declared("team-same"),
)

RECORDER = """\
#!{python}
import json, os, sys
secret = sys.stdin.read()
with open("recorded.json", "w") as out:
    json.dump({{"stdin": secret, "argv": sys.argv, "env": dict(os.environ)}}, out)
sys.exit(int(os.environ.get("RECORD_EXIT", "0")))
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A keys file's folder: the file, its destinations' folders, and the recording program."""
    (tmp_path / "secrets").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / ".env").write_text("# the app's settings\nDEBUG=1\nexport GEEKAI_API_KEY='old'\n")
    recorder = tmp_path / "record.py"
    recorder.write_text(RECORDER.format(python=sys.executable))
    recorder.chmod(0o755)
    (tmp_path / "keys.toml").write_text(KEYS_FILE)
    return tmp_path


def seed(api: FakeAPI) -> dict[str, str]:
    """team-web to update, team-old due for rotation, team-same unchanged, team-gone to prune, other never touched."""
    return {
        "team-web": api.seed(name="team-web", group="balance", credit_limit=500, created_at=RECENT).uuid,
        "team-old": api.seed(name="team-old", group="balance", credit_limit=10000, created_at=OLD).uuid,
        "team-same": api.seed(name="team-same", group="balance", credit_limit=10000, created_at=RECENT).uuid,
        "team-gone": api.seed(name="team-gone", group="ha", credit_limit=5, created_at=OLD).uuid,
        "other": api.seed(name="other", group="ha", credit_limit=5, created_at=OLD).uuid,
    }


def keys_file(folder: Path) -> str:
    return str(folder / "keys.toml")


# --- plan ------------------------------------------------------------------------------------------


def test_plan_prints_one_line_per_change_and_the_unchanged_count(cli: Cli, api: FakeAPI, folder: Path) -> None:
    uuids = seed(api)
    result = cli("plan", "-f", keys_file(folder), "--prune")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines == [
        "  create  team-new: group: ha, credit_limit: 10000, secret to file:secrets/new.key",
        "  create  team-cli: group: balance, credit_limit: 10000, secret to env-file:deploy/.env#GEEKAI_API_KEY",
        f"  update  team-web ({uuids['team-web']}): credit_limit: 500 -> 10000",
        f"  rotate  team-old ({uuids['team-old']}): due since 2026-04-01, "
        "secret to exec:./record.py gh secret set GEEKAI_API_KEY",
        f"  delete  team-gone ({uuids['team-gone']})",
        "Plan: 2 to create, 1 to update, 1 to rotate, 1 to delete; 1 unchanged.",
    ]
    assert "other" not in result.out
    assert api.writes == 0


def test_plan_json_is_the_issues_shape(cli: Cli, api: FakeAPI, folder: Path) -> None:
    uuids = seed(api)
    document = cli("plan", "-f", keys_file(folder), "--json").json()
    assert document["unchanged"] == 1
    assert [(c["action"], c["name"], c["uuid"]) for c in document["changes"]] == [
        ("create", "team-new", None),
        ("create", "team-cli", None),
        ("update", "team-web", uuids["team-web"]),
        ("rotate", "team-old", uuids["team-old"]),
    ]
    assert document["changes"][0]["fields"] == {"group": {"new": "ha"}, "credit_limit": {"new": "10000"}}
    assert document["changes"][2]["fields"] == {"credit_limit": {"old": "500", "new": "10000"}}
    assert document["changes"][3]["due_since"] == "2026-04-01"


def test_plan_check_exits_3_while_changes_are_pending_and_0_after_apply(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    pending = cli("plan", "-f", keys_file(folder), "--check")
    assert pending.code == 3
    assert pending.err == ""
    assert pending.out.splitlines()[-1] == "Plan: 2 to create, 1 to update, 1 to rotate, 0 to delete; 1 unchanged."
    assert cli("apply", "-f", keys_file(folder), "--yes").code == 0
    clean = cli("plan", "-f", keys_file(folder), "--check")
    assert (clean.code, clean.err) == (0, "")
    assert clean.out == "No changes: the account matches the keys file (5 keys unchanged).\n"
    assert cli("plan", "-f", keys_file(folder), "--check", "--prune").code == 3  # team-gone


def test_prune_touches_only_unlisted_keys_with_the_prefix(cli: Cli, api: FakeAPI, folder: Path) -> None:
    uuids = seed(api)
    assert cli("apply", "-f", keys_file(folder), "--yes").code == 0
    assert api.has_key(uuids["team-gone"])  # no --prune: kept
    assert cli("apply", "-f", keys_file(folder), "--yes", "--prune").code == 0
    assert not api.has_key(uuids["team-gone"])
    assert api.key(uuids["other"])["credit_limit"] == 5  # outside the prefix: never touched
    assert sorted(k["name"] for k in api.keys.values()) == [
        "other",
        "team-cli",
        "team-new",
        "team-old",
        "team-same",
        "team-web",
    ]


# --- apply -----------------------------------------------------------------------------------------


def test_apply_delivers_each_secret_to_its_destination_and_prints_none(cli: Cli, api: FakeAPI, folder: Path) -> None:
    uuids = seed(api)
    result = cli("apply", "-f", keys_file(folder), "--yes", "--prune")
    assert result.code == 0, result
    assert result.out.splitlines()[-1] == "Applied: 5 changes: 5 done, 0 failed, 0 not started, 0 unknown."
    secrets = {k["name"]: api.secret_of(u) for u, k in api.keys.items()}
    for secret in api.issued_secrets:
        assert secret not in result.out + result.err
    # file: a new 0600 file holding the secret
    new_file = folder / "secrets" / "new.key"
    assert new_file.read_text() == secrets["team-new"] + "\n"
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600
    # exec: the secret on stdin only, never in argv or the environment
    recorded = json.loads((folder / "recorded.json").read_text())
    assert recorded["stdin"] == secrets["team-old"]
    assert recorded["argv"][1:] == ["gh", "secret", "set", "GEEKAI_API_KEY"]
    assert all(secrets["team-old"] not in value for value in [*recorded["argv"], *recorded["env"].values()])
    assert not api.has_key(uuids["team-old"])  # deleted once its successor's secret was delivered
    # env-file: one variable replaced, every other line kept, its mode (0644) less others' read; python-dotenv
    # and bash read it back
    env_file = folder / "deploy" / ".env"
    assert env_file.read_text().startswith("# the app's settings\nDEBUG=1\nexport GEEKAI_API_KEY=")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert dotenv.dotenv_values(env_file) == {"DEBUG": "1", "GEEKAI_API_KEY": secrets["team-cli"]}
    shell = subprocess.run(
        ["bash", "-c", 'set -a; . "$1"; printf %s "$GEEKAI_API_KEY"', "bash", str(env_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == secrets["team-cli"]


def test_a_second_apply_plans_nothing(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    assert cli("apply", "-f", keys_file(folder), "--yes", "--prune").code == 0
    writes = api.writes
    again = cli("apply", "-f", keys_file(folder), "--yes", "--prune")
    assert again.code == 0
    assert again.out.startswith("No changes")
    assert api.writes == writes


def test_a_failed_delivery_deletes_the_new_key_and_keeps_the_old(
    cli: Cli, api: FakeAPI, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uuids = seed(api)
    monkeypatch.setenv("RECORD_EXIT", "1")
    result = cli("apply", "-f", keys_file(folder), "--yes")
    assert result.code == 1
    line = next(line for line in result.out.splitlines() if "team-old" in line)
    assert "FAILED" in line
    assert "exited with status 1" in line
    assert f"old key {uuids['team-old']} is untouched" in line
    assert "was deleted" in line
    assert api.has_key(uuids["team-old"])
    assert [k["name"] for k in api.keys.values()].count("team-old") == 1  # the new one is gone
    assert result.err == "geekai-admin: error: apply: 1 of 4 changes failed\n"
    # the rest was done; a rerun once the destination works converges
    monkeypatch.setenv("RECORD_EXIT", "0")
    assert cli("apply", "-f", keys_file(folder), "--yes").code == 0
    assert cli("plan", "-f", keys_file(folder), "--check").code == 0


def test_dry_run_prints_the_plan_and_sends_no_write(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    result = cli("apply", "-f", keys_file(folder), "--dry-run", "--json")
    assert result.code == 0
    document = result.json()
    assert document["dry_run"] is True
    assert len(document["changes"]) == 4
    assert api.writes == 0
    assert not (folder / "secrets" / "new.key").exists()


def test_on_a_terminal_apply_shows_the_plan_and_asks(
    cli: Cli, api: FakeAPI, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(api)
    monkeypatch.setattr("sys.stdin", FakeStdin("n\n", tty=True))
    refused = cli("apply", "-f", keys_file(folder))
    assert refused.code == 2
    assert "create  team-new" in refused.err
    assert "Apply these 4 change(s)? [y/N]" in refused.err
    assert api.writes == 0
    assert not (folder / "secrets" / "new.key").exists()  # nothing reserved either
    monkeypatch.setattr("sys.stdin", FakeStdin("y\n", tty=True))
    assert cli("apply", "-f", keys_file(folder)).code == 0
    assert api.writes > 0


# --- refusals: exit 2, nothing sent, naming the file, the key and the field ------------------------


def _replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


REFUSED_FILES: dict[str, tuple[Callable[[str], str], str]] = {
    "unknown field": (lambda t: t + 'colour = "red"\n', "key 'team-same': colour: unknown field"),
    "duplicate name": (lambda t: t + '[[key]]\nname = "team-web"\n', "key 'team-web': name: named twice"),
    "bad duration": (
        lambda t: _replace(t, '"90d"', '"3 months"'),
        'rotate_every: expected a number of days such as "90d"',
    ),
    "bad date": (lambda t: t + 'expires = "2027-02-30"\n', "key 'team-same': expires"),
    "created key without a destination": (
        lambda t: _replace(t, 'secret = "file:secrets/new.key"\n', ""),
        "key 'team-new': secret: the key is to be created",
    ),
    "rotated key without a destination": (
        lambda t: _replace(t, 'secret = "exec:./record.py gh secret set GEEKAI_API_KEY"\n', ""),
        "key 'team-old': secret: the key is due for rotation",
    ),
    "a folder that does not exist": (
        lambda t: _replace(t, "file:secrets/new.key", "file:missing/new.key"),
        "key 'team-new': secret: file:",
    ),
    "a command not found": (
        lambda t: _replace(t, "exec:./record.py", "exec:no-such-command-here"),
        "key 'team-old': secret: exec:no-such-command-here gh secret set GEEKAI_API_KEY: command not found",
    ),
    "an invalid variable name": (
        lambda t: _replace(t, "#GEEKAI_API_KEY", "#GEEKAI-KEY"),
        "key 'team-cli': secret: env-file:",
    ),
    "a destination of no known kind": (
        lambda t: _replace(t, "file:secrets/new.key", "vault:x"),
        "key 'team-new': secret: vault:x: unknown kind 'vault'",
    ),
}


PREPARED_ONLY = ("a folder that does not exist", "a command not found", "an invalid variable name")
"""Refused by apply, which prepares each destination; plan only reads the file (it sends no write)."""


@pytest.mark.parametrize(
    ("command", "case"),
    [("apply", case) for case in REFUSED_FILES]
    + [("plan", case) for case in REFUSED_FILES if case not in PREPARED_ONLY],
)
def test_each_refusal_is_exit_2_before_any_write(cli: Cli, api: FakeAPI, folder: Path, command: str, case: str) -> None:
    seed(api)
    change, expected = REFUSED_FILES[case]
    (folder / "keys.toml").write_text(change(KEYS_FILE))
    result = (
        cli(command, "-f", keys_file(folder), "--yes") if command == "apply" else cli(command, "-f", keys_file(folder))
    )
    assert result.code == 2, result
    assert f"geekai-admin: error: {command}: {keys_file(folder)}" in result.err
    assert expected in result.err
    assert api.writes == 0
    assert not (folder / "secrets" / "new.key").exists()


@pytest.mark.parametrize("twins", [1, 2])
def test_account_keys_sharing_a_declared_name_are_refused_naming_each_and_how_many_must_go(
    cli: Cli, api: FakeAPI, folder: Path, twins: int
) -> None:
    first = seed(api)["team-web"]
    more = [api.seed(name="team-web", group="balance", credit_limit=500, created_at=RECENT).uuid for _ in range(twins)]
    for command in (["plan"], ["apply", "--yes"]):
        result = cli(*command, "-f", keys_file(folder))
        assert result.code == 2
        assert (
            f"key 'team-web': name: the account has {twins + 1} keys of this name ({', '.join([first, *more])})"
        ) in result.err
        assert result.err.endswith(
            f"rename or delete all but one ({twins} of them): keep one, and for each of the other {twins} run "
            "'geekai-admin keys update UUID --name NEW-NAME' or 'geekai-admin keys delete UUID'\n"
        )
    assert api.writes == 0


def test_a_new_keys_file_must_not_exist(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    (folder / "secrets" / "new.key").write_text("something else\n")
    result = cli("apply", "-f", keys_file(folder), "--yes")
    assert result.code == 2
    assert "already exists" in result.err
    assert "nothing was sent" in result.err
    assert (folder / "secrets" / "new.key").read_text() == "something else\n"
    assert api.writes == 0


def test_prune_without_a_prefix_is_refused(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    (folder / "keys.toml").write_text(_replace(KEYS_FILE, '[scope]\nprune_prefix = "team-"\n', ""))
    result = cli("plan", "-f", keys_file(folder), "--prune")
    assert result.code == 2
    assert "[scope] prune_prefix: pruning needs a prefix" in result.err


def test_without_a_terminal_apply_needs_yes(
    cli: Cli, api: FakeAPI, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(api)
    monkeypatch.setattr("sys.stdin", FakeStdin("", tty=False))
    result = cli("apply", "-f", keys_file(folder))
    assert result.code == 2
    assert "pass --yes" in result.err
    assert api.writes == 0


def test_a_missing_keys_file_is_refused(cli: Cli, folder: Path) -> None:
    result = cli("plan", "-f", str(folder / "nope.toml"))
    assert result.code == 2
    assert "nope.toml: cannot read it" in result.err


# --- export ----------------------------------------------------------------------------------------


def test_export_writes_a_keys_file_that_plans_no_change(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    exported = cli("export", "--match", "team-*", "--prune-prefix", "team-")
    assert exported.code == 0
    assert 'name = "team-web"' in exported.out
    assert "other" not in exported.out
    (folder / "exported.toml").write_text(exported.out)
    again = cli("plan", "-f", str(folder / "exported.toml"), "--prune", "--check")
    assert (again.code, again.out) == (0, "No changes: the account matches the keys file (4 keys unchanged).\n")


def test_export_to_a_file_never_overwrites(cli: Cli, api: FakeAPI, folder: Path) -> None:
    seed(api)
    target = folder / "out.toml"
    written = cli("export", "-o", str(target))
    assert written.code == 0
    assert written.out == f"Wrote 5 keys to {target}.\n"
    assert "[[key]]" in target.read_text()
    refused = cli("export", "-o", str(target))
    assert refused.code == 2
    assert "already exists: export never overwrites" in refused.err
    assert cli("export", "--json").code == 2  # it prints a keys file, not JSON


# --- an interrupt to a real process ----------------------------------------------------------------


def _apply_process(folder: Path, base_url: str, *options: str) -> subprocess.Popen[str]:
    """A real `geekai-admin apply -f keys.toml --yes` in `folder`, its output piped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEEKAI_")} | {"GEEKAI_SYSTEM_KEY": SYSTEM_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "geekai_admin", "--base-url", base_url, *options, "apply", "-f", "keys.toml", "--yes"],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


SLOW_RECORDER = """\
#!{python}
import pathlib, sys, time
sys.stdin.read()
pathlib.Path("started-" + sys.argv[1]).touch()
time.sleep(1.5)
"""


@pytest.mark.parametrize(
    ("signum", "status", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_a_signal_stops_starting_changes_and_reports_what_was_done(
    tmp_path: Path, signum: signal.Signals, status: int, word: str
) -> None:
    api = FakeAPI()
    recorder = tmp_path / "slow.py"
    recorder.write_text(SLOW_RECORDER.format(python=sys.executable))
    recorder.chmod(0o755)
    names = [f"team-{n:02}" for n in range(12)]  # more than apply runs at once (8)
    body = "".join(f'[[key]]\nname = "{name}"\nsecret = "exec:./slow.py {name}"\n' for name in names)
    (tmp_path / "keys.toml").write_text(body)
    with api.serve() as server:
        process = _apply_process(tmp_path, server.base_url)
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob("started-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    assert process.returncode == status, (out, err)
    started = sorted(path.name.removeprefix("started-") for path in tmp_path.glob("started-*"))
    lines = {line.split()[1].rstrip(":"): line for line in out.splitlines() if line.startswith("  create")}
    assert set(lines) == set(names)
    for name in names:
        if name in started:
            assert lines[name].endswith("secret delivered)"), lines[name]
        else:
            assert lines[name].endswith(": not started"), lines[name]
    assert len(started) < len(names)
    assert out.splitlines()[-1].startswith("Interrupted: 12 changes:")
    assert err.startswith(f"geekai-admin: error: apply: {word}: 12 changes: ")
    assert "Traceback" not in err
    # what was reported is what the account holds: one key per delivered secret, none for the rest
    assert sorted(k["name"] for k in api.keys.values()) == started
    for secret in api.issued_secrets:
        assert secret not in out + err


def test_an_interrupt_prints_each_outcome_as_json_and_leaves_no_reserved_file(
    cli: Cli, api: FakeAPI, folder: Path
) -> None:
    uuids = seed(api)
    api.inject(Reply.raising(KeyboardInterrupt()), method="PUT", uuid=uuids["team-web"])
    result = cli("apply", "-f", keys_file(folder), "--yes", "--json")
    assert result.code == 130
    document = json.loads(result.out)
    assert document["interrupted"] is True
    outcomes = {r["name"]: r["outcome"] for r in document["results"]}
    assert outcomes["team-web"] == "unknown"
    assert outcomes["team-old"] == "not started"  # rotations come after creates and updates
    assert api.has_key(uuids["team-old"])
    # a file reserved for a key that was never delivered is not left behind
    assert (folder / "secrets" / "new.key").exists() == (outcomes["team-new"] == "done")


def _unknown_entry(cli: Cli, folder: Path, name: str) -> tuple[dict[str, object], str]:
    """An interrupted `apply --json` and plain `apply` alike: the change's JSON entry and its text line, which
    say the same words (the fake's injection answers once: each run is interrupted at the same point)."""
    document = cli("apply", "-f", keys_file(folder), "--yes", "--json")
    assert document.code == 130, document
    (entry,) = (entry for entry in document.json()["results"] if entry["name"] == name)
    assert (entry["outcome"], entry["ok"]) == ("unknown", False)
    assert isinstance(entry["error"], str)
    return entry, entry["error"].removeprefix(f"apply: {entry['action']} {name!r}: ")


def test_an_update_and_a_deletion_in_flight_say_what_may_have_happened_in_the_json_too(
    cli: Cli, api: FakeAPI, folder: Path
) -> None:
    uuids = seed(api)
    api.inject(Reply.raising(KeyboardInterrupt()), method="PUT", uuid=uuids["team-web"])
    web, said = _unknown_entry(cli, folder, "team-web")
    assert said == (
        f"interrupted in flight: the key {uuids['team-web']} may or may not have been updated: "
        f"check it with 'geekai-admin keys get {uuids['team-web']}'"
    )
    assert web["new_uuid"] is None
    api.inject(Reply.raising(KeyboardInterrupt()), method="DELETE", uuid=uuids["team-gone"])
    result = cli("apply", "-f", keys_file(folder), "--yes", "--prune")
    assert result.code == 130
    (line,) = (line for line in result.out.splitlines() if "team-gone" in line)
    assert line == (
        f"  delete  team-gone ({uuids['team-gone']}): unknown: interrupted in flight: the key {uuids['team-gone']} "
        f"may or may not have been deleted: check it with 'geekai-admin keys get {uuids['team-gone']}'"
    )


@pytest.mark.parametrize("action", ["create", "rotate"])
def test_a_new_key_whose_create_was_in_flight_may_exist_and_the_report_says_how_to_find_it(
    cli: Cli, api: FakeAPI, folder: Path, action: str
) -> None:
    uuids = seed(api)
    name = "team-new" if action == "create" else "team-old"
    if action == "create":  # one create: its POST is the first
        (folder / "keys.toml").write_text(
            keys_file_text(declared("team-new", secret="file:secrets/new.key"), defaults=False)
        )
    # the rotations' phase starts once both creates are done: its POST is the third (the first of the rerun)
    api.inject(Reply.raising(KeyboardInterrupt()), method="POST", at=1 if action == "create" else 3)
    entry, said = _unknown_entry(cli, folder, name)
    assert entry["new_uuid"] is None
    old = "" if action == "create" else f" (not {uuids['team-old']})"
    untouched = "" if action == "create" else f"; the old key {uuids['team-old']} was not touched"
    assert said == (
        f"interrupted in flight: a key named {name!r}{old} may have been created, its secret unknown"
        f"{untouched}: find it with 'geekai-admin keys list' and delete it with 'geekai-admin keys delete UUID'"
    )
    api.inject(Reply.raising(KeyboardInterrupt()), method="POST", at=1)
    result = cli("apply", "-f", keys_file(folder), "--yes")  # the text line says the same words
    (line,) = (line for line in result.out.splitlines() if line.startswith(f"  {action:<7} {name}"))
    assert line.endswith(f": unknown: {said}")


def test_a_rotation_whose_old_key_deletion_was_in_flight_names_both_keys(cli: Cli, api: FakeAPI, folder: Path) -> None:
    uuids = seed(api)
    old = uuids["team-old"]
    api.inject(Reply.raising(KeyboardInterrupt()), method="DELETE", uuid=old)
    entry, said = _unknown_entry(cli, folder, "team-old")
    new = entry["new_uuid"]
    assert isinstance(new, str)
    assert api.key(new)["name"] == "team-old"
    assert said == (
        f"interrupted in flight: the new key {new} was created and its secret delivered to "
        f"exec:./record.py gh secret set GEEKAI_API_KEY; the old key {old} may or may not have been deleted: "
        f"check it with 'geekai-admin keys get {old}' and delete it with 'geekai-admin keys delete {old}'"
    )
    for secret in api.issued_secrets:
        assert secret not in said


def test_a_hand_over_still_running_when_the_grace_ends_names_its_key_in_the_json_error(
    cli: Cli, api: FakeAPI, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.3)
    release = threading.Event()

    def stuck(self: ops.FileDestination, secret: str) -> None:  # a write that hangs: Ctrl-C comes meanwhile
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        release.wait(30)

    monkeypatch.setattr(ops.FileDestination, "deliver", stuck)
    (folder / "keys.toml").write_text(
        keys_file_text(declared("team-new", secret="file:secrets/new.key"), defaults=False)
    )
    try:
        entry, said = _unknown_entry(cli, folder, "team-new")
    finally:
        release.set()
    ((uuid, key),) = api.keys.items()
    (secret,) = api.issued_secrets
    assert (key["name"], entry["new_uuid"]) == ("team-new", uuid)
    assert said == (
        f"interrupted in flight: the new key {uuid} ('team-new') was kept: its secret may or may not have reached "
        f"file:secrets/new.key; if it did not, delete the key with 'geekai-admin keys delete {uuid}'"
    )
    assert secret not in said


ONE_NEW_KEY = keys_file_text(declared("team-new", secret="env-file:deploy/.env#GEEKAI_API_KEY"), defaults=False)


@pytest.mark.parametrize("json_report", [False, True], ids=["text", "json"])
def test_an_unreadable_create_answer_is_kept_beside_the_destination_and_the_report_says_where(
    cli: Cli, api: FakeAPI, folder: Path, json_report: bool
) -> None:
    (folder / "keys.toml").write_text(ONE_NEW_KEY)
    api.inject(Reply("drop_field", body=b"uuid"), method="POST")  # made, but the answer does not fit
    result = cli(*(["--json"] if json_report else []), "apply", "-f", keys_file(folder), "--yes")
    (secret,) = api.issued_secrets
    assert result.code == 1
    assert secret not in result.out + result.err
    (kept,) = (folder / "deploy").glob("geekai-admin-unsaved-secret-*.txt")
    assert secret in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    said = result.json()["results"][0]["error"] if json_report else result.out.splitlines()[0]
    assert f"the server's raw answer, which holds its secret if so, is in {kept} (readable by you only)" in said
    assert "a key named 'team-new' may have been created" in said
    assert "'geekai-admin keys delete UUID'" in said
    assert "applying again will not deliver this secret (the key's name is taken)" in said
    for internal in ("raw_answer", "__cause__", "on_created", ".response"):
        assert internal not in result.out + result.err
    assert "GEEKAI_API_KEY='old'" in (folder / "deploy" / ".env").read_text()  # the destination is untouched


def test_a_new_secret_whose_key_cannot_be_deleted_is_kept_beside_the_destination(
    cli: Cli, api: FakeAPI, folder: Path
) -> None:
    (folder / "keys.toml").write_text('[[key]]\nname = "team-new"\nsecret = "exec:false"\n')
    api.inject(Reply.json({"code": "boom", "message": "down"}, 500), method="DELETE", times=None)
    result = cli("apply", "-f", keys_file(folder), "--yes")
    (secret,) = api.issued_secrets
    (uuid,) = api.keys
    assert result.code == 1
    assert secret not in result.out + result.err
    (kept,) = folder.glob("geekai-admin-unsaved-secret-*.txt")
    assert kept.read_text() == secret + "\n"
    line = result.out.splitlines()[0]
    assert "delivering the new secret failed (exec:false: exited with status 1 (its output was discarded" in line
    assert f"the new key {uuid} exists and its secret is in {kept} (readable by you only)" in line
    assert f"delete the key with 'geekai-admin keys delete {uuid}'" in line
    assert ".new.secret" not in line


@pytest.mark.parametrize("json_report", [False, True], ids=["text", "json"])
def test_a_delivery_that_may_have_worked_keeps_no_file_names_the_key_and_exits_1(
    cli: Cli, api: FakeAPI, folder: Path, json_report: bool
) -> None:
    # the command reads the secret, then is ended by a signal: delivered or not, no one can tell
    (folder / "keys.toml").write_text(
        '[[key]]\nname = "team-new"\nsecret = "exec:sh -c \'cat >/dev/null; kill -TERM $$\'"\n'
    )
    result = cli(*(["--json"] if json_report else []), "apply", "-f", keys_file(folder), "--yes")
    (secret,) = api.issued_secrets
    ((uuid, key),) = api.keys.items()  # kept: its secret may be in use
    assert key["name"] == "team-new"
    assert result.code == 1
    assert result.err == "geekai-admin: error: apply: 1 of 1 changes unknown\n"
    assert secret not in result.out + result.err
    assert [path.name for path in folder.rglob("*unsaved*")] == []  # no copy of a secret that may be in use
    if json_report:
        (entry,) = result.json()["results"]
        assert (entry["outcome"], entry["ok"], entry["new_uuid"]) == ("unknown", False, uuid)
        said = entry["error"]
    else:
        said = result.out.splitlines()[0]
        assert said.startswith("  create  team-new: unknown: the delivery of the new secret to exec:sh -c "), said
        assert result.out.splitlines()[-1] == "Applied: 1 changes: 0 done, 0 failed, 0 not started, 1 unknown."
    assert "was ended by SIGTERM before it exited" in said
    assert f"the new key {uuid} ('team-new') was kept" in said
    assert f"delete the key with 'geekai-admin keys delete {uuid}'" in said
    assert said.count("may or may not") == 1
    for wrong in ("deleting the new key failed", "unsaved", ".new.secret"):
        assert wrong not in said


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_delivery_command_still_running_after_the_grace_is_stopped_and_its_key_named(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.3)
    (tmp_path / "waiter.py").write_text(WAITER)
    command = f"{shlex.quote(sys.executable)} waiter.py ."
    (tmp_path / "keys.toml").write_text(f'[[key]]\nname = "team-a"\nsecret = "exec:{command}"\n')
    monkeypatch.chdir(tmp_path)
    interrupt_main_when_started(tmp_path, signal.SIGTERM)
    result = cli("apply", "-f", "keys.toml", "--yes", *(["--json"] if output == "json" else []))
    assert result.code == 143
    assert not alive(tmp_path)  # stopped, not left behind
    (secret,) = api.issued_secrets
    assert (tmp_path / "got").read_text() == secret  # it had the secret: the key stays
    ((uuid, key),) = api.keys.items()
    assert key["name"] == "team-a"
    assert secret not in result.out + result.err
    if output == "json":
        (entry,) = result.json()["results"]
        assert (entry["outcome"], entry["new_uuid"]) == ("unknown", uuid)
        assert "may or may not" in entry["error"]
        assert secret not in entry["error"]
    else:
        line = result.out.splitlines()[0]
        assert line.startswith("  create  team-a: unknown: the delivery of the new secret to exec:"), line
        assert f"the new key {uuid} ('team-a') was kept" in line
        assert line.count("may or may not") == 1, line
        assert line.endswith(f"if it did not, delete the key with 'geekai-admin keys delete {uuid}'"), line


@pytest.mark.slow  # waits out the real grace (INTERRUPT_GRACE_SECONDS)
def test_sigterm_to_apply_alone_leaves_no_delivery_command_running(tmp_path: Path) -> None:
    """The real process, signalled alone (not its group): each command in flight gets the grace; one
    that exits 0 delivered, one that fails lost nothing, one still running is stopped and its key named."""
    api = FakeAPI()
    (tmp_path / "waiter.py").write_text(WAITER)
    names = ("team-ok", "team-fail", "team-stuck")
    body = ""
    for name in names:
        (tmp_path / name).mkdir()
        body += f'[[key]]\nname = "{name}"\nsecret = "exec:{shlex.quote(sys.executable)} waiter.py {name}"\n'
    (tmp_path / "keys.toml").write_text(body)
    with api.serve() as server:
        process = _apply_process(tmp_path, server.base_url, "--json")
        deadline = time.monotonic() + 30
        while not all((tmp_path / name / "pid").exists() for name in names) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        (tmp_path / "team-ok" / "release").write_text("0")
        (tmp_path / "team-fail" / "release").write_text("3")
        out, err = process.communicate(timeout=60)
    assert process.returncode == 143, (out, err)
    assert not any(alive(tmp_path / name) for name in names)
    results = {entry["name"]: entry for entry in json.loads(out)["results"]}
    kept = {key["name"]: uuid for uuid, key in api.keys.items()}
    assert results["team-ok"]["outcome"] == "done"
    assert results["team-fail"]["outcome"] == "failed"
    assert "team-fail" not in kept  # it surely failed: its key was deleted
    assert (results["team-stuck"]["outcome"], results["team-stuck"]["new_uuid"]) == ("unknown", kept["team-stuck"])
    assert sorted(kept) == ["team-ok", "team-stuck"]
    for secret in api.issued_secrets:
        assert secret not in out + err
