"""The create/rotate interrupt matrix: a real `geekai-admin` process, real signals, real broken output.

The fake API holds the process at a chosen step (a request held, before or after the server acted
on it; a delivery command that waits), the test sends SIGINT or SIGTERM, and then checks the rule:
no secret lost (the old key still exists, or the new secret is at its destination or on stdout;
a new key that exists without its secret is named on stderr), no write to a key not named, and
an interrupt before delivery leaves no reserved secret file. Output failures (a closed pipe, a
full device, a failing delivery command) must delete the new key and keep the old one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.figures import FIGURES
from tests.support.fake_api import SYSTEM_KEY, FakeAPI, LoopbackServer, Reply

pytestmark = pytest.mark.slow

HOLD = 8.0
"""Seconds the fake holds an answer: far longer than the signal takes to arrive."""
_HOLDER = """\
import pathlib, sys, time
secret = sys.stdin.read()
started = pathlib.Path(sys.argv[1])
started.write_text("started")
release = started.with_suffix(".release")
for _ in range(3000):  # until the test releases it (after its signal), 30 s at most
    if release.exists():
        started.with_suffix("").write_text(secret)  # delivered: the secret where the test looks
        sys.exit(0)
    time.sleep(0.01)
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    destination: Path | None
    old: str | None
    bystander: str
    issued: list[str] = field(default_factory=list)
    """The secrets the fake issued during this run."""


