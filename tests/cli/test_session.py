"""The session: where the system key comes from, how it is masked, and the region and base URL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fake_api import EXAMPLE_UUID, SYSTEM_KEY, FakeAPI

pytestmark = pytest.mark.usefixtures("cli_env")


def test_no_system_key(run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEEKAI_SYSTEM_KEY")
    result = run("balance")
    assert result.code == 2
    assert result.err.startswith("geekai-admin: error: no system key: set GEEKAI_SYSTEM_KEY or pass --system-key-file")
    assert fake.log == []


def test_a_malformed_system_key_is_refused_without_showing_it(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", "sk-has space")
    result = run("balance")
    assert result.code == 2
    assert "sk-has" not in result.err
    assert "whitespace" in result.err


def test_key_file_wins_over_the_environment(
    run: Any, fake: FakeAPI, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", "wrong-key")
    path = tmp_path / "key"
    path.write_text(SYSTEM_KEY + "\r\n")
    result = run("--system-key-file", str(path), "balance")
    assert result.code == 0
    assert fake.log[0].headers["authorization"] == f"Bearer {SYSTEM_KEY}"


@pytest.mark.parametrize("source", ["padded environment", "key file with blank lines"])
def test_a_padded_key_is_masked_as_it_is_sent(
    run: Any, fake: FakeAPI, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    argv: tuple[str, ...] = ()
    if source == "padded environment":
        monkeypatch.setenv("GEEKAI_SYSTEM_KEY", f"  {SYSTEM_KEY} \n")
    else:
        path = tmp_path / "key"
        path.write_text(SYSTEM_KEY + "\n\n\n")
        argv = ("--system-key-file", str(path))
    fake.keys[EXAMPLE_UUID]["name"] = f"copy of {SYSTEM_KEY}"
    result = run(*argv, "keys", "get", EXAMPLE_UUID)  # run() asserts the key is nowhere in the output
    assert result.code == 0
    assert "copy of <system key>" in result.out


@pytest.mark.parametrize(
    ("content", "message"), [(None, "cannot read --system-key-file"), ("\n", "is empty"), (b"\xff\xfe", "cannot read")]
)
def test_key_file_problems(run: Any, fake: FakeAPI, tmp_path: Any, content: Any, message: str) -> None:
    path = tmp_path / "key"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = run("balance", "--system-key-file", str(path))
    assert result.code == 2
    assert message in result.err
    assert fake.log == []


def test_region_and_base_url(run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("balance").code == 0
    monkeypatch.setenv("GEEKAI_BASE_URL", "https://env.test/api")
    assert run("balance").code == 0
    assert run("--region", "global", "balance").code == 0  # the option beats the environment
    assert run("balance", "--base-url", "http://127.0.0.1:9/api").code == 0
    assert [entry.url for entry in fake.log] == [
        "https://geekai.co/api/credit/balance",
        "https://env.test/api/credit/balance",
        "https://geekai.dev/api/credit/balance",
        "http://127.0.0.1:9/api/credit/balance",
    ]


def test_the_system_key_is_masked_even_when_the_server_echoes_it(run: Any, fake: FakeAPI) -> None:
    fake.keys[EXAMPLE_UUID]["name"] = f"copy of {SYSTEM_KEY}"
    for argv in (("keys", "list"), ("--json", "keys", "get", EXAMPLE_UUID)):
        result = run(*argv)
        assert "copy of <system key>" in result.out
    # An error that quotes the caller's input is masked too.
    result = run("keys", "create", "--name", f"{SYSTEM_KEY}\x00")
    assert result.code == 2
    assert "<system key>" in result.err
