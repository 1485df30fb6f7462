"""Reliability and security suite (issue 6): real sockets on 127.0.0.1, injected faults.

Fixtures: `fault_server` (the one fake API, tests.support.fake_api, on a loopback server per
module, listening on a new port with the fake and the server's counters reset before each test) and `captured_logs`
(every log record of every logger at DEBUG, for the secret scan). Set GEEKAI_RELIABILITY_REPORT=1
(`nox -s reliability` does) to print the measured figures as a table at the end of the run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from tests.reliability.figures import FIGURES, LogCapture
from tests.support.fake_api import FakeAPI, LoopbackServer

REPORT_ENV = "GEEKAI_RELIABILITY_REPORT"


@pytest.fixture(scope="module")
def running_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(FakeAPI()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_server(running_server: LoopbackServer) -> LoopbackServer:
    # A new port each test: a request an earlier test left in flight must not count in this one.
    running_server.fresh()
    running_server.fake.reset()
    running_server.reset_counters()
    return running_server


@pytest.fixture
def captured_logs() -> Iterator[LogCapture]:
    """Root at DEBUG with a capturing handler: httpx, httpcore, geekai_admin and the rest."""
    root = logging.getLogger()
    handler = LogCapture()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not os.environ.get(REPORT_ENV) or not (
        FIGURES.cases or FIGURES.load_calls or FIGURES.bad_inputs or FIGURES.deadline_calls or FIGURES.interrupts_tried
    ):
        return
    rows = FIGURES.rows()
    width = max(len(name) for name, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    terminalreporter.section("reliability figures")
    terminalreporter.write_line(f"{'figure':<{width}}  {'measured':>{value_width}}  required")
    for name, value, required in rows:
        terminalreporter.write_line(f"{name:<{width}}  {value:>{value_width}}  {required}")
