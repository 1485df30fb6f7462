"""The command in-process, end to end: help, version, `python -m`, usage errors, Ctrl-C, a closed pipe.

Every run goes through the `run` fixture, which also asserts that the system key is in no output.
"""

from __future__ import annotations

import io
import runpy
import signal
from typing import Any

import httpx
import pytest

from geekai_admin import __version__
from geekai_admin.cli import exit_codes, main
from geekai_admin.cli.app import Terminated, interrupted_status, run_status, signals_as_interrupt
from tests.support.fake_api import FakeAPI, Reply

pytestmark = pytest.mark.usefixtures("cli_env")


def test_help_lists_the_commands_and_the_json_shapes(run: Any) -> None:
    result = run("--help")
    assert result.code == 0
    for word in ("balance", "keys", "--json", "--region", "--base-url", "--timeout", "--system-key-file"):
        assert word in result.out
    assert '"secret": str' in result.out
    assert "Exit status: 0 success; 1" in result.out


def test_sub_help_shows_the_global_options_too(run: Any) -> None:
    result = run("keys", "update", "--help")
    assert result.code == 0
    assert "--no-limit" in result.out
    assert "--no-expiry" in result.out
    assert "--json" in result.out


def test_python_dash_m_runs_the_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["python -m geekai_admin", "--version"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("geekai_admin", run_name="__main__")
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"geekai-admin {__version__}\n"


def test_version(run: Any) -> None:
    result = run("--version")
    assert (result.code, result.out) == (0, f"geekai-admin {__version__}\n")


def test_ctrl_c_is_130_without_a_traceback(run: Any, fake: FakeAPI) -> None:
    fake.inject(Reply.raising(KeyboardInterrupt()))
    result = run("balance")
    assert result.code == 130
    assert result.err == "geekai-admin: interrupted\n"


def test_a_closed_pipe_stops_quietly(fake: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["keys", "list"], transport=fake.mock_transport()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        (["--timeout", "0", "balance"], "argument --timeout: must be a positive number of seconds, got '0'"),
        (["--timeout", "soon", "balance"], "argument --timeout: must be a positive number of seconds, got 'soon'"),
        (["--region", "mars", "balance"], "argument --region: invalid choice: 'mars'"),
        (
            ["--region", "global", "balance", "--base-url", "https://x.test/api"],
            "pass region or base_url, not both",
        ),
        (["--base-url", "http://example.com/api", "balance"], "base_url 'http://example.com/api' is plain http://"),
        (["keys", "get", "not-a-uuid"], "keys get: UUID: not a UUID"),
    ],
)
def test_usage_errors_are_exit_2_and_send_nothing(run: Any, fake: FakeAPI, argv: list[str], message: str) -> None:
    result = run(*argv)
    assert result.code == 2
    assert result.err.startswith(f"geekai-admin: error: {message}")
    assert fake.log == []


@pytest.mark.parametrize(
    ("signum", "status", "word"),
    [
        (signal.SIGTERM, 143, "terminated"),
        (signal.SIGHUP, 129, "terminated by SIGHUP"),
        (signal.SIGQUIT, 131, "terminated by SIGQUIT"),
    ],
)
def test_a_stop_signal_is_handled_as_ctrl_c_with_its_own_status(run: Any, signum: int, status: int, word: str) -> None:
    def signalled(request: httpx.Request) -> httpx.Response:
        signal.raise_signal(signum)  # its handler raises in this (the main) thread
        return httpx.Response(500)

    result = run("balance", transport=httpx.MockTransport(signalled))
    assert result.code == status
    assert result.err == f"geekai-admin: {word}\n"


def test_the_stop_signals_are_restored_and_one_ignored_stays_ignored() -> None:
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)}
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with signals_as_interrupt():
            signal.raise_signal(signal.SIGHUP)  # ignored: nothing raised
            with pytest.raises(Terminated) as caught:
                signal.raise_signal(signal.SIGQUIT)
            assert interrupted_status(caught.value) == exit_codes.QUIT
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before[signal.SIGHUP])
    assert {signum: signal.getsignal(signum) for signum in before} == before


@pytest.mark.parametrize(
    ("interrupt", "status", "word"),
    [
        (KeyboardInterrupt(), exit_codes.INTERRUPTED, "interrupted"),
        (Terminated(signal.SIGTERM), exit_codes.TERMINATED, "terminated"),
        (Terminated(signal.SIGHUP), exit_codes.HANGUP, "terminated by SIGHUP"),
        (Terminated(signal.SIGQUIT), exit_codes.QUIT, "terminated by SIGQUIT"),
    ],
)
def test_a_stopped_run_of_many_changes_says_which_signal_stopped_it(
    interrupt: KeyboardInterrupt, status: int, word: str
) -> None:
    said = run_status("apply", interrupt=interrupt, failed=0, total=3, noun="changes", tally="1 done, 2 not started")
    assert said == (status, f"apply: {word}: 1 done, 2 not started")
