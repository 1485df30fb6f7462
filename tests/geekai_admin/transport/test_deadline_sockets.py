"""The sync client's socket waits under a deadline: an httpcore backend, on every pool of a client
with a deadline (that importing the client does not load it: tests/geekai_admin/test_import_cost.py).

What the waits do is shown over real sockets in tests/reliability/test_deadline.py.
"""

from __future__ import annotations

import httpcore
import httpx

from geekai_admin import GeekAIAdmin
from tests.geekai_admin.test_import_cost import SOCKETS
from tests.support.fake_api import SYSTEM_KEY


def _backends(http: httpx.Client) -> list[httpcore.NetworkBackend]:
    """The network backend of each httpcore pool of the client (its transport and mounts), read
    through the private attributes the deadline relies on: a change in httpx fails here first."""
    transports = [http._transport, *(t for t in http._mounts.values() if t is not None)]
    return [t._pool._network_backend for t in transports if isinstance(t, httpx.HTTPTransport)]


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
