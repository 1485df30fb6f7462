"""`--secret-to DEST` on `keys create` and `keys rotate`: the new secret goes there and nowhere else.

A destination that cannot work is refused before anything is sent (exit 2); a delivery that fails
after the create deletes the new key and keeps the old one (exit 1).
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import stat
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from geekai_admin.ops import _bounded as bounded
from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI, Reply
from tests.support.waiting_command import WAITER, Interrupter, alive, interrupt_main_when_started

RECORDER = """\
import json, pathlib, sys
pathlib.Path(sys.argv[1]).write_text(json.dumps({"stdin": sys.stdin.read(), "argv": sys.argv}))
"""


def _old(api: FakeAPI) -> str:
    return api.seed(name="svc", group="ha", credit_limit=100).uuid


def test_create_to_an_env_file_keeps_the_other_lines(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# deploy\nOTHER=1\nGEEKAI_API_KEY=old\n")
    env.chmod(0o644)
    result = cli("keys", "create", "--name", "svc", "--secret-to", f"env-file:{env}#GEEKAI_API_KEY")
    (secret,) = api.issued_secrets
    assert (result.code, result.err) == (0, "")
    assert secret not in result.out
    assert f"Secret written to env-file:{env}#GEEKAI_API_KEY" in result.out
    assert dotenv_values(env) == {"OTHER": "1", "GEEKAI_API_KEY": secret}
    assert stat.S_IMODE(env.stat().st_mode) == 0o640  # its mode, less the others' read


def test_create_to_a_command_puts_the_secret_on_its_stdin_only(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    recorder, seen = tmp_path / "recorder.py", tmp_path / "seen.json"
    recorder.write_text(RECORDER)
    result = cli("--json", "keys", "create", "--name", "svc", "--secret-to", f"exec:{sys.executable} {recorder} {seen}")
    (secret,) = api.issued_secrets
    assert result.code == 0
    document = result.json()
    assert document["secret_to"].startswith("exec:")
    assert "secret" not in document
    recorded = json.loads(seen.read_text())
    assert recorded["stdin"] == secret
    assert secret not in json.dumps(recorded["argv"])


REFUSED = [
    ("file:{tmp}/no/such/key", "No such file or directory|does not exist"),
    ("env-file:{tmp}/.env#1BAD", "is not a variable name"),
    ("exec:no-such-command-anywhere --flag", "command not found"),
    ("vault:secret/geekai", "unknown kind 'vault'"),
]
CASES = [
    *((command, *case) for command in ("create", "rotate") for case in REFUSED),
    ("create", "file:{tmp}/taken", "already exists"),  # rotate replaces its key's own file instead
]


@pytest.mark.parametrize(("command", "destination", "problem"), CASES)
def test_a_destination_that_cannot_work_is_refused_before_anything_is_sent(
    cli: Cli, api: FakeAPI, tmp_path: Path, destination: str, problem: str, command: str
) -> None:
    (tmp_path / "taken").write_text("precious\n")
    old = _old(api)
    argv = ["keys", "create", "--name", "svc"] if command == "create" else ["keys", "rotate", old]
    result = cli(*argv, "--secret-to", destination.format(tmp=tmp_path))
    assert (result.code, result.out) == (2, "")
    assert re.search(problem, result.err), result.err
    assert "nothing was sent" in result.err
    assert api.log == []
    assert (tmp_path / "taken").read_text() == "precious\n"


def test_secret_to_and_secret_file_together_are_refused(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    result = cli("keys", "create", "--name", "svc", "--secret-to", f"file:{tmp_path}/a", "--secret-file", "b")
    assert result.code == 2
    assert "not allowed with argument" in result.err
    assert api.log == []


def test_rotate_replaces_the_keys_own_file_keeping_its_owner(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    """The service that read the old secret (its user, or its group) reads the new one: as root, a
    file of another user's stays theirs; otherwise the test's own uid and a group of its own."""
    old = _old(api)
    path = tmp_path / "svc.key"
    path.write_text("the old secret\n")
    owner, group = (65534, 65534) if os.geteuid() == 0 else (os.geteuid(), os.getgroups()[-1])
    os.chown(path, owner, group)
    path.chmod(0o640)
    result = cli("keys", "rotate", old, "--secret-to", f"file:{path}")
    (secret,) = api.issued_secrets
    assert (result.code, result.err) == (0, "")
    assert path.read_text() == secret + "\n"
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (owner, group, 0o640)
    assert not api.has_key(old)
    assert [p.name for p in tmp_path.iterdir()] == ["svc.key"]  # no temporary file left


def test_rotate_over_a_file_whose_owner_cannot_be_kept_sends_nothing(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _old(api)
    path = tmp_path / "svc.key"
    path.write_text("the old secret\n")

    def refused(fd: int, uid: int, gid: int) -> None:  # as a process may not chown to another user
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refused)
    result = cli("keys", "rotate", old, "--secret-to", f"file:{path}")
    assert (result.code, result.out) == (2, "")
    assert "this process may not give the rewritten file that owner and group" in result.err
    assert "nothing was sent" in result.err
    assert api.log == []
    assert path.read_text() == "the old secret\n"
    assert [p.name for p in tmp_path.iterdir()] == ["svc.key"]


def test_a_failed_delivery_deletes_the_new_key_and_keeps_the_old(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    old = _old(api)
    path = tmp_path / "svc.key"
    path.write_text("the old secret\n")
    failing = f"exec:{sys.executable} -c 'import sys; sys.stdin.read(); sys.exit(4)'"
    result = cli("--json", "keys", "rotate", old, "--secret-to", failing)
    (secret,) = api.issued_secrets
    new = api.calls[-1].rsplit("/", 1)[-1]
    assert (result.code, result.out) == (1, "")
    assert "exited with status 4" in result.err
    assert f"the new key {new} was deleted, since no one could use it without its secret" in result.err
    assert f"the old key {old} was not touched" in result.err
    assert secret not in result.err
    assert set(api.keys) == {old}
    assert api.calls[-1] == f"DELETE /api/api_keys/{new}"


def test_help_pages_describe_secret_to_with_an_example(cli: Cli) -> None:
    for command in ("create", "rotate"):
        page = cli("keys", command, "--help").out
        assert "--secret-to DEST" in page
        assert "env-file:" in page
        assert "exec:" in page
    assert "replaces" in cli("keys", "rotate", "--help").out


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_an_interrupted_create_says_what_may_exist_and_removes_the_reserved_file(
    cli: Cli, api: FakeAPI, tmp_path: Path, method: str
) -> None:
    """10b and 10c: Ctrl-C during the create (or the undo of a failed delivery) prints the library's
    note and leaves no empty secret file behind to block the retry."""
    path = tmp_path / "svc.key"
    api.inject(Reply.raising(KeyboardInterrupt()), method=method)
    if method == "DELETE":  # the delivery fails, then the undo is interrupted
        failing = f"exec:{sys.executable} -c 'import sys; sys.stdin.read(); sys.exit(4)'"
        result = cli("keys", "create", "--name", "svc", "--secret-to", failing)
        assert "may still exist, its secret nowhere" in result.err
        assert "geekai-admin: keys create was interrupted deleting the new key" in result.err
    else:
        result = cli("keys", "create", "--name", "svc", "--secret-to", f"file:{path}")
        assert "a key named 'svc' may have been created" in result.err
        assert "geekai-admin: keys create was interrupted creating the key" in result.err
    assert "ops." not in result.err  # the command's words, not the library's function
    assert result.code == 130
    assert result.err.endswith("geekai-admin: interrupted\n")
    assert not path.exists()
    for secret in api.issued_secrets:
        assert secret not in result.out + result.err
    retry = cli("keys", "create", "--name", "svc", "--secret-to", f"file:{path}", "--allow-duplicate-name")
    assert retry.code == 0
    assert path.read_text() == api.issued_secrets[-1] + "\n"


@pytest.mark.parametrize("form", ["file:{tmp}/svc.key", "env-file:{tmp}/.env#GEEKAI_API_KEY", "exec:true"])
def test_an_unreadable_create_answer_with_a_destination_is_kept_beside_it_never_printed(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.chdir(tmp_path)  # exec: runs in the current folder, and its answer is kept there
    api.inject(Reply("drop_field", body=b"uuid"), method="POST")  # made, but the answer does not fit
    result = cli("keys", "create", "--name", "svc", "--secret-to", form.format(tmp=tmp_path))
    (secret,) = api.issued_secrets
    assert result.code == 1
    assert secret not in result.out + result.err
    assert result.out == ""
    (kept,) = (path for path in tmp_path.iterdir() if path.name.startswith("geekai-admin-unsaved-secret-"))
    assert secret in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert result.err == (
        "geekai-admin: error: keys create: the key has no uuid; a key named 'svc' "
        f"may have been created: the server's raw answer, which holds its secret if so, is in {kept} (readable "
        "by you only); find the key with 'geekai-admin keys list' (or in GeekAI's web console if the list cannot "
        "be read), then keep that secret or delete the key with 'geekai-admin keys delete UUID'\n"
    )
    assert not (tmp_path / "svc.key").exists()
    assert not (tmp_path / ".env").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".geekai")] == []  # no temporary file left


def test_an_unreadable_create_answer_for_a_command_in_a_read_only_folder_is_kept_in_the_private_folder(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cd /proc && geekai-admin keys create --secret-to exec:true`: the command may run there, and
    the raw answer, which no file there can hold, goes to $XDG_STATE_HOME/geekai-admin."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.chdir("/proc")
    api.inject(Reply("drop_field", body=b"uuid"), method="POST")
    result = cli("keys", "create", "--name", "ro", "--secret-to", "exec:true")
    (secret,) = api.issued_secrets
    (kept,) = (tmp_path / "geekai-admin").iterdir()
    assert result.code == 1
    assert secret in kept.read_text()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert f"its secret if so, is in {kept} (readable by you only)" in result.err
    assert "could not be kept" not in result.err
    assert secret not in result.out + result.err


@pytest.mark.parametrize(
    ("operation", "signum", "status", "word"),
    [
        ("create", signal.SIGTERM, 143, "terminated"),
        ("rotate", signal.SIGTERM, 143, "terminated"),
        ("create", signal.SIGHUP, 129, "terminated by SIGHUP"),  # the terminal or SSH session closed
        ("rotate", signal.SIGQUIT, 131, "terminated by SIGQUIT"),
    ],
)
def test_a_delivery_command_still_running_after_the_grace_is_stopped_and_the_new_key_named(
    cli: Cli,
    api: FakeAPI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    signum: int,
    status: int,
    word: str,
) -> None:
    """SIGHUP never reaches the command (its own process group): it is stopped here, as after SIGTERM."""
    monkeypatch.setattr(bounded, "INTERRUPT_GRACE_SECONDS", 0.3)
    (tmp_path / "waiter.py").write_text(WAITER)
    old = _old(api) if operation == "rotate" else None
    argv = ["keys", "create", "--name", "svc"] if old is None else ["keys", "rotate", old]
    interrupt_main_when_started(tmp_path, signum)
    result = cli(*argv, "--secret-to", f"exec:{sys.executable} {tmp_path / 'waiter.py'} {tmp_path}")
    assert result.code == status
    assert result.err.endswith(f"geekai-admin: {word}\n")
    assert not alive(tmp_path)  # stopped, not left behind
    (secret,) = api.issued_secrets
    (new,) = [uuid for uuid in api.keys if uuid != old]
    assert old is None or api.has_key(old)
    assert secret not in result.out + result.err
    assert "still running 0.3 s after the interrupt, so it was stopped: the secret may or may not" in result.err
    assert f"the new key {new} ('svc') was kept" in result.err
    assert f"delete the key with 'geekai-admin keys delete {new}'" in result.err


@pytest.mark.parametrize(
    ("operation", "signum", "status"), [("create", signal.SIGINT, 130), ("rotate", signal.SIGTERM, 143)]
)
def test_a_delivery_command_failing_after_the_interrupt_exits_as_interrupted_saying_the_failure(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str, signum: int, status: int
) -> None:
    """The user stopped the command: the interrupt's status wins; the failed delivery is still said
    (and undone: surely not delivered, so the new key is deleted and the old one kept)."""
    (tmp_path / "waiter.py").write_text(WAITER)
    old = _old(api) if operation == "rotate" else None
    argv = ["keys", "create", "--name", "svc"] if old is None else ["keys", "rotate", old]
    Interrupter(tmp_path, 4, monkeypatch, signum)
    result = cli(*argv, "--secret-to", f"exec:{sys.executable} {tmp_path / 'waiter.py'} {tmp_path}")
    (secret,) = api.issued_secrets
    new = api.calls[-1].rsplit("/", 1)[-1]
    assert result.code == status
    assert f"could not deliver the new secret to exec:{sys.executable}" in result.err
    assert "exited with status 4 after the interrupt" in result.err, result.err
    assert f"the new key {new} was deleted, since no one could use it without its secret" in result.err
    assert result.err.endswith("geekai-admin: " + ("interrupted" if status == 130 else "terminated") + "\n")
    assert secret not in result.out + result.err
    assert set(api.keys) == ({old} if old else set())


@pytest.mark.parametrize("operation", ["create", "rotate"])
def test_a_new_secret_whose_delivery_and_deletion_failed_is_kept_in_a_file_and_the_error_says_where(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    monkeypatch.chdir(tmp_path)  # exec: runs in the current folder: the secret is kept there
    old = _old(api)
    api.inject(Reply.json({"code": "boom", "message": "down"}, 500), method="DELETE", times=None)
    target = ["--name", "svc-new"] if operation == "create" else [old]
    result = cli("keys", operation, *target, "--secret-to", "exec:false")
    (secret,) = api.issued_secrets
    (new,) = set(api.keys) - {old}
    assert (result.code, result.out) == (1, "")
    assert secret not in result.err
    (kept,) = tmp_path.glob("geekai-admin-unsaved-secret-*.txt")
    assert kept.read_text() == secret + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "could not deliver the new secret to exec:false (exited with status 1" in result.err
    assert f"the new key {new} exists and its secret is in {kept} (readable by you only)" in result.err
    assert f"delete the key with 'geekai-admin keys delete {new}'" in result.err
    assert api.has_key(old)
