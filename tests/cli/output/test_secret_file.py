"""--secret-file on `keys create`: a new 0600 file holding the secret, and the secret nowhere else."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from geekai_admin import ops
from geekai_admin.cli.output.secret_file import write_out
from tests.cli.running import Cli
from tests.support.fake_api import FakeAPI, Reply


def test_create_writes_the_secret_to_a_new_private_file_and_nowhere_else(
    cli: Cli, api: FakeAPI, tmp_path: Path
) -> None:
    path = tmp_path / "ci.key"
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(path))
    assert (result.code, result.err) == (0, "")
    (secret,) = api.issued_secrets
    assert path.read_text() == secret + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret not in result.out
    assert f"Secret written to {path}" in result.out


def test_create_json_names_the_file_instead_of_the_secret(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    path = tmp_path / "ci.key"
    document = cli("--json", "keys", "create", "--name", "ci", "--secret-file", str(path)).json()
    assert document["secret_file"] == str(path)
    assert "secret" not in document
    assert path.read_text() == api.issued_secrets[0] + "\n"


def test_an_existing_path_is_refused_before_anything_is_sent(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    path = tmp_path / "taken"
    path.write_text("precious\n")
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(path))
    assert (result.code, result.out) == (2, "")
    assert f"--secret-file {path}: already exists" in result.err
    assert "nothing was sent" in result.err
    assert api.log == []
    assert path.read_text() == "precious\n"


def test_a_symlink_is_never_followed(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    link = tmp_path / "link"
    link.symlink_to(target)
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(link))
    assert result.code == 2
    assert api.log == []
    assert not target.exists()


def test_a_missing_folder_is_refused_before_anything_is_sent(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(tmp_path / "no" / "such" / "file"))
    assert result.code == 2
    assert "No such file or directory" in result.err
    assert api.log == []


def test_a_failed_create_leaves_no_empty_file(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    api.inject(Reply.json({"code": "boom", "message": "server down"}, 500), method="POST")
    path = tmp_path / "ci.key"
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(path))
    assert result.code == 1
    assert not path.exists()


def test_bad_input_leaves_no_empty_file(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    path = tmp_path / "ci.key"
    result = cli("keys", "create", "--name", "ci", "--credit-limit", "lots", "--secret-file", str(path))
    assert result.code == 2
    assert api.log == []
    assert not path.exists()


def test_an_unreadable_answer_is_kept_beside_the_file_never_printed(cli: Cli, api: FakeAPI, tmp_path: Path) -> None:
    raw = '{"data": {"uuid": 7, "raw_value": "sk-only-copy-of-the-secret"}}'
    api.inject(Reply.raw(raw.encode()), method="POST")
    path = tmp_path / "ci.key"
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(path))
    assert result.code == 1
    assert "sk-only-copy-of-the-secret" not in result.out + result.err
    assert not path.exists()  # the destination holds a secret or nothing
    (kept,) = tmp_path.iterdir()
    assert kept.read_text() == raw + "\n"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert f"the server's raw answer, which holds its secret if so, is in {kept} (readable by you only)" in result.err


def test_a_secret_that_cannot_be_written_after_the_create_says_so(
    cli: Cli, api: FakeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    path = tmp_path / "ci.key"
    result = cli("keys", "create", "--name", "ci", "--secret-file", str(path))
    created = api.calls[-1].rsplit("/", 1)[-1]
    assert api.calls == ["GET /api/api_keys", "POST /api/api_keys", f"DELETE /api/api_keys/{created}"]
    assert (result.code, result.out) == (1, "")
    assert f"could not deliver the new secret to {path} (cannot write the secret: No space left" in result.err
    assert f"the new key {created} was deleted" in result.err
    assert api.issued_secrets[0] not in result.err
    assert api.keys == {}
    assert not path.exists()


def test_stdout_as_a_regular_file_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr("os.fsync", synced.append)
    with (tmp_path / "out").open("w") as file:
        monkeypatch.setattr("sys.stdout", file)
        write_out("sk-1\n")
        assert synced == [file.fileno()]
    assert (tmp_path / "out").read_text() == "sk-1\n"


def test_stdout_as_a_pipe_is_flushed_not_fsynced(monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr("os.fsync", synced.append)
    read, write = os.pipe()
    with os.fdopen(read) as reader, os.fdopen(write, "w") as file:
        monkeypatch.setattr("sys.stdout", file)
        write_out("sk-1\n")
        assert os.read(reader.fileno(), 100) == b"sk-1\n"  # flushed: already in the pipe
    assert synced == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_device_is_a_delivery_error_and_silences_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    with open("/dev/full", "w") as full:
        monkeypatch.setattr("sys.stdout", full)
        with pytest.raises(ops.DeliveryError) as caught:
            write_out("sk-secret\n")
        assert (caught.value.destination, caught.value.problem) == ("stdout", "No space left on device")
        assert "sk-secret" not in str(caught.value)
        full.flush()  # the text left in the buffer no longer fails: stdout now goes nowhere
