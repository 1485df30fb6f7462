"""Fixtures of every suite."""

from __future__ import annotations

import re
import signal
from collections.abc import Callable, Iterator
from types import FrameType

import certifi
import pytest

from tests.support.waiting_command import no_interrupt_outlives_its_test

_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.DOTALL)


@pytest.fixture(scope="session", autouse=True)
def one_certificate_trust_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """SSL_CERT_FILE names a bundle of one certificate (the first of certifi's) for the whole run.

    httpx reads its CA bundle whenever a client is built: certifi's 100-odd certificates take
    50-90 ms, and the suites build a client in most of their few thousand tests (over half the
    time of some files). Every test speaks plain HTTP on loopback, so the trust store's content
    never matters; httpx honours SSL_CERT_FILE in every version the package supports.
    """
    first = _CERTIFICATE.search(certifi.contents())
    if first is None:
        pytest.fail(f"no certificate in certifi's bundle {certifi.where()}")
    bundle = tmp_path_factory.mktemp("trust-store") / "one-certificate.pem"
    bundle.write_text(first.group())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSL_CERT_FILE", str(bundle))
        patch.delenv("SSL_CERT_DIR", raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def private_state_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """XDG_STATE_HOME is a folder of the run's own: what the command keeps in its private folder
    (`ops.keep_beside` when a destination's folder will not take a file) never reaches the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield


_STOP_SIGNALS: dict[signal.Signals, Callable[[int, FrameType | None], object] | signal.Handlers] = {
    signal.SIGINT: signal.default_int_handler,
    signal.SIGTERM: signal.SIG_DFL,
    signal.SIGHUP: signal.SIG_DFL,
    signal.SIGQUIT: signal.SIG_DFL,
}


@pytest.fixture(scope="session", autouse=True)
def stop_signals_not_ignored() -> Iterator[None]:
    """A stop signal the run was started with ignored is heard again, in this process and in the
    commands the tests start (they inherit an ignored signal).

    A shell without job control starts a background job (`nox &` in a script) with SIGINT and
    SIGQUIT ignored, and nohup ignores SIGHUP; the command keeps an ignored signal ignored, as it
    should, so every test that interrupts one would fail for a reason of the run's, not the code's.
    """
    ignored = [signum for signum in _STOP_SIGNALS if signal.getsignal(signum) == signal.SIG_IGN]
    for signum in ignored:
        signal.signal(signum, _STOP_SIGNALS[signum])
    try:
        yield
    finally:
        for signum in ignored:
            signal.signal(signum, signal.SIG_IGN)


@pytest.fixture(autouse=True)
def no_stray_interrupt() -> Iterator[None]:
    """An interrupt a test set up for its delivery command never reaches a later test (see
    tests/support/waiting_command.py)."""
    yield
    no_interrupt_outlives_its_test()
