"""What the contract tests share: the spec's operations, and the values Prism answers with."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from geekai_admin import AsyncGeekAIAdmin, GeekAIAdmin, RetryPolicy
from tests.contract.prism_watch import PrismWatch
from tests.support.fake_api import EXAMPLE_SECRET, EXAMPLE_UUID, SYSTEM_KEY
from tests.support.openapi_validation import spec_validator

UUID = EXAMPLE_UUID
"""The example uuid of the patched spec: what Prism answers with."""
SECRET = EXAMPLE_SECRET
"""The example secret of the patched spec: what Prism's create answers with."""
NO_RETRY = RetryPolicy(max_retries=0)
MODES = ["sync", "async"]


def spec_operation_ids() -> set[str]:
    """The operationIds of the patched spec: every contract table must cover exactly these."""
    document = spec_validator().document
    return {
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    }


def run_overlay(
    mode: str,
    base_url: str,
    watch: PrismWatch,
    operation: Callable[[Any], Any],
    **settings: Any,
) -> Any:
    """Run `operation(client)` through GeekAIAdmin or AsyncGeekAIAdmin on the watched transport."""
    settings.setdefault("retry_policy", NO_RETRY)
    if mode == "sync":
        with GeekAIAdmin(SYSTEM_KEY, base_url=base_url, transport=watch.transport(), **settings) as client:
            return operation(client)

    async def run() -> Any:
        async with AsyncGeekAIAdmin(
            SYSTEM_KEY, base_url=base_url, transport=watch.async_transport(), **settings
        ) as client:
            result = operation(client)
            return await result if inspect.isawaitable(result) else result

    return asyncio.run(run())
