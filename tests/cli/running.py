"""Running the command in process against the one fake API, with the checks every run must pass."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from geekai_admin.cli import exit_codes, main
from tests.support.fake_api import SYSTEM_KEY, FakeAPI

# Statuses that end without one error line: success, `check` found problems, stopped by a signal.
_NOT_ONE_ERROR = (
    exit_codes.OK,
    exit_codes.PROBLEMS,
    exit_codes.INTERRUPTED,
    exit_codes.TERMINATED,
    exit_codes.HANGUP,
    exit_codes.QUIT,
)


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def json(self) -> Any:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Result({self.code}, out={self.out!r}, err={self.err!r})"


class FakeStdin(io.StringIO):
    """stdin with a given text, on a terminal or not (`isatty`)."""

    def __init__(self, text: str, *, tty: bool) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class Cli:
    """`cli("keys", "list")`: main(argv) on the fake's MockTransport; stdout, stderr and the status.

    Every run is checked: the system key in no output, no traceback, and a failure ends stderr
    with one error line.
    """

    def __init__(self, api: FakeAPI, capsys: pytest.CaptureFixture[str]) -> None:
        self.api = api
        self.capsys = capsys

    def __call__(self, *argv: str, transport: httpx.BaseTransport | None = None) -> Result:
        code = main(list(argv), transport=transport or self.api.mock_transport())
        out, err = self.capsys.readouterr()
        result = Result(code, out, err)
        assert SYSTEM_KEY not in out + err, result
        assert "Traceback" not in err, result
        if code not in _NOT_ONE_ERROR:
            # One error line, last; a terminal prompt may come before it.
            assert err.endswith("\n"), result
            assert err.count("geekai-admin: error: ") == 1, result
            assert "geekai-admin: error: " in err.splitlines()[-1], result
        return result


# --- the real command in a real process ------------------------------------------------------------

COMMAND = Path(sys.executable).parent / "geekai-admin"


def command_env(**extra: str) -> dict[str, str]:
    """The environment with the system key set and no other GEEKAI_ variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEEKAI_")}
    return {**env, "GEEKAI_SYSTEM_KEY": SYSTEM_KEY, **extra}


def spawn(*args: str, base_url: str, stdout: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    """The installed `geekai-admin` on `base_url`, running, with no terminal: signal it, then `finish` it."""
    assert COMMAND.exists(), f"the console script is not installed next to {sys.executable}: pip install -e ."
    return subprocess.Popen(
        [str(COMMAND), *args],
        env=command_env(GEEKAI_BASE_URL=base_url),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 30) -> Result:
    """Wait for the process; its status, stdout and stderr, checked as every run is."""
    out, err = process.communicate(timeout=timeout)
    result = Result(process.returncode, out or "", err)
    assert SYSTEM_KEY not in result.out + result.err, result
    assert "Traceback" not in result.err, result
    return result


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Poll `condition` until it holds (a point in a run to signal at); fail after `timeout` seconds."""
    ends = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < ends, "the run never reached the point to signal at"
        time.sleep(0.01)
