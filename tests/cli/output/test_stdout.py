"""Output that cannot be written: a real closed pipe and a real full device as stdout of a real process."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO

import pytest

from tests.cli.running import finish, spawn
from tests.support.fake_api import EXAMPLE_UUID, FakeAPI

FULL = "No space left on device"
CLOSED = "Broken pipe"


@contextlib.contextmanager
def closed_pipe() -> Iterator[int]:
    """The write end of a pipe whose reader has already gone (`... | head -c0` once head exited)."""
    read, write = os.pipe()
    os.close(read)
    try:
        yield write
    finally:
        os.close(write)


@contextlib.contextmanager
def full_device() -> Iterator[IO[bytes]]:
    with open("/dev/full", "wb") as device:
        yield device


STDOUTS = {"closed pipe": (closed_pipe, CLOSED), "full device": (full_device, FULL)}


@pytest.mark.parametrize("stdout", STDOUTS)
@pytest.mark.parametrize(
    "argv",
    [("keys", "list"), ("--json", "balance"), ("keys", "list", "--format", "csv"), ("keys", "get", EXAMPLE_UUID)],
)
def test_output_that_cannot_be_written_is_one_error_line_and_exit_1(
    fake: FakeAPI, stdout: str, argv: tuple[str, ...]
) -> None:
    opener, reason = STDOUTS[stdout]
    with fake.serve() as server, opener() as sink:
        result = finish(spawn(*argv, base_url=server.base_url, stdout=sink))
    assert result.code == 1, result
    command = " ".join(word for word in argv if not word.startswith("-") and word not in ("csv", EXAMPLE_UUID))
    assert result.err == f"geekai-admin: error: {command}: cannot write the output: {reason}\n"


@pytest.mark.parametrize("stdout", STDOUTS)
def test_help_that_cannot_be_written_is_one_error_line(fake: FakeAPI, stdout: str) -> None:
    opener, reason = STDOUTS[stdout]
    with fake.serve() as server, opener() as sink:
        result = finish(spawn("keys", "list", "--help", base_url=server.base_url, stdout=sink))
    assert (result.code, result.err) == (1, f"geekai-admin: error: cannot write the output: {reason}\n")


@pytest.mark.parametrize("stdout", STDOUTS)
def test_a_bulk_run_whose_report_cannot_be_written_still_did_its_writes(fake: FakeAPI, stdout: str) -> None:
    others = [fake.seed(name=f"tmp-{n}").uuid for n in range(3)]
    opener, reason = STDOUTS[stdout]
    with fake.serve() as server, opener() as sink:
        result = finish(spawn("--json", "keys", "delete", *others, "--yes", base_url=server.base_url, stdout=sink))
    assert (result.code, result.err) == (1, f"geekai-admin: error: keys delete: cannot write the output: {reason}\n")
    assert not any(fake.has_key(uuid) for uuid in others)
