"""The fallback benchmark server: the tests' one fake API (tests.support.fake_api) on loopback.

Used when nginx is not installed, and for the latency case when nginx's echo module
(libnginx-mod-http-echo, which provides echo_sleep) is not. It answers the admin API's routes
with the same static bodies nginx serves (bench.fixtures), each after `--delay` seconds: the
fake's loopback server, with those bodies injected for every request and its request log off.

    python -m bench.pyserver --port 8123 [--delay 0.02]

It serves until it is terminated (the benchmark stops it); a line "ready" on stdout says it listens.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading

from bench.fixtures import BALANCE_BODY, DETAIL_BODY, LIST_BODY, MESSAGE_BODY
from tests.support.fake_api import FakeAPI, LoopbackServer, Reply

__all__ = ["bench_fake", "main"]

ANSWERS = [
    # (method, route, body): None for any method
    ("GET", "/credit/balance", BALANCE_BODY),
    (None, "/api_keys", LIST_BODY),
    ("GET", "/api_keys/{uuid}", DETAIL_BODY),
    (None, "/api_keys/{uuid}", MESSAGE_BODY),
]


def bench_fake(delay: float = 0.0) -> FakeAPI:
    """The fake answering the benchmark's routes with bench.fixtures' bodies after `delay` seconds."""
    fake = FakeAPI(log_requests=False)
    for method, route, body in ANSWERS:
        fake.inject(Reply.raw(body, delay=delay or None), method=method, route=route, times=None)
    return fake


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost"):
        sys.exit("the benchmark server listens on 127.0.0.1 only")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    LoopbackServer(bench_fake(args.delay)).start(sock)
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
