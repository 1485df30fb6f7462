"""Secret destinations, for real: files on disk, env files read back by python-dotenv and by bash,
and real programs that record their standard input and arguments."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import errno
import io
import json
import os
import secrets
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dotenv import dotenv_values

from geekai_admin import ops
from geekai_admin.ops import _destinations as destinations
from geekai_admin.ops._destinations import (
    DeliveryError,
    DeliveryUncertain,
    Destination,
    EnvFileDestination,
    ExecDestination,
    FileDestination,
    parse_destination,
    stop_deliveries,
)
from tests.support.waiting_command import WAITER, Interrupter

SECRET = "sk-TEST-0123456789abcdefABCDEF_-"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- parsing ---------------------------------------------------------------------------------


def test_forms_parse_relative_to_the_folder(tmp_path: Path) -> None:
    file = parse_destination("file:secrets/ci.key", folder=tmp_path)
    assert isinstance(file, FileDestination)
    assert file.path == tmp_path / "secrets" / "ci.key"
    assert not file.replace
    env = parse_destination("env-file:deploy/.env#GEEKAI_API_KEY", folder=tmp_path)
    assert isinstance(env, EnvFileDestination)
    assert (env.path, env.variable) == (tmp_path / "deploy" / ".env", "GEEKAI_API_KEY")
    run = parse_destination("exec:gh secret set 'A B' --repo acme/app", folder=tmp_path)
    assert isinstance(run, ExecDestination)
    assert run.argv == ["gh", "secret", "set", "A B", "--repo", "acme/app"]
    assert run.label == "exec:gh secret set 'A B' --repo acme/app"
    absolute = parse_destination(f"file:{tmp_path}/x", folder=Path("/elsewhere"))
    assert absolute.label == f"file:{tmp_path}/x"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("secrets.txt", "expected one of"),
        ("file:", "expected one of"),
        ("s3:bucket/key", "unknown kind 's3'"),
        ("env-file:.env", "env-file:PATH#VAR"),
        ("env-file:#VAR", "env-file:PATH#VAR"),
        ("exec:'unclosed", "cannot split"),
        ("exec:   ", "expected one of"),
    ],
)
def test_a_malformed_destination_is_refused(text: str, words: str, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match=words):
        parse_destination(text, folder=tmp_path)


# --- file: -----------------------------------------------------------------------------------


def test_file_for_a_new_key_is_reserved_exclusively_then_written_0600(tmp_path: Path) -> None:
    path = tmp_path / "ci.key"
    destination = parse_destination("file:ci.key", folder=tmp_path)
    destination.prepare()
    assert path.exists()
    assert mode(path) == 0o600
    destination.deliver(SECRET)
    assert path.read_text() == SECRET + "\n"
    assert mode(path) == 0o600


def test_file_for_a_new_key_refuses_an_existing_file_and_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "ci.key"
    path.write_text("something else\n")
    with pytest.raises(DeliveryError, match="already exists"):
        parse_destination("file:ci.key", folder=tmp_path).prepare()
    assert path.read_text() == "something else\n"


def test_file_discard_removes_the_reserved_file(tmp_path: Path) -> None:
    destination = parse_destination("file:ci.key", folder=tmp_path)
    destination.prepare()
    destination.discard()
    assert list(tmp_path.iterdir()) == []


def test_file_in_a_missing_folder_is_refused_before_anything(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="No such file or directory"):
        parse_destination("file:nope/ci.key", folder=tmp_path).prepare()
    with pytest.raises(DeliveryError, match="does not exist"):
        parse_destination("file:nope/ci.key", folder=tmp_path, replace=True).prepare()


def test_file_replace_swaps_the_secret_atomically(tmp_path: Path) -> None:
    path = tmp_path / "ci.key"
    path.write_text("old-secret\n")
    destination = parse_destination("file:ci.key", folder=tmp_path, replace=True)
    destination.prepare()
    assert path.read_text() == "old-secret\n"  # untouched until delivery
    destination.deliver(SECRET)
    assert path.read_text() == SECRET + "\n"
    assert leftovers(tmp_path) == []


def test_file_replace_with_no_file_yet_makes_a_new_0600_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fchown", _chown_refused)  # no owner to keep: none is given
    destination = parse_destination("file:ci.key", folder=tmp_path, replace=True)
    destination.prepare()
    assert not (tmp_path / "ci.key").exists()
    destination.deliver(SECRET)
    assert (tmp_path / "ci.key").read_text() == SECRET + "\n"
    assert mode(tmp_path / "ci.key") == 0o600


def test_file_replace_that_fails_keeps_the_old_content_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ci.key"
    path.write_text("old-secret\n")
    destination = parse_destination("file:ci.key", folder=tmp_path, replace=True)
    destination.prepare()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(DeliveryError, match="No space left on device") as caught:
        destination.deliver(SECRET)
    assert SECRET not in str(caught.value)
    assert path.read_text() == "old-secret\n"
    assert leftovers(tmp_path) == []


def test_file_for_a_new_key_that_fails_to_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    destination = parse_destination("file:ci.key", folder=tmp_path)
    destination.prepare()
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "Input/output error")))
    with pytest.raises(DeliveryError, match="Input/output error"):
        destination.deliver(SECRET)
    assert list(tmp_path.iterdir()) == []


def test_file_refuses_a_symbolic_link(tmp_path: Path) -> None:
    (tmp_path / "target").write_text("x")
    (tmp_path / "ci.key").symlink_to(tmp_path / "target")
    with pytest.raises(DeliveryError, match="symbolic link"):
        parse_destination("file:ci.key", folder=tmp_path, replace=True).prepare()
    with pytest.raises(DeliveryError, match="already exists"):
        parse_destination("file:ci.key", folder=tmp_path).prepare()


# --- env-file: -------------------------------------------------------------------------------

EXISTING = """# deploy settings
export REGION=cn
GEEKAI_API_KEY=sk-old
MULTI="line one
line two"
EMPTY=
GEEKAI_API_KEY='sk-older'
TAIL=1"""


def read_back_by_bash(path: Path, variable: str) -> str:
    script = f'set -a; . "$1"; printf %s "${{{variable}}}"'
    done = subprocess.run(["bash", "-c", script, "bash", str(path)], capture_output=True, check=True)
    return done.stdout.decode()


def test_env_file_sets_one_variable_and_keeps_every_other_line(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(EXISTING)
    path.chmod(0o600)
    destination = parse_destination("env-file:.env#GEEKAI_API_KEY", folder=tmp_path)
    destination.prepare()
    destination.deliver(SECRET)
    values = dotenv_values(path)
    assert values["GEEKAI_API_KEY"] == SECRET
    assert values["REGION"] == "cn"
    assert values["MULTI"] == "line one\nline two"
    assert values["EMPTY"] == ""
    assert values["TAIL"] == "1"
    text = path.read_text()
    assert text.count("GEEKAI_API_KEY") == 1  # the later, shadowing binding is gone too
    assert text.startswith("# deploy settings\nexport REGION=cn\n")
    assert read_back_by_bash(path, "GEEKAI_API_KEY") == SECRET
    assert read_back_by_bash(path, "MULTI") == "line one\nline two"
    assert mode(path) == 0o600
    assert leftovers(tmp_path) == []


def test_env_file_keeps_an_export_prefix(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("export GEEKAI_API_KEY=old\n")
    parse_destination("env-file:.env#GEEKAI_API_KEY", folder=tmp_path).deliver(SECRET)
    assert path.read_text() == f"export GEEKAI_API_KEY='{SECRET}'\n"
    assert read_back_by_bash(path, "GEEKAI_API_KEY") == SECRET


# Forms the readers take (python-dotenv's parser, docker compose's env_file syntax): the file's
# bytes before and after, the binding of GEEKAI_API_KEY shown as K.
ENV_FORMS = {
    "crlf": ("A=1\r\nK=old\r\nB=2\r\n", "A=1\r\nK='{s}'\r\nB=2\r\n"),
    "cr": ("A=1\rK=old\r", "A=1\rK='{s}'\r"),
    "crlf-appended": ("A=1\r\n", "A=1\r\nK='{s}'\r\n"),
    "no-final-newline": ("A=1\nK=old", "A=1\nK='{s}'"),
    "no-final-newline-appended": ("A=1", "A=1\nK='{s}'"),
    "comments-and-blank-lines": (
        "# top\r\n\r\n  # indented\r\nK=old\r\n\r\n\r\nB=2 # inline\r\n",
        "# top\r\n\r\n  # indented\r\nK='{s}'\r\n\r\n\r\nB=2 # inline\r\n",
    ),
    "blank-lines-before-the-binding": ("A=1\n\n\nK=old\n", "A=1\n\n\nK='{s}'\n"),
    "indent-and-export-prefix": ("  export\tK=old\n", "  export\tK='{s}'\n"),
    "quoting-of-others": (
        'D="two\r\nlines" # c\r\nS=\'lit $X\'\r\nE=\r\nQ="a \\" b"\r\nK="old"\r\n',
        'D="two\r\nlines" # c\r\nS=\'lit $X\'\r\nE=\r\nQ="a \\" b"\r\nK=\'{s}\'\r\n',
    ),
    "later-binding-dropped-its-blank-line-kept": ("K=1\r\nA=2\r\n\r\nK=3\r\nB=4", "K='{s}'\r\nA=2\r\n\r\nB=4"),
    "empty": ("", "K='{s}'\n"),
    "utf-8-byte-order-mark": ("\ufeffK=old\nB=2\n", "\ufeffK='{s}'\nB=2\n"),
    "utf-8-byte-order-mark-appended": ("\ufeffA=1\r\n", "\ufeffA=1\r\nK='{s}'\r\n"),
}


@pytest.mark.parametrize("form", list(ENV_FORMS))
def test_env_file_keeps_every_other_byte(form: str, tmp_path: Path) -> None:
    before, after = (text.replace("K=", "GEEKAI_API_KEY=") for text in ENV_FORMS[form])
    path = tmp_path / ".env"
    path.write_bytes(before.encode())
    parse_destination("env-file:.env#GEEKAI_API_KEY", folder=tmp_path).deliver(SECRET)
    assert path.read_bytes() == after.format(s=SECRET).encode()
    # Read as an application reads the file: python-dotenv 1.0 (the lowest session's) keeps a byte order mark in the
    # first name (1.2.4 drops it), so the text is decoded as utf-8-sig, which drops it in any version.
    expected = dotenv_values(stream=io.StringIO(before.removeprefix("\ufeff"), newline=""))
    expected["GEEKAI_API_KEY"] = SECRET  # every other binding reads the same
    assert dotenv_values(stream=io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")) == expected


def test_env_file_is_created_0600_when_missing(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    destination = parse_destination("env-file:.env#KEY", folder=tmp_path)
    destination.prepare()
    assert not path.exists()
    destination.deliver(SECRET)
    assert dotenv_values(path) == {"KEY": SECRET}
    assert mode(path) == 0o600


@dataclasses.dataclass(frozen=True)
class Replaced:
    """An existing file a destination replaces (an env file, a rotated key's `file:`), as written
    before and as read back after delivery."""

    form: str
    name: str
    before: str
    read_back: Callable[[Path], object]
    after: object

    def destination(self, folder: Path) -> Destination:
        return parse_destination(self.form, folder=folder, replace=True)

    def delivered(self, folder: Path) -> bool:
        return self.read_back(folder / self.name) == self.after


REPLACED = [
    Replaced("env-file:.env#KEY", ".env", "A=1\n", dotenv_values, {"A": "1", "KEY": SECRET}),
    Replaced("file:ci.key", "ci.key", "old-secret\n", Path.read_text, SECRET + "\n"),
]
replaced_forms = pytest.mark.parametrize("replaced", REPLACED, ids=["env-file", "file"])


@replaced_forms
@pytest.mark.parametrize(
    ("before", "after"),
    [(0o644, 0o640), (0o640, 0o640), (0o600, 0o600), (0o755, 0o640)],
    ids=["0644", "0640", "0600", "0755"],
)
def test_a_replaced_file_keeps_its_mode_but_never_for_others(
    replaced: Replaced, tmp_path: Path, before: int, after: int
) -> None:
    path = tmp_path / replaced.name
    path.write_text(replaced.before)
    path.chmod(before)
    replaced.destination(tmp_path).deliver(SECRET)
    assert mode(path) == after
    assert replaced.delivered(tmp_path)


@replaced_forms
def test_a_replaced_file_keeps_its_owner_and_group(replaced: Replaced, tmp_path: Path) -> None:
    """As root, a file of another user's (a service's env file or key file) stays theirs, so the
    service still reads the new secret; otherwise the test's own uid and a group of its own (the
    one a non-root process may give)."""
    path = tmp_path / replaced.name
    path.write_text(replaced.before)
    owner, group = (65534, 65534) if os.geteuid() == 0 else (os.geteuid(), os.getgroups()[-1])
    os.chown(path, owner, group)
    path.chmod(0o640)
    destination = replaced.destination(tmp_path)
    destination.prepare()
    destination.deliver(SECRET)
    info = path.stat()
    assert (info.st_uid, info.st_gid, mode(path)) == (owner, group, 0o640)
    assert replaced.delivered(tmp_path)
    assert leftovers(tmp_path) == []


def _chown_refused(fd: int, uid: int, gid: int) -> None:
    raise PermissionError(errno.EPERM, "Operation not permitted")


@replaced_forms
def test_a_file_whose_owner_cannot_be_kept_is_refused_before_anything(
    replaced: Replaced, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / replaced.name
    path.write_text(replaced.before)
    info = path.stat()
    monkeypatch.setattr(os, "fchown", _chown_refused)  # as a process may not chown to another user
    destination = replaced.destination(tmp_path)
    with pytest.raises(DeliveryError) as caught:
        destination.prepare()
    assert caught.value.problem == (
        f"it belongs to uid {info.st_uid}, gid {info.st_gid}, and this process may not give the rewritten file "
        "that owner and group: run as its owner (or root), or change the file's owner"
    )
    with pytest.raises(DeliveryError, match=r"^[a-z-]+:.*: cannot write the secret: it belongs to uid ") as refused:
        destination.deliver(SECRET)  # changed since prepare: still refused, and surely not delivered
    assert refused.value.destination == destination.label
    assert SECRET not in str(refused.value)
    assert path.read_text() == replaced.before
    assert sorted(p.name for p in tmp_path.iterdir()) == [replaced.name]


def test_a_new_env_file_needs_no_owner_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fchown", _chown_refused)
    destination = parse_destination("env-file:.env#KEY", folder=tmp_path)
    destination.prepare()
    destination.deliver(SECRET)
    assert dotenv_values(tmp_path / ".env") == {"KEY": SECRET}
    assert mode(tmp_path / ".env") == 0o600


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("env-file:.env#1ABC", "not a variable name"),
        ("env-file:.env#MY-KEY", "not a variable name"),
        ("env-file:nope/.env#KEY", "does not exist"),
    ],
)
def test_env_file_that_cannot_work_is_refused_before_anything(text: str, words: str, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match=words):
        parse_destination(text, folder=tmp_path).prepare()


def test_env_file_that_is_not_text_is_refused_before_anything(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"\xff\xfe")
    with pytest.raises(DeliveryError, match="not UTF-8"):
        parse_destination("env-file:.env#KEY", folder=tmp_path).prepare()


@pytest.mark.parametrize("secret", ["it's", "back\\slash", "two\nlines"])
def test_env_file_refuses_a_secret_the_readers_would_read_differently(secret: str, tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    with pytest.raises(DeliveryError, match="read differently") as caught:
        parse_destination("env-file:.env#KEY", folder=tmp_path).deliver(secret)
    assert secret not in str(caught.value)
    assert path.read_text() == "A=1\n"


# --- exec: -----------------------------------------------------------------------------------

RECORDER = """#!{python}
import json, os, sys
data = sys.stdin.buffer.read().decode()
with open(os.environ["RECORD"], "w") as out:
    json.dump({{"stdin": data, "argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}, out)
sys.stderr.write("echo: " + data + "\\n")
sys.exit(int(os.environ.get("EXIT", "0")))
"""


@pytest.fixture
def recorder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    program = tmp_path / "bin" / "record-secret"
    program.parent.mkdir()
    program.write_text(RECORDER.format(python=sys.executable))
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RECORD", str(tmp_path / "record.json"))
    return tmp_path / "record.json"


def test_exec_gives_the_secret_on_stdin_and_nowhere_else(recorder: Path, tmp_path: Path) -> None:
    destination = parse_destination("exec:record-secret set GEEKAI_API_KEY --repo acme/app", folder=tmp_path)
    destination.prepare()
    destination.deliver(SECRET)
    seen = json.loads(recorder.read_text())
    assert seen["stdin"] == SECRET
    assert seen["argv"] == ["set", "GEEKAI_API_KEY", "--repo", "acme/app"]
    assert SECRET not in json.dumps(seen["argv"])
    assert SECRET not in json.dumps(seen["env"])
    assert seen["cwd"] == str(tmp_path)


def test_exec_runs_a_relative_program_from_the_folder(recorder: Path, tmp_path: Path) -> None:
    parse_destination("exec:./bin/record-secret x", folder=tmp_path).deliver(SECRET)
    assert json.loads(recorder.read_text())["argv"] == ["x"]


ECHOER = """\
import base64, json, sys
secret = sys.stdin.read()
for out in (sys.stdout, sys.stderr):
    out.write(secret + "\\n" + json.dumps({"key": secret}) + "\\n" + repr(secret) + "\\n")
    out.write(base64.b64encode(secret.encode()).decode() + "\\n" + "\\n".join(secret) + "\\n" + secret[3:-3] + "\\n")
    out.flush()
sys.exit(3)
"""


def _forms(secret: str) -> list[str]:
    """The secret as a command could echo it: whole, JSON-escaped, quoted, base64, and any part of 8 characters."""
    whole = [secret, json.dumps(secret), repr(secret), base64.b64encode(secret.encode()).decode()]
    return whole + [secret[i : i + 8] for i in range(len(secret) - 7)]


def test_exec_failure_says_only_the_status_whatever_the_command_echoed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    destination = ExecDestination([sys.executable, "-c", ECHOER], folder=tmp_path)
    with pytest.raises(DeliveryError) as caught:
        destination.deliver(SECRET)
    message = str(caught.value)
    assert message == (
        f"{destination.label}: exited with status 3 (its output was discarded, as it could echo the secret: "
        "run it by hand to see why)"
    )
    shown = message + "".join(capfd.readouterr())
    assert [form for form in _forms(SECRET) if form in shown] == []


def test_exec_that_hangs_is_stopped_and_its_delivery_is_uncertain(tmp_path: Path) -> None:
    destination = ExecDestination([sys.executable, "-c", "import time; time.sleep(30)"], folder=tmp_path, timeout=0.5)
    with pytest.raises(DeliveryUncertain, match=r"did not finish within 0\.5 s, so it was stopped: the secret may or"):
        destination.deliver(SECRET)


def test_exec_ended_by_a_signal_is_uncertain(tmp_path: Path) -> None:
    program = "import os, signal, sys; sys.stdin.read(); os.kill(os.getpid(), signal.SIGKILL)"
    with pytest.raises(DeliveryUncertain, match="was ended by SIGKILL before it exited: the secret may or may not"):
        ExecDestination([sys.executable, "-c", program], folder=tmp_path).deliver(SECRET)


def test_exec_of_a_missing_command_is_refused_before_anything(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="command not found: no-such-program-here"):
        parse_destination("exec:no-such-program-here --flag", folder=tmp_path).prepare()
    with pytest.raises(DeliveryError, match="command not found"):
        parse_destination("exec:./missing", folder=tmp_path).prepare()


def test_no_repr_or_message_holds_the_secret(recorder: Path, tmp_path: Path) -> None:
    for text in ("file:a", "env-file:.env#K", "exec:record-secret"):
        destination = parse_destination(text, folder=tmp_path)
        assert SECRET not in repr(destination)
        assert SECRET not in destination.label


@pytest.mark.parametrize("form", ["file:{tmp}/sub/k", "env-file:{tmp}/sub/.env#K", "exec:true", None])
def test_keep_beside_writes_a_new_private_file_in_the_destinations_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str | None
) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # no destination (a secret meant for stdout): the current folder
    destination = None if form is None else ops.parse_destination(form.format(tmp=tmp_path), folder=tmp_path / "sub")
    first = ops.keep_beside(destination, "sk-unsaved\n")
    second = ops.keep_beside(destination, "sk-other\n")
    assert first.parent == second.parent == tmp_path / "sub"
    assert first != second  # never one over another
    assert first.read_text() == "sk-unsaved\n"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == sorted([first.name, second.name])


def test_keep_beside_never_replaces_a_name_taken_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a shared folder (/tmp) another user may make the final name first: a new one is drawn,
    and theirs is left as it was. The name has nothing of the temporary file's."""
    now = datetime.datetime.now(datetime.UTC)
    taken = [
        tmp_path / f"geekai-admin-unsaved-secret-{(now + datetime.timedelta(seconds=s)):%Y%m%dT%H%M%SZ}-first.txt"
        for s in (0, 1)  # the stamp is of this second, or the next
    ]
    for path in taken:
        path.write_text("someone else's")
    draws = iter(["first", "first", "second"])
    monkeypatch.setattr(secrets, "token_hex", lambda size: next(draws))
    kept = ops.keep_beside(parse_destination("exec:true", folder=tmp_path), "sk-unsaved\n")
    assert kept.name.endswith("-second.txt")
    assert kept.read_text() == "sk-unsaved\n"
    assert mode(kept) == 0o600
    assert [path.read_text() for path in taken] == ["someone else's"] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([kept.name, *(path.name for path in taken)])


def test_keep_beside_gives_up_on_a_folder_whose_every_name_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(os, "link", _link_taken)
    with pytest.raises(DeliveryError, match=r"16 new names were all taken") as caught:
        ops.keep_beside(parse_destination("exec:true", folder=tmp_path), "sk-unsaved")
    assert "sk-unsaved" not in str(caught.value)
    assert [p.name for p in tmp_path.iterdir() if p.name != "state"] == []  # no temporary file left
    assert list((tmp_path / "state" / "geekai-admin").iterdir()) == []


def _link_taken(source: str, target: Path) -> None:
    raise FileExistsError(errno.EEXIST, "File exists", str(target))


def test_keep_beside_uses_a_private_folder_when_the_destinations_will_not_take_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An `exec:` command may well run where no file can be written (/proc, or / for a user); the
    text goes to $XDG_STATE_HOME/geekai-admin, made 0700 with its missing parents."""
    state = tmp_path / "new" / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    kept = ops.keep_beside(parse_destination("exec:true", folder=Path("/proc")), "sk-unsaved\n")
    assert kept.parent == state / "geekai-admin"
    assert kept.read_text() == "sk-unsaved\n"
    assert mode(kept) == 0o600
    assert [mode(folder) for folder in (tmp_path / "new", state, kept.parent)] == [0o700] * 3
    assert list(kept.parent.iterdir()) == [kept]


def test_keep_beside_without_a_destination_uses_the_private_folder_when_the_current_one_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    kept = ops.keep_beside(None, "sk-unsaved\n")
    assert kept.parent == state / "geekai-admin"
    assert kept.read_text() == "sk-unsaved\n"


def test_keep_beside_names_the_current_folder_when_it_is_gone_and_so_is_the_private_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "a-file"))
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(ops.DeliveryError) as caught:
        ops.keep_beside(None, "sk-unsaved")
    assert caught.value.problem.startswith("cannot keep it in the current folder (No such file or directory), nor in ")


def test_keep_beside_makes_an_existing_private_folder_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    (tmp_path / "geekai-admin").mkdir(mode=0o755)
    (tmp_path / "geekai-admin").chmod(0o755)
    kept = ops.keep_beside(parse_destination("file:gone/k", folder=tmp_path), "sk-unsaved")
    assert kept.parent == tmp_path / "geekai-admin"
    assert mode(kept.parent) == 0o700


def test_keep_beside_falls_back_to_the_home_folder_without_xdg_state_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")  # as the XDG spec says
    kept = ops.keep_beside(parse_destination("exec:true", folder=Path("/proc")), "sk-unsaved")
    assert kept.parent == tmp_path / ".local" / "state" / "geekai-admin"


@pytest.mark.parametrize(
    ("private", "why"),
    [
        ("a file", "not a folder of this user's own"),
        ("a symbolic link to a folder", "not a folder of this user's own"),
        ("under a file", "Not a directory"),
    ],
)
def test_keep_beside_says_why_neither_folder_would_take_the_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private: str, why: str
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    (tmp_path / "elsewhere").mkdir()
    if private == "under a file":
        state.write_text("not a folder")
    else:
        state.mkdir()
    if private == "a file":
        (state / "geekai-admin").write_text("not a folder")
    if private == "a symbolic link to a folder":
        (state / "geekai-admin").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ops.DeliveryError) as caught:
        ops.keep_beside(ops.parse_destination(f"file:{tmp_path}/gone/k"), "sk-unsaved")
    assert caught.value.problem == (
        f"cannot keep it in {tmp_path}/gone (No such file or directory), nor in {state}/geekai-admin ({why})"
    )
    assert "sk-unsaved" not in str(caught.value)
    assert list((tmp_path / "elsewhere").iterdir()) == []


# --- exec: an interrupt while the command runs -----------------------------------------------


def _waiter(tmp_path: Path) -> ExecDestination:
    return ExecDestination([sys.executable, "-c", WAITER, str(tmp_path)], folder=tmp_path)


def test_an_interrupt_then_exit_0_is_delivered_and_the_interrupt_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = _waiter(tmp_path)
    interrupter = Interrupter(tmp_path, 0, monkeypatch)
    with pytest.raises(KeyboardInterrupt) as caught:
        destination.deliver(SECRET)
    assert destination.exited == 0
    assert (tmp_path / "got").read_text() == SECRET
    assert caught.value.__notes__ == [f"{destination.label}: exited 0 after the interrupt: the secret was delivered"]
    assert interrupter.child_gone()


def test_an_interrupt_then_a_failure_is_surely_not_delivered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    destination = _waiter(tmp_path)
    Interrupter(tmp_path, 4, monkeypatch)
    with pytest.raises(DeliveryError, match="exited with status 4 after the interrupt") as caught:
        destination.deliver(SECRET)
    assert isinstance(caught.value.interrupt, KeyboardInterrupt)  # for the caller to go on with
    assert destination.exited == 4


def test_an_interrupt_then_an_end_by_a_signal_goes_on_as_the_interrupt_saying_it_may_have_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = _waiter(tmp_path)
    Interrupter(tmp_path, -signal.SIGKILL, monkeypatch)
    with pytest.raises(KeyboardInterrupt) as caught:
        destination.deliver(SECRET)
    assert destination.exited == -signal.SIGKILL
    assert caught.value.__notes__ == [
        f"{destination.label}: was ended by SIGKILL before it exited, after the interrupt: "
        "the secret may or may not have reached it"
    ]


def test_an_interrupt_stops_a_command_still_running_after_the_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    destination = _waiter(tmp_path)
    interrupter = Interrupter(tmp_path, None, monkeypatch)
    with pytest.raises(KeyboardInterrupt) as caught:
        destination.deliver(SECRET)
    assert interrupter.child_gone()  # stopped and reaped: nothing outlives the process
    assert caught.value.__notes__ == [
        f"{destination.label}: still running 0.3 s after the interrupt, so it was stopped: "
        "the secret may or may not have reached it"
    ]
    assert destination.exited is None


def _delivering(
    destination: ExecDestination, commands: destinations.DeliveryCommands
) -> tuple[threading.Thread, list[BaseException]]:
    """`destination.deliver(SECRET)` started in a thread, as a run of `commands`; what it raises goes in the list."""
    raised: list[BaseException] = []

    def deliver() -> None:
        with commands.current():
            try:
                destination.deliver(SECRET)
            except BaseException as error:  # what the thread saw, for the test
                raised.append(error)

    worker = threading.Thread(target=deliver)
    worker.start()
    return worker, raised


def test_stop_deliveries_ends_commands_of_other_threads_even_one_that_ignores_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(destinations, "STOP_WAIT_SECONDS", 0.2)
    stubborn = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + WAITER
    destination = ExecDestination([sys.executable, "-c", stubborn, str(tmp_path)], folder=tmp_path)
    worker, raised = _delivering(destination, destinations.DeliveryCommands())
    deadline = time.monotonic() + 20
    while not (tmp_path / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stop_deliveries() == 1
    worker.join(5)
    (error,) = raised
    assert isinstance(error, DeliveryUncertain)
    assert "was ended by SIGKILL before it exited: the secret may or may not have reached it" in str(error)
    assert stop_deliveries() == 0


# --- exec: stopping a command stops what it started ------------------------------------------

STARTS_A_GRANDCHILD = "sleep 30 & echo $! > grandchild.tmp && mv grandchild.tmp grandchild; wait"


def _grandchild(folder: Path) -> int:
    deadline = time.monotonic() + 20
    while not (folder / "grandchild").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return int((folder / "grandchild").read_text())


def _gone(pid: int) -> bool:
    """No such process, or a zombie (ended; its new parent has yet to reap it), within a few seconds."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("stopped_by", ["timeout", "its run's close()", "stop_deliveries()"])
def test_a_stopped_command_leaves_nothing_it_started_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stopped_by: str
) -> None:
    """The command leads a process group of its own: the stop signals the whole group."""
    monkeypatch.setattr(destinations, "STOP_WAIT_SECONDS", 0.5)
    timeout = 0.5 if stopped_by == "timeout" else 30.0
    destination = ExecDestination(["sh", "-c", STARTS_A_GRANDCHILD], folder=tmp_path, timeout=timeout)
    commands = destinations.DeliveryCommands()
    worker, raised = _delivering(destination, commands)
    grandchild = _grandchild(tmp_path)
    if stopped_by == "its run's close()":
        assert commands.close() == 1
    elif stopped_by == "stop_deliveries()":
        assert stop_deliveries() == 1
    worker.join(10)
    (error,) = raised
    assert isinstance(error, DeliveryUncertain)
    assert _gone(grandchild)
