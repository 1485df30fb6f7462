"""Start and stop Stoplight Prism, the mock server of the patched spec, on loopback.

    with running_prism() as base_url:      # e.g. "http://127.0.0.1:43121"
        ...

Prism's own binary (node_modules/.bin/prism) is started directly and stopped by its process
group: stopping an `npx` wrapper would leave Prism listening. `npm ci` runs first if Prism is
not installed; without Node.js this fails with a message that says so, never a skip.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["PATCHED_SPEC", "PrismError", "ensure_installed", "free_port", "running_prism"]

ROOT = Path(__file__).resolve().parent.parent
PATCHED_SPEC = ROOT / "generated" / "adminapi.patched.yaml"
PRISM_BIN = ROOT / "node_modules" / ".bin" / "prism"
START_TIMEOUT = 90.0


class PrismError(RuntimeError):
    """Prism could not be installed or started."""


def ensure_installed() -> Path:
    """The Prism binary, installed from package-lock.json with `npm ci` if it is missing.

    One process at a time: the test workers (pytest-xdist) each start a Prism, and two `npm ci`
    in one folder delete each other's files.
    """
    with _install_lock():
        return _installed()


@contextlib.contextmanager
def _install_lock() -> Iterator[None]:
    name = f"geekai-admin-npm-ci-{hashlib.sha256(bytes(ROOT)).hexdigest()[:16]}.lock"
    with (Path(tempfile.gettempdir()) / name).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _installed() -> Path:
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        raise PrismError(
            "Node.js and npm are required for the mock server (Stoplight Prism) but were not found on PATH. "
            "Install Node.js >= 18 (e.g. `apt-get install nodejs npm`) and run again."
        )
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not PRISM_BIN.exists():
        raise PrismError(f"`npm ci` failed to install Prism ({done.returncode}):\n{done.stdout}{done.stderr}")
    return PRISM_BIN


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(base_url: str) -> bool:
    # Any HTTP answer (even 401/404/422) means Prism is serving.
    try:
        with urllib.request.urlopen(base_url + "/credit/balance", timeout=2):  # noqa: S310 (loopback URL we built)
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def running_prism(
    spec: Path = PATCHED_SPEC,
    *,
    port: int | None = None,
    dynamic: bool = False,
    extra_args: Sequence[str] = (),
) -> Iterator[str]:
    """Serve `spec` on 127.0.0.1 with request validation and --errors; yield the base URL.

    `dynamic` makes Prism generate responses from the schemas instead of using the examples.
    """
    prism = ensure_installed()
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [str(prism), "mock", "--host", "127.0.0.1", "--port", str(port), "--errors"]
    if dynamic:
        command.append("--dynamic")
    command += [*extra_args, str(spec)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _ready(base_url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-4000:]
                    raise PrismError(f"Prism did not start on {base_url} (exit {process.poll()}):\n{output}")
                time.sleep(0.2)
            yield base_url
        finally:
            _stop(process)
