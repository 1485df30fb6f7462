"""`--secret-file PATH`: a new key's secret, written to a file only its owner can read.

The file is created (exclusively, mode 0600) before anything is sent, so that an existing path,
a missing folder or a read-only one is refused while nothing exists yet to be lost; the secret
is written into it once the server has answered.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from geekai_admin import APIResponseValidationError, CreatedKey
from geekai_admin.cli.errors import UsageError
from geekai_admin.cli.output.text import key_text, printable

__all__ = ["SecretFile", "SecretFileError", "raw_answer_error", "reserve", "stored_json", "stored_text"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class SecretFileError(Exception):
    """The secret file could not be created or written; the message names the path and why."""


def _reason(error: OSError) -> str:
    if isinstance(error, FileExistsError):
        return "it already exists (it is never overwritten: name a new file)"
    return error.strerror or type(error).__name__


class SecretFile:
    """A file reserved for one secret: created now, written once by `write`, or removed by `discard`."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._fd: int | None = os.open(path, _FLAGS, 0o600)
        except OSError as exc:
            raise SecretFileError(f"--secret-file {path}: {_reason(exc)}") from None

    def write(self, secret: str) -> None:
        """Write the secret and a newline, flush it to disk, close the file."""
        fd = self._fd
        if fd is None:
            raise SecretFileError(f"--secret-file {self.path}: already written or discarded")
        self._fd = None
        data = (secret + "\n").encode()
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # a part of a secret is no secret: leave no half-written file
            raise SecretFileError(f"--secret-file {self.path}: cannot write the secret: {_reason(exc)}") from None

    def discard(self) -> None:
        """Nothing was written (the request failed): close and remove the empty file."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def reserve(path: str | None, command: str) -> SecretFile | None:
    """The --secret-file, created now, before anything is sent; a path that cannot be is exit 2."""
    if path is None:
        return None
    try:
        return SecretFile(path)
    except SecretFileError as exc:
        raise UsageError(f"{command}: {exc} (nothing was sent)") from None


def stored_json(key: CreatedKey, path: str) -> dict[str, Any]:
    """KEY plus `secret_file`: the secret itself is in the file, and nowhere else."""
    return {**key.to_dict(), "secret_file": path}


def stored_text(key: CreatedKey, path: str) -> str:
    return (
        f"Created key {printable(key.uuid)}\n\n{key_text(key)}\n\n"
        f"Secret written to {printable(path)} (readable by you only); it is shown nowhere else."
    )


def raw_answer_error(
    error: APIResponseValidationError, secret_file: SecretFile | None, state: str = ""
) -> APIResponseValidationError:
    """A create whose answer could not be read: the key may exist, and that raw answer may hold the
    only copy of its secret. Hand the answer over (to the secret file, else stdout); say where.
    """
    body = error.body.strip()
    where = "on stdout"
    if secret_file is not None:
        try:
            secret_file.write(body)
            where = f"in {secret_file.path}"
        except SecretFileError:
            secret_file = None
    if secret_file is None:
        sys.stdout.write(printable(body) + "\n")
    also = f"; {state}" if state else ""
    return APIResponseValidationError(
        f"{error.problem}; the server's raw answer is {where} (it may hold "
        f"the new secret: store it){also}; check with 'geekai-admin keys list' whether the key was created",
        response=error.response,
    )
