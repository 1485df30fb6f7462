"""Fixtures of the command's tests: the fake API, and runners in-process and as a subprocess."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from geekai_admin.cli import main
from tests.cli.running import Cli, Result
from tests.support.fake_api import EXAMPLE_SECRET, EXAMPLE_UUID, SYSTEM_KEY, FakeAPI


@pytest.fixture
def fake() -> FakeAPI:
    """The one fake API holding one key: the spec's example key (uuid EXAMPLE_UUID, "ci-pipeline")."""
    fake = FakeAPI()
    fake.seed(uuid=EXAMPLE_UUID, secret=EXAMPLE_SECRET)
    return fake


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a user would have: the system key set, no entry-point overrides."""
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", SYSTEM_KEY)
    for name in ("GEEKAI_BASE_URL", "GEEKAI_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> FakeAPI:
    """The one fake API (tests/support/fake_api), empty: each test seeds the keys it needs."""
    return FakeAPI()


@pytest.fixture
def cli(api: FakeAPI, capsys: pytest.CaptureFixture[str], cli_env: None) -> Cli:
    """The command in process on `api`, with the environment a user would have."""
    return Cli(api, capsys)


@pytest.fixture
def run(fake: FakeAPI, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*argv: str, transport: httpx.BaseTransport | None = None) -> Result:
        code = main(list(argv), transport=transport or fake.mock_transport())
        out, err = capsys.readouterr()
        result = Result(code, out, err)
        assert SYSTEM_KEY not in out + err, result
        if code != 0:
            assert err.endswith("\n"), result
            assert err.count("\n") == 1, f"one line on stderr: {result}"
            assert "Traceback" not in err
        return result

    return run
