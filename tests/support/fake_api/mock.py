"""The fake API in process: an `httpx.MockTransport` (sync and async clients alike).

Wire faults become what httpx raises for them: a reset is `ReadError`, a close without an
answer or a body shorter than its Content-Length is `RemoteProtocolError`, a held answer is
`ReadTimeout` (raised at once: nothing waits), and so is a trickled one. `Reply("raise")` raises its own error.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

from tests.support.fake_api.wire import large_body_parts

if TYPE_CHECKING:
    from tests.support.fake_api.api import FakeAPI

__all__ = ["answer", "mock_transport"]


def answer(fake: FakeAPI, request: httpx.Request) -> httpx.Response:
    """The fake's answer to one httpx request (the function a MockTransport calls)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    target = request.url.raw_path.decode("ascii")
    plan = fake.handle(request.method, target, headers, request.read(), url=str(request.url))
    action = plan.reply.action
    if action == "raise" and plan.reply.error is not None:
        raise plan.reply.error
    if action in ("reset_before", "reset_after"):
        raise httpx.ReadError("[Errno 104] Connection reset by peer (fake API)", request=request)
    if action in ("drop", "truncate_length"):
        raise httpx.RemoteProtocolError("peer closed connection (fake API)", request=request)
    if action in ("slow", "trickle", "trickle_head"):
        raise httpx.ReadTimeout(f"timed out (fake API: a {action} answer)", request=request)
    if plan.delay:
        time.sleep(plan.delay)
    body = plan.body
    if action == "truncate_close":
        body = body[: len(body) // 2]
    elif action in ("large_length", "large_chunked"):
        body = b"".join(large_body_parts())
    return httpx.Response(plan.status, headers=list(plan.headers), content=body)


def mock_transport(fake: FakeAPI) -> httpx.MockTransport:
    """An `httpx.MockTransport` answering from `fake`; pass it as `transport=` to either client."""
    return httpx.MockTransport(lambda request: answer(fake, request))
