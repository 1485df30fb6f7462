"""Ctrl-C and SIGTERM interrupt the checks, never the clean-up."""

from __future__ import annotations

import os
import signal

import pytest

from devtools.live.interrupts import Guard


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_interrupts_the_checks(signum: int) -> None:
    guard = Guard()
    with guard.installed(), pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signum)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_clean_up_waits_for_its_end(signum: int, capsys: pytest.CaptureFixture[str]) -> None:
    guard = Guard()
    finished = []

    def clean_up() -> None:
        with guard.shielded():
            os.kill(os.getpid(), signum)
            os.kill(os.getpid(), signum)
            finished.append(True)

    with guard.installed(), pytest.raises(KeyboardInterrupt):
        clean_up()
    assert finished == [True]
    assert guard.pending == signum
    assert capsys.readouterr().err.count("cleaning up first") == 1


def test_the_previous_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with Guard().installed():
        assert signal.getsignal(signal.SIGTERM) != before
    assert signal.getsignal(signal.SIGTERM) == before
