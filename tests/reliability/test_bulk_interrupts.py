"""The interrupt matrix of a bulk run: a real `geekai-admin keys delete` stopped by SIGINT or SIGTERM
at each step, or with a stdout that fails (a closed pipe, a full device), in each output format.

Every run must end in its documented status with one line on stderr and no traceback; an
interrupted run's report must match what the server holds, key by key (done: deleted; not
started: untouched; unknown: either). The counts go to the figures `nox -s reliability` prints.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cli.running import Result, finish, spawn, wait_for
from tests.reliability.figures import FIGURES
from tests.support.fake_api import FakeAPI, LoopbackServer, Reply

KEYS = 12
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}

# Where the signal comes: (the point, the fake's state that marks it, the DELETE delay).
POINTS: dict[str, tuple[Callable[[FakeAPI], bool], float]] = {
    "while listing (selectors)": (lambda fake: fake.count("GET") >= 1, 1.0),
    "after the first write": (lambda fake: fake.writes >= 1, 1.0),
    "all workers in flight": (lambda fake: fake.writes >= 8, 1.0),
    "writes answering fast": (lambda fake: fake.writes >= 4, 0.05),
}


def _seed(fake: FakeAPI) -> list[str]:
    return [fake.seed(name=f"bulk-{n:02}").uuid for n in range(KEYS)]


def _misreported(fake: FakeAPI, results: list[dict[str, Any]]) -> int:
    wrong = 0
    for row in results:
        gone = not fake.has_key(row["uuid"])
        wrong += (row["outcome"] == "done" and not gone) or (row["outcome"] in ("not started", "failed") and gone)
    return wrong


def _record(ended_as_documented: bool) -> None:
    FIGURES.interrupts_tried += 1
    FIGURES.interrupts_documented += ended_as_documented


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_at_each_step_of_a_bulk_run(fault_server: LoopbackServer, signum: signal.Signals, point: str) -> None:
    fake = fault_server.fake
    uuids = _seed(fake)
    reached, delay = POINTS[point]
    if point.startswith("while listing"):
        fake.inject(Reply(delay=1.0), method="GET", route="/api_keys")
    fake.inject(Reply(delay=delay), method="DELETE", times=None)
    process = spawn("--json", "keys", "delete", "--match", "bulk-*", "--yes", base_url=fault_server.base_url)
    wait_for(lambda: reached(fake))
    process.send_signal(signum)
    result = finish(process)
    documented = result.code == STATUS[signum] and result.err.count("\n") == 1
    if result.out:  # the run had begun its writes: the report, key by key
        document = json.loads(result.out)
        misreported = _misreported(fake, document["results"])
        FIGURES.interrupted_keys_misreported += misreported
        documented = documented and document["interrupted"] is True and misreported == 0
        assert [row["uuid"] for row in document["results"]] == uuids
    else:
        documented = documented and fake.writes == 0
    _record(documented)
    assert documented, result


@contextlib.contextmanager
def _closed_pipe() -> Iterator[int]:
    read, write = os.pipe()
    os.close(read)
    try:
        yield write
    finally:
        os.close(write)


@contextlib.contextmanager
def _full_device() -> Iterator[Any]:
    with open("/dev/full", "wb") as device:
        yield device


SINKS = {"closed stdout": (_closed_pipe, "Broken pipe"), "full device": (_full_device, "No space left on device")}


@pytest.mark.parametrize("output_format", ["table", "json", "csv"])
@pytest.mark.parametrize("sink", SINKS)
def test_a_bulk_run_whose_stdout_fails(fault_server: LoopbackServer, sink: str, output_format: str) -> None:
    fake = fault_server.fake
    uuids = _seed(fake)
    opener, reason = SINKS[sink]
    with opener() as stdout:
        process = spawn(
            "--format", output_format, "keys", "delete", *uuids, "--yes", base_url=fault_server.base_url, stdout=stdout
        )
        result: Result = finish(process)
    documented = (
        result.code == 1
        and result.err == f"geekai-admin: error: keys delete: cannot write the output: {reason}\n"
        and not any(fake.has_key(uuid) for uuid in uuids)  # the writes were done; only the report was lost
    )
    _record(documented)
    assert documented, result