def _env(server: LoopbackServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEEKAI_") and "proxy" not in k.lower()}
    return {**env, "GEEKAI_SYSTEM_KEY": SYSTEM_KEY, "GEEKAI_BASE_URL": server.base_url}


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _hold(fake: FakeAPI, step: str) -> tuple[str, Callable[[], bool]]:
    """Inject the hold for `step`; the method it holds and when the process has reached it."""
    method = {"read": "GET", "create": "POST", "delete": "DELETE"}[step.split("-", 1)[0]]
    acted = Reply("slow", delay=HOLD)  # the server acts, its answer is held
    not_acted = Reply("status", status=503, body=b"{}", delay=HOLD)  # held, and never acted on
    fake.inject(not_acted if step.endswith("unprocessed") else acted, method=method)
    seen = fake.count(method)
    return method, lambda: fake.count(method) > seen


def _argv(operation: str, old: str | None, output: str, destination: Path, holder: Path | None) -> list[str]:
    argv = ["--json"] if output.endswith("json") else []
    argv += ["keys", "create", "--name", "svc"] if operation == "create" else ["keys", "rotate", str(old)]
    if output.startswith("file"):
        argv += ["--secret-to", f"file:{destination}"]
    elif output == "exec":
        argv += ["--secret-to", f"exec:{sys.executable} {holder} {destination}.started"]
    return argv


def _scan(server: LoopbackServer, run: Run) -> tuple[int, int]:
    """(secrets lost, wrong-key writes) of one run."""
    fake = server.fake
    created = {uuid for uuid in fake.keys if uuid not in (run.old, run.bystander)}
    written = run.out + (run.destination.read_text() if run.destination and run.destination.is_file() else "")
    wrong = 0
    for call in fake.calls:
        method, path = call.split()
        target = path.rsplit("/", 1)[-1]
        if method != "GET" and path != "/api/api_keys" and target != run.old:
            try:
                wrong += fake.secret_of(target) not in run.issued  # the undo of a new key is its own
            except KeyError:
                wrong += 1
    delivered = any(secret in written for secret in run.issued)
    lost = 0
    if run.old is not None and not fake.has_key(run.old) and not delivered:
        lost += 1  # the old key went, and its successor's secret is nowhere
    for uuid in created:
        if fake.secret_of(uuid) not in written and uuid not in run.err and "may have been created" not in run.err:
            lost += 1  # a key nobody can use, and nobody was told about
    return lost, wrong


def _record(server: LoopbackServer, run: Run) -> None:
    lost, wrong = _scan(server, run)
    FIGURES.interrupts_tried += 1
    FIGURES.interrupts_documented += (lost, wrong) == (0, 0) and "Traceback" not in run.err
    FIGURES.secrets_lost += lost
    FIGURES.wrong_key_writes += wrong
    assert (lost, wrong) == (0, 0), run
    assert SYSTEM_KEY not in run.out + run.err
    assert "Traceback" not in run.err, run.err
    for secret in run.issued:
        assert secret not in run.err


@pytest.fixture
def holder(tmp_path: Path) -> Path:
    path = tmp_path / "holder.py"
    path.write_text(_HOLDER)
    return path


SIGNAL_CASES = [
    ("create", "create-unprocessed", "file"),
    ("create", "create-processed", "file"),
    ("create", "create-processed", "stdout-json"),
    ("create", "delivery", "exec"),
    ("rotate", "read", "stdout-json"),
    ("rotate", "read", "file-existing"),
    ("rotate", "create-unprocessed", "stdout-json"),
    ("rotate", "create-processed", "stdout-json"),
    ("rotate", "delivery", "exec"),
    ("rotate", "delete-unprocessed", "stdout-json"),
    ("rotate", "delete-processed", "stdout-json"),
    ("rotate", "delete-processed", "stdout-text"),
    ("rotate", "delete-processed", "file-existing"),
]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(("operation", "step", "output"), SIGNAL_CASES, ids=["-".join(c) for c in SIGNAL_CASES])
def test_a_signal_at_each_step_loses_no_secret(
    fault_server: LoopbackServer, tmp_path: Path, holder: Path, operation: str, step: str, output: str, signum: int
) -> None:
    server = fault_server
    fake = server.fake
    bystander = fake.seed(name="bystander", group="ha").uuid
    old = fake.seed(name="svc", group="ha", credit_limit=100).uuid if operation == "rotate" else None
    destination = tmp_path / "svc.key"
    if output == "file-existing":
        destination.write_text("old secret\n")
        destination.chmod(0o600)
    issued = len(fake.issued_secrets)
    if step == "delivery":
        reached = (Path(f"{destination}.started")).exists
    else:
        _, reached = _hold(fake, step)
    process = subprocess.Popen(
        [sys.executable, "-m", "geekai_admin", *_argv(operation, old, output, destination, holder)],
        env=_env(server),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(reached, step)
        time.sleep(0.2)  # the process is now waiting on the step
        process.send_signal(signum)
        if step == "delivery":  # the command ends within the grace the interrupt gives it, exit 0: delivered
            time.sleep(0.2)
            Path(f"{destination}.release").touch()
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    run = Run(process.returncode, out, err, destination, old, bystander, fake.issued_secrets[issued:])
    _record(server, run)
    assert run.code == (130 if signum == signal.SIGINT else 143), run
    assert fake.has_key(bystander)
    if step.startswith(("read", "create-unprocessed")):
        assert len(fake.keys) == 2 if operation == "rotate" else 1  # nothing was made
    if output == "file":
        # 10c: a secret file reserved before anything was sent is removed when nothing is delivered
        assert not destination.exists() or destination.read_text().strip() in run.issued
    if output == "file-existing" and not run.issued:
        assert destination.read_text() == "old secret\n"
    if step.startswith("create") or step == "delivery":
        assert "may have been created" in err or "exists" in err  # the library's note, on stderr
    if step.startswith("delete"):
        held = destination.read_text() if destination.is_file() else ""
        assert any(secret in out + held for secret in run.issued)  # delivered before the delete
    if output == "stdout-json" and out:
        document = json.loads(out)  # one valid document, whatever the instant
        if operation == "rotate":
            assert document["old"] == {"uuid": old, "deleted": None}
    if step == "delivery":
        assert destination.read_text() in run.issued  # it exited 0 after the signal: delivered
        assert "exited 0 after the interrupt: the secret was delivered" in err
        assert "may have put it" not in err  # the hand-over's own note does not contradict it
        assert "its secret nowhere but where its delivery put it" in err
        if old is not None:
            assert fake.has_key(old)  # the interrupt stops the rotation after the delivery


def _broken_stdout(kind: str) -> Iterator[int]:
    if kind == "closed-pipe":
        read, write = os.pipe()
        os.close(read)
        yield write
        os.close(write)
    else:
        fd = os.open("/dev/full", os.O_WRONLY)
        yield fd
        os.close(fd)


OUTPUT_CASES = [
    (operation, output, kind)
    for operation in ("create", "rotate")
    for output in ("stdout-text", "stdout-json")
    for kind in ("closed-pipe", "dev-full")
] + [("create", "exec-fails", "exit-1"), ("rotate", "exec-fails", "exit-1")]


@pytest.mark.parametrize(("operation", "output", "kind"), OUTPUT_CASES, ids=["-".join(c) for c in OUTPUT_CASES])
def test_a_failed_hand_over_deletes_the_new_key_and_keeps_the_old(
    fault_server: LoopbackServer, tmp_path: Path, operation: str, output: str, kind: str
) -> None:
    if kind == "dev-full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    server = fault_server
    fake = server.fake
    bystander = fake.seed(name="bystander", group="ha").uuid
    old = fake.seed(name="svc", group="ha").uuid if operation == "rotate" else None
    issued = len(fake.issued_secrets)
    argv = _argv(operation, old, output, tmp_path / "unused", None)
    if output == "exec-fails":
        argv += ["--secret-to", f"exec:{sys.executable} -c 'import sys; sys.stdin.read(); sys.exit(3)'"]
    stdout: Any = subprocess.PIPE
    broken = _broken_stdout(kind) if kind != "exit-1" else None
    if broken is not None:
        stdout = next(broken)
    done = subprocess.run(
        [sys.executable, "-m", "geekai_admin", *argv],
        env=_env(server),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    if broken is not None:
        next(broken, None)
    run = Run(done.returncode, done.stdout or "", done.stderr, None, old, bystander, fake.issued_secrets[issued:])
    _record(server, run)
    assert run.code == 1, run
    (line,) = run.err.splitlines()
    assert line.startswith("geekai-admin: error: keys "), line
    assert "could not deliver the new secret" in line
    assert "was deleted, since no one could use it without its secret" in line
    assert set(fake.keys) == {bystander, *([old] if old else [])}  # the new key gone, the old one kept
