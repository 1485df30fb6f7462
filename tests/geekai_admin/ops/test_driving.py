"""Each key operation takes either client, and nothing else, before anything is sent."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from geekai_admin import AsyncGeekAIAdmin, InvalidInputError, ops
from tests.support.fake_api import EXAMPLE_UUID, SYSTEM_KEY

OPERATIONS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("rotate", (EXAMPLE_UUID,), {}),
    ("delete_many", ([EXAMPLE_UUID],), {}),
    ("update_many", ([EXAMPLE_UUID],), {"group": "ha"}),
    ("report", (), {}),
    ("check", (), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_anything_but_a_client_is_refused(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError, match="client: expected a GeekAIAdmin or AsyncGeekAIAdmin, got str"):
        getattr(ops, name)("https://geekai.co/api", *args, **kwargs)


@pytest.mark.parametrize(("name", "args", "kwargs"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_with_the_async_client_an_operation_is_a_coroutine(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    client = AsyncGeekAIAdmin(SYSTEM_KEY, base_url="https://geekai.co/api")
    pending = getattr(ops, name)(client, *args, **kwargs)
    assert inspect.iscoroutine(pending)
    pending.close()  # never awaited: nothing was sent
    asyncio.run(client.close())
