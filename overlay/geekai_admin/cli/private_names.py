"""The library's private names the command still uses, each imported here and nowhere else.

The command otherwise uses only `geekai_admin`'s public names. Until the library exports these,
this module is the one place that reaches past them, so that exporting one means changing one line.
"""

from __future__ import annotations

from geekai_admin._config import SystemKey, resolve_key
from geekai_admin._inputs import check_name, check_uuid
from geekai_admin._models import plain_decimal
from geekai_admin._operations import Changes
from geekai_admin._responses import RAW_BODY_HINT
from geekai_admin._rotation import surely_not_created

__all__ = [
    "RAW_BODY_HINT",
    "Changes",
    "SystemKey",
    "check_name",
    "check_uuid",
    "plain_decimal",
    "resolve_key",
    "surely_not_created",
]
