"""Secret destinations, for real: files on disk, env files read back by python-dotenv and by bash,
and real programs that record their standard input and arguments."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

from geekai_admin import ops
from geekai_admin.ops._destinations import (
    DeliveryError,
    EnvFileDestination,
    ExecDestination,
    FileDestination,
    parse_destination,
)

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


def test_file_replace_swaps_the_secret_atomically_and_keeps_0600(tmp_path: Path) -> None:
    path = tmp_path / "ci.key"
    path.write_text("old-secret\n")
    path.chmod(0o644)
    destination = parse_destination("file:ci.key", folder=tmp_path, replace=True)
    destination.prepare()
    assert path.read_text() == "old-secret\n"  # untouched until delivery
    destination.deliver(SECRET)
    assert path.read_text() == SECRET + "\n"
    assert mode(path) == 0o600
    assert leftovers(tmp_path) == []


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


def test_env_file_is_created_0600_when_missing(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    destination = parse_destination("env-file:.env#KEY", folder=tmp_path)
    destination.prepare()
    assert not path.exists()
    destination.deliver(SECRET)
    assert dotenv_values(path) == {"KEY": SECRET}
    assert mode(path) == 0o600


def test_env_file_made_0644_by_hand_is_left_0600(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    path.chmod(0o644)
    parse_destination("env-file:.env#KEY", folder=tmp_path).deliver(SECRET)
    assert mode(path) == 0o600
    assert dotenv_values(path) == {"A": "1", "KEY": SECRET}


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


def test_exec_non_zero_exit_is_not_delivered_and_the_secret_is_cut_from_its_output(
    recorder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXIT", "3")
    with pytest.raises(DeliveryError) as caught:
        parse_destination("exec:record-secret", folder=tmp_path).deliver(SECRET)
    message = str(caught.value)
    assert "exited with status 3" in message
    assert "echo: <secret>" in message
    assert SECRET not in message


def test_exec_that_hangs_is_stopped(tmp_path: Path) -> None:
    destination = ExecDestination([sys.executable, "-c", "import time; time.sleep(30)"], folder=tmp_path, timeout=0.5)
    with pytest.raises(DeliveryError, match=r"did not finish within 0\.5 s"):
        destination.deliver(SECRET)


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


@pytest.mark.parametrize("form", ["file:{tmp}/sub/k", "env-file:{tmp}/sub/.env#K", "exec:true"])
def test_keep_beside_writes_a_new_private_file_in_the_destinations_folder(tmp_path: Path, form: str) -> None:
    (tmp_path / "sub").mkdir()
    destination = ops.parse_destination(form.format(tmp=tmp_path), folder=tmp_path / "sub")
    first = ops.keep_beside(destination, "sk-unsaved\n")
    second = ops.keep_beside(destination, "sk-other\n")
    assert first.parent == second.parent == tmp_path / "sub"
    assert first != second  # never one over another
    assert first.read_text() == "sk-unsaved\n"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == sorted([first.name, second.name])


def test_keep_beside_says_why_it_could_not_keep_the_text(tmp_path: Path) -> None:
    destination = ops.parse_destination(f"file:{tmp_path}/gone/k")
    with pytest.raises(ops.DeliveryError, match=r"cannot keep it in .*gone: No such file or directory") as caught:
        ops.keep_beside(destination, "sk-unsaved")
    assert "sk-unsaved" not in str(caught.value)
