"""Running a key operation on either client: a flow's steps are calls of the client's public methods.

A step is a function of the client; with GeekAIAdmin it returns the result, with AsyncGeekAIAdmin an
awaitable, which `_flow.run_async` awaits. One flow, then, serves both clients.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeAlias, TypeVar

from geekai_admin._client import AsyncGeekAIAdmin, GeekAIAdmin
from geekai_admin._exceptions import InvalidInputError
from geekai_admin._flow import run_async, run_sync

__all__ = ["Client", "ClientStep", "balance", "drive", "listing", "sync_client"]

R = TypeVar("R")
Client: TypeAlias = GeekAIAdmin | AsyncGeekAIAdmin
ClientStep: TypeAlias = Callable[[Any], object]
"""A step of a flow: called with the client, it calls one of the client's public methods."""


def sync_client(client: object) -> GeekAIAdmin:
    """`client` when it is a GeekAIAdmin; InvalidInputError for anything but the two clients."""
    if isinstance(client, GeekAIAdmin):
        return client
    raise InvalidInputError("client", f"expected a GeekAIAdmin or AsyncGeekAIAdmin, got {type(client).__name__}")


def drive(client: Client, flow: Generator[ClientStep, Any, R]) -> R | Coroutine[Any, Any, R]:
    """The flow's result with the sync client; with the async one, a coroutine that returns it."""

    def perform(step: ClientStep) -> object:
        return step(client)

    if isinstance(client, AsyncGeekAIAdmin):
        return run_async(flow, perform)
    sync_client(client)
    return run_sync(flow, perform)


def balance(client: Client) -> object:
    return client.balance()


def listing(client: Client) -> object:
    return client.keys.list()
