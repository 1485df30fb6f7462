"""Running a command: failures as one line with a hint and an exit status, and --verbose."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from geekai_admin.cli import main
from tests.support.fake_api import EXAMPLE_UUID, SYSTEM_KEY, FakeAPI, Reply

pytestmark = pytest.mark.usefixtures("cli_env")


def test_401_is_one_line_with_the_system_key_hint(run: Any, fake: FakeAPI) -> None:
    fake.system_key = "some-other-key"
    result = run("keys", "list")
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "geekai-admin: error: keys list: HTTP 401 [unauthorized] Invalid API key or token; hint: GEEKAI_SYSTEM_KEY "
        "(or --system-key-file) must hold a system key from geekai.co/user/provision_keys, not an ordinary API key\n"
    )


def test_403_hint(run: Any, fake: FakeAPI) -> None:
    fake.inject(Reply.json({"code": "forbidden", "message": "nope"}, 403), times=None)
    result = run("balance")
    assert result.code == 1
    assert "HTTP 403 [forbidden] nope; hint: this system key may not do this" in result.err


def test_500_with_request_id(run: Any, fake: FakeAPI) -> None:
    fake.inject(
        Reply.json({"code": "internal", "message": "boom"}, 500, headers=(("X-Request-Id", "req-42"),)), times=None
    )
    result = run("keys", "create", "--name", "x")
    assert result.code == 1
    assert result.err.startswith("geekai-admin: error: keys create: HTTP 500 [internal] boom (request id req-42); ")


def test_404_on_balance_has_no_uuid_hint(run: Any, fake: FakeAPI) -> None:
    fake.inject(Reply.json({"message": "no route"}, 404), times=None)
    result = run("balance")
    assert result.code == 1
    assert result.err == "geekai-admin: error: balance: HTTP 404 no route\n"


def test_server_text_cannot_break_the_line_or_show_the_key(run: Any, fake: FakeAPI) -> None:
    fake.inject(Reply.json({"code": "bad", "message": f"line one\nline two \x1b[2J key={SYSTEM_KEY}"}, 400), times=None)
    result = run("keys", "create", "--name", "x")
    assert result.code == 1
    assert "\x1b" not in result.err
    assert "line one\\nline two \\x1b[2J key=<system key>" in result.err


def test_a_response_that_does_not_fit_is_exit_1(run: Any, fake: FakeAPI) -> None:
    fake.balance = "plenty"
    result = run("balance")
    assert result.code == 1
    # The command names the operation, once: the library's message does not repeat it.
    assert result.err.startswith("geekai-admin: error: balance: field 'balance' should be a number")


def test_connection_failure(run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("geekai_admin._transport._http.time.sleep", lambda seconds: None)
    fake.inject(Reply.raising(httpx.ConnectError("[Errno 111] Connection refused")), times=None)
    result = run("balance")
    assert result.code == 1
    # The operation is named once (before: "balance: balance: GET /credit/balance failed ...").
    assert result.err.startswith(
        "geekai-admin: error: balance: GET /credit/balance failed after 3 attempt(s): [Errno 111] Connection refused; "
    )
    assert "hint: could not reach the server (https://geekai.co/api)" in result.err


def test_timeout(run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("geekai_admin._transport._http.time.sleep", lambda seconds: None)
    fake.inject(Reply("slow"), times=None)  # on the MockTransport: httpx.ReadTimeout
    result = run("--timeout", "2.5", "keys", "list")
    assert result.code == 1
    assert "raise --timeout" in result.err


def test_verbose_logs_each_request_on_stderr_and_leaves_stdout_alone(run: Any, fake: FakeAPI) -> None:
    quiet = run("--json", "balance")
    result = run("--json", "-v", "balance")
    assert result.out == quiet.out
    assert quiet.err == ""
    (line,) = result.err.splitlines()
    assert line.startswith("geekai-admin: debug: balance: GET /credit/balance -> 200 in ")
    assert line.endswith(" ms (request id -)")


def test_verbose_after_the_command_logs_each_retry(run: Any, fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("geekai_admin._transport._http.time.sleep", lambda seconds: None)
    fake.inject(Reply.json({"message": "busy"}, 503, headers=(("X-Request-Id", "req-7"),)), times=2)
    result = run("keys", "get", EXAMPLE_UUID, "--verbose")
    assert result.code == 0, result
    lines = result.err.splitlines()
    assert [line.split(" -> ")[0] for line in lines if " -> " in line] == [
        f"geekai-admin: debug: keys.get: GET /api_keys/{EXAMPLE_UUID}"
    ] * 3
    retries = [line for line in lines if "retry" in line]
    assert [r.split("; ")[-1].split(" in ")[0] for r in retries] == ["retry 1 of 2", "retry 2 of 2"]
    assert all("HTTP 503" in r for r in retries)
    assert "(request id req-7)" in lines[0]


def test_verbose_masks_the_key_and_control_characters(run: Any, fake: FakeAPI) -> None:
    fake.inject(Reply("ok", headers=(("X-Request-Id", f"\x1b[2J{SYSTEM_KEY}"),)))
    result = run("-v", "balance")  # run() asserts no key anywhere
    assert result.code == 0
    assert "(request id \\x1b[2J<system key>)" in result.err


def test_verbose_leaves_the_logger_as_it_found_it(run: Any) -> None:
    logger = logging.getLogger("geekai_admin")
    before = (logger.level, list(logger.handlers))
    run("-v", "balance")
    run("-v", "keys", "get", "not-a-uuid")
    assert (logger.level, list(logger.handlers)) == before


def test_deadline_ends_a_call_a_trickling_server_would_keep_going(
    fake: FakeAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.inject(Reply("trickle", delay=0.25), times=None)  # one byte every 0.25 s: each read is quick
    with fake.serve() as server:
        code = main(["--base-url", server.base_url, "--deadline", "1", "--timeout", "30", "keys", "list"])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert "deadline of 1s" in err
    assert err.endswith("check the network, or raise --deadline\n")
    assert err.count("\n") == 1


def test_a_deadline_is_a_positive_number_of_seconds(run: Any) -> None:
    result = run("--deadline", "0", "balance")
    assert result.code == 2
    assert "--deadline" in result.err
