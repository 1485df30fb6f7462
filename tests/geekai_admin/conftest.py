"""Fixtures of the overlay's unit tests."""

from __future__ import annotations

import pytest

from tests.geekai_admin.fakes import Driver


@pytest.fixture(params=["sync", "async"])
def drive(request: pytest.FixtureRequest) -> Driver:
    return Driver(request.param)
