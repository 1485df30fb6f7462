"""Fixtures of the command's tests: the fake API, and runners in-process and as a subprocess."""

from __future__ import annotations

import pytest

from tests.cli.fakeapi import SYSTEM_KEY, FakeAdmin


@pytest.fixture
def fake() -> FakeAdmin:
    return FakeAdmin()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a user would have: the system key set, no entry-point overrides."""
    monkeypatch.setenv("GEEKAI_SYSTEM_KEY", SYSTEM_KEY)
    for name in ("GEEKAI_BASE_URL", "GEEKAI_REGION"):
        monkeypatch.delenv(name, raising=False)
