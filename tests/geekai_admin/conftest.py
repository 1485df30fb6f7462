"""Fixtures of the overlay's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.geekai_admin.fakes import Driver
from tests.support.fake_api import FakeAPI

Against = Callable[..., Any]


@pytest.fixture(params=["sync", "async"])
def drive(request: pytest.FixtureRequest) -> Driver:
    return Driver(request.param)


@pytest.fixture
def fake_api() -> FakeAPI:
    """The one fake API (tests/support/fake_api), empty; seed keys and inject faults in the test."""
    return FakeAPI()


@pytest.fixture
def against(drive: Driver, fake_api: FakeAPI) -> Against:
    """Runs an operation through the sync or the async client (per `drive`) against `fake_api`."""

    def run(operation: Callable[[Any], Any], **settings: Any) -> Any:
        return drive(fake_api, operation, **settings)

    return run
