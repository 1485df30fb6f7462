"""`Call`: one HTTP exchange as data, what the clients hand the transport to execute."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import httpx

__all__ = ["Call"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One HTTP exchange: its request and the mapping of a 2xx answer (the retry rules: `_retry`)."""

    name: str
    method: str
    path: str
    json: Any
    parse: Callable[[httpx.Response, str], T]
    """Reads a 2xx answer; its second argument labels the messages of what does not fit ("" for the
    whole answer: an error names its operation once, and the caller or the command does that)."""
