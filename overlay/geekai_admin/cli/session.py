"""One run of a command: its parsed arguments, and the client, built from them on first use."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from geekai_admin import KEY_ENV, GeekAIAdmin
from geekai_admin.cli.errors import UsageError

if TYPE_CHECKING:
    import httpx

__all__ = ["Session"]


class Session:
    """One run of the command: its arguments, and the client, built on first use."""

    def __init__(self, args: argparse.Namespace, transport: httpx.BaseTransport | None) -> None:
        self.args = args
        self.transport = transport
        self._client: GeekAIAdmin | None = None

    def redact(self, text: str) -> str:
        return text if self._client is None else self._client.redact(text)

    @property
    def base_url(self) -> str | None:
        """The API root the client sends to; None before a client was built."""
        return None if self._client is None else self._client.base_url

    def _system_key(self) -> str:
        path = self.args.system_key_file
        if path is None:
            value = os.environ.get(KEY_ENV, "")
            if not value.strip():
                raise UsageError(
                    f"no system key: set {KEY_ENV} or pass --system-key-file PATH "
                    "(a system key from geekai.co/user/provision_keys, not an ordinary API key)"
                )
            return value
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise UsageError(f"cannot read --system-key-file {path}: {reason}") from None
        value = text.removesuffix("\n").removesuffix("\r")
        if not value.strip():
            raise UsageError(f"--system-key-file {path} is empty")
        return value

    def client(self) -> GeekAIAdmin:
        if self._client is None:
            args = self.args
            extra: dict[str, Any] = {} if args.timeout is None else {"timeout": args.timeout}
            self._client = GeekAIAdmin(
                self._system_key(),
                region=args.region,
                base_url=args.base_url,
                deadline=args.deadline,
                transport=self.transport,
                **extra,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
