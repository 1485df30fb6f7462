"""The loopback servers the benchmark talks to: nginx when installed, else bench.pyserver.

`running_servers()` yields two base URLs: `fast` answers at once, `slow` adds LATENCY to every
answer (the bulk-update case). nginx serves both when present (the slow one needs Debian's
libnginx-mod-http-echo for `echo_sleep`); whatever nginx cannot serve falls back to the asyncio
server in bench/pyserver.py, started as its own process so it does not share the client's GIL.
Everything listens on 127.0.0.1 only and is stopped on exit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.fixtures import ACCOUNT_SIZES, BALANCE_BODY, DETAIL_BODY, LIST_BODY, MESSAGE_BODY, account_path, list_body

__all__ = ["LATENCY", "Servers", "running_servers"]

LATENCY = 0.020
"""Seconds the slow server adds to each answer."""
ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")
ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Servers:
    fast: str
    """Base URL (with /api) of the server that answers at once."""
    slow: str
    """Base URL of the server that waits LATENCY before each answer."""
    description: str
    """What serves them, for the report."""
    accounts: dict[int, str]
    """Base URL, on the fast server, of an account with that many keys (only its list answers)."""


def _accounts(fast: str) -> dict[int, str]:
    origin = fast.removesuffix("/api")
    return {count: origin + account_path(count) for count in ACCOUNT_SIZES}


def _write_account_lists(prefix: Path) -> None:
    """The larger accounts' list answers as files under prefix/static: too long for an nginx
    `return` literal. Readable by all, as nginx started by root reads them as `nobody`."""
    prefix.chmod(0o711)
    for count in ACCOUNT_SIZES:
        folder = prefix / "static" / account_path(count).lstrip("/")
        folder.mkdir(parents=True)
        (folder / "api_keys").write_bytes(list_body(count))
    for path in (prefix / "static").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (prefix / "static").chmod(0o755)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the benchmark server exited with {process.returncode} before answering {url}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310 - loopback
            if answer.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the benchmark server did not answer {url} within {timeout:.0f} s")


def _nginx_literal(body: bytes) -> str:
    text = body.decode()
    if "'" in text or "$" in text or "\\" in text:
        raise ValueError("a fixture body that nginx would not serve verbatim")
    return f"'{text}'"


def _nginx_config(prefix: Path, fast_port: int, slow_port: int | None) -> str:
    """One worker (the client needs the other core); static answers; echo_sleep for the slow one."""
    routes = f"""
        location /accounts/ {{ root {prefix}/static; }}
        location = /api/credit/balance {{ return 200 {_nginx_literal(BALANCE_BODY)}; }}
        location = /api/api_keys {{ return 200 {_nginx_literal(LIST_BODY)}; }}
        location /api/api_keys/ {{
            if ($request_method = GET) {{ return 200 {_nginx_literal(DETAIL_BODY)}; }}
            return 200 {_nginx_literal(MESSAGE_BODY)};
        }}
    """
    slow = ""
    if slow_port is not None:
        sleep = f"echo_sleep {LATENCY};"
        slow = f"""
    server {{
        listen 127.0.0.1:{slow_port};
        location = /api/credit/balance {{ {sleep} echo -n {_nginx_literal(BALANCE_BODY)}; }}
        location /api/api_keys/ {{ {sleep} echo_read_request_body; echo -n {_nginx_literal(MESSAGE_BODY)}; }}
    }}"""
    load = f"load_module {ECHO_MODULE};\n" if slow_port is not None else ""
    return f"""{load}
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_buffer_size 64k;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{fast_port};
        {routes}
    }}{slow}
}}
"""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _start_pyserver(stack: contextlib.ExitStack, delay: float) -> str:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.pyserver", "--port", str(port), "--delay", str(delay)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    stack.callback(_stop, process)
    base = f"http://127.0.0.1:{port}/api"
    _wait_until_up(base + "/credit/balance", process)
    return base


@contextlib.contextmanager
def running_servers(*, use_nginx: bool = True) -> Iterator[Servers]:
    """Start the servers; stop them when the block ends."""
    with contextlib.ExitStack() as stack:
        nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
        if use_nginx and nginx is not None:
            prefix = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="geekai-bench-nginx-")))
            fast_port = _free_port()
            slow_port = _free_port() if ECHO_MODULE.exists() else None
            _write_account_lists(prefix)
            (prefix / "nginx.conf").write_text(_nginx_config(prefix, fast_port, slow_port))
            process = subprocess.Popen(
                [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            stack.callback(_stop, process)
            fast = f"http://127.0.0.1:{fast_port}/api"
            _wait_until_up(fast + "/credit/balance", process)
            version = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False).stderr.strip()
            if slow_port is not None:
                slow = f"http://127.0.0.1:{slow_port}/api"
                _wait_until_up(slow + "/credit/balance", process)
                description = f"{version} (1 worker; +{LATENCY * 1000:.0f} ms via echo_sleep)"
            else:
                slow = _start_pyserver(stack, LATENCY)
                description = f"{version} (1 worker); +{LATENCY * 1000:.0f} ms: bench.pyserver (no echo module)"
        else:
            fast = _start_pyserver(stack, 0.0)
            slow = _start_pyserver(stack, LATENCY)
            description = "bench.pyserver (asyncio; " + ("nginx not installed)" if nginx is None else "--no-nginx)")
        yield Servers(fast=fast, slow=slow, description=description, accounts=_accounts(fast))
