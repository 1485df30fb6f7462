"""The names and choices both the client and the command need: standard library only.

The command builds its parser from these before anything else loads, so `geekai-admin --help`
never imports httpx or the generated package (a test pins that).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, Literal, get_args

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_REGION",
    "KEY_ENV",
    "REGIONS",
    "REGION_ENV",
    "SORT_ORDERS",
    "Group",
    "Region",
    "SortOrder",
]

KEY_ENV: Final = "GEEKAI_SYSTEM_KEY"
REGION_ENV: Final = "GEEKAI_REGION"
BASE_URL_ENV: Final = "GEEKAI_BASE_URL"

Region = Literal["cn", "global"]
"""An API entry point: "cn" (geekai.co, mainland China) or "global" (geekai.dev)."""
DEFAULT_REGION: Final[Region] = "cn"
REGIONS: Final[Mapping[str, str]] = {
    "cn": "https://geekai.co/api",  # mainland China entry (国内调用入口)
    "global": "https://geekai.dev/api",  # overseas entry (海外调用入口)
}


class Group(StrEnum):
    """The proxy strategy group of a key. Members equal their plain strings."""

    LOWCOST = "lowcost"
    """Lowest price first (低价优先)."""
    BALANCE = "balance"
    """Balanced (均衡); the API's default."""
    HA = "ha"
    """High availability (高可用)."""
    NONE = "none"
    """No proxy (不使用代理)."""


SortOrder = Literal["name", "created", "last-used", "credit-used", "expires"]
"""The orders `sort_keys` knows (ascending; keys without the value last): the command's `keys list --sort`."""
SORT_ORDERS: Final[tuple[SortOrder, ...]] = get_args(SortOrder)
