"""The commands, one module per group, each imported only when one of its commands runs.

The parser (`geekai_admin.cli.parser`) names the command of a run; `handler()` finds the function
that runs it here, as pip's `commands/__init__.py` does, so that `geekai-admin --help` and usage
errors never load the client, httpx or the generated package. A handler takes the `Session` and
returns what it produced: an `Output` (document, text) or a `Produced`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from geekai_admin.cli.output.formats import Output, Produced
    from geekai_admin.cli.session import Session

    Handler = Callable[[Session], Output | Produced]

__all__ = ["COMMANDS", "handler"]

COMMANDS: dict[str, tuple[str, str]] = {
    "balance": ("balance", "balance"),
    "keys list": ("bulk", "listing"),
    "keys get": ("keys", "get"),
    "keys create": ("keys", "create"),
    "keys update": ("keys", "update"),
    "keys delete": ("keys", "delete"),
    "keys rotate": ("rotate", "rotate"),
    "report": ("report", "report"),
    "check": ("report", "check"),
    "completion": ("completion", "completion"),
    "plan": ("keys_as_code", "plan"),
    "apply": ("keys_as_code", "apply"),
    "export": ("keys_as_code", "export"),
}
"""Each command: the module in this package that runs it, and the function there."""


def handler(command: str) -> Handler:
    """The function that runs `command`, its module imported now."""
    module, function = COMMANDS[command]
    return cast("Handler", getattr(importlib.import_module(f"{__name__}.{module}"), function))
