"""The one place secrets are taken out of what a live run shows: the report, stdout and stderr.

The system key and every created key's secret are registered here (a create's `raw_value` is
learned from the response body itself, so a create whose answer the client could not read is
covered too); any `Authorization` header value or bearer token written out is masked as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from geekai_admin_api.types import SECRET_FIELDS  # the fields of a response body that hold a full key

__all__ = ["SECRET_FIELDS", "Scrubber"]

_MASK = "<hidden>"
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',;]+")
_AUTHORIZATION = re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?)[^\"'\r\n,}]+")


class Scrubber:
    def __init__(self, *secrets: str) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def learn(self, body: Any) -> None:
        """Register every secret field's value found anywhere in a decoded JSON body."""
        if isinstance(body, Mapping):
            for name, value in body.items():
                if name in SECRET_FIELDS and isinstance(value, str):
                    self.add(value)
                else:
                    self.learn(value)
        elif isinstance(body, list):
            for item in body:
                self.learn(item)

    def text(self, text: str) -> str:
        # Longest first: a secret that contains another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, _MASK)
        text = _AUTHORIZATION.sub(lambda match: match.group(1) + _MASK, text)
        return _BEARER.sub("Bearer " + _MASK, text)

    def data(self, value: Any) -> Any:
        """A copy of JSON-ready data with every string (keys too) scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value
