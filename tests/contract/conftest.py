"""Fixtures of the contract tests: one Prism for the session, a watch on every exchange with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.prism import running_prism
from tests.contract.prism_watch import PrismWatch


@pytest.fixture(scope="session")
def prism_url() -> Iterator[str]:
    """Prism serving generated/adminapi.patched.yaml on loopback (npm ci first if needed).

    Without Node.js this errors (PrismError, saying what to install): it never skips.
    """
    with running_prism() as base_url:
        yield base_url


@pytest.fixture
def watch() -> Iterator[PrismWatch]:
    """Fails the test on any violation Prism reports; the test must have talked to Prism."""
    watch = PrismWatch()
    yield watch
    assert watch.exchanges, "the test sent nothing through the watched transport"
