"""The sync client's socket waits under a deadline: an httpcore backend, loaded only when needed.

What the waits do is shown over real sockets in tests/reliability/test_deadline.py; here, where the
backend goes and what importing the client costs.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import httpcore
import httpx

from geekai_admin import GeekAIAdmin
from tests.support.fake_api import SYSTEM_KEY

SOCKETS = "geekai_admin._transport._deadline_sockets"


def _backends(http: httpx.Client) -> list[httpcore.NetworkBackend]:
    """The network backend of each httpcore pool of the client (its transport and mounts), read
    through the private attributes the deadline relies on: a change in httpx fails here first."""
    transports = [http._transport, *(t for t in http._mounts.values() if t is not None)]
    return [t._pool._network_backend for t in transports if isinstance(t, httpx.HTTPTransport)]


def _loaded_by(statement: str) -> set[str]:
    script = f"import sys; {statement}; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return set(ast.literal_eval(done.stdout))


def test_importing_the_client_loads_neither_the_backend_nor_httpcore_for_it() -> None:
    # httpx 0.28 and later load httpcore only when a transport is built; the client must not load it sooner.
    added = _loaded_by("from geekai_admin import GeekAIAdmin") - _loaded_by("import httpx")
    assert SOCKETS not in added
    assert not {name for name in added if name.split(".")[0] in ("httpcore", "h11", "anyio")}


def test_a_client_with_a_deadline_routes_every_pool_through_the_bounded_backend() -> None:
    with GeekAIAdmin(SYSTEM_KEY, deadline=5) as client:
        backends = _backends(client._session.http)
    assert backends  # the transport, and the direct mount for plain http
    assert {type(b).__module__ for b in backends} == {SOCKETS}


def test_a_client_without_a_deadline_keeps_httpcores_backend() -> None:
    with GeekAIAdmin(SYSTEM_KEY) as client:
        backends = _backends(client._session.http)
    assert backends
    assert SOCKETS not in {type(b).__module__ for b in backends}
