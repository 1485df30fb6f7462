"""Where a new secret goes: a file, a variable in an env file, or a command's standard input.

A destination is written as `file:PATH`, `env-file:PATH#VAR` or `exec:COMMAND ARGS...`; relative
paths are read from a given folder (a keys file's). Each is used in three steps:

1. `prepare()` before anything is sent: refuses what cannot work (a missing folder, a command not
   found, an invalid variable name, an existing file for a new key) with a `DeliveryError`.
2. `deliver(secret)` once the key exists: returns only when the secret has left the process
   durably (written, flushed and fsynced, then renamed into place; or the command exited 0).
   A `DeliveryError` means surely not delivered: nothing of the secret was left behind.
3. `discard()` when nothing will be delivered: undoes what `prepare` reserved.

A secret never appears in a command's arguments or environment, in a message, or in a repr.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final, Protocol

from geekai_admin._exceptions import GeekAIError

__all__ = [
    "DESTINATION_FORMS",
    "EXEC_TIMEOUT",
    "DeliveryError",
    "Destination",
    "EnvFileDestination",
    "ExecDestination",
    "FileDestination",
    "keep_beside",
    "parse_destination",
]

DESTINATION_FORMS: Final = ("file:PATH", "env-file:PATH#VAR", "exec:COMMAND ARGS...")
EXEC_TIMEOUT: Final = 120.0
"""Seconds an `exec:` command may take before its delivery counts as failed."""

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A secret written between single quotes must read back the same in python-dotenv and in a POSIX shell.
_SHELL_SAFE = re.compile(r"[^'\\\n\r\x00]+")
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class DeliveryError(GeekAIError):
    """A secret could not be delivered (or a destination cannot work); the message names the
    destination and why, never the secret. Raised by `deliver`, it means surely not delivered."""

    def __init__(self, destination: str, problem: str) -> None:
        super().__init__(f"{destination}: {problem}")
        self.destination = destination
        self.problem = problem


class Destination(Protocol):
    """Where one new secret goes; see the module's documentation for the three steps."""

    @property
    def label(self) -> str:
        """How messages name it: its form as written, never a secret."""
        ...

    def prepare(self) -> None: ...

    def deliver(self, secret: str) -> None: ...

    def discard(self) -> None: ...


def parse_destination(text: str, *, folder: Path | None = None, replace: bool = False) -> Destination:
    """A destination from its written form; `replace` lets `file:` replace an existing file (a
    rotated key's own file), where a new key's file must not exist yet. Nothing is touched yet."""
    base = folder if folder is not None else Path.cwd()
    kind, colon, rest = text.partition(":")
    if not colon or not rest.strip():
        raise DeliveryError(_shown(text), f"expected one of {', '.join(DESTINATION_FORMS)}")
    if kind == "file":
        return FileDestination(base / rest, replace=replace)
    if kind == "env-file":
        path, hash_sign, variable = rest.rpartition("#")
        if not hash_sign or not path:
            raise DeliveryError(_shown(text), "expected env-file:PATH#VAR")
        return EnvFileDestination(base / path, variable)
    if kind == "exec":
        try:
            argv = shlex.split(rest)
        except ValueError as error:
            raise DeliveryError(_shown(text), f"cannot split the command: {error}") from None
        if not argv:
            raise DeliveryError(_shown(text), "no command")
        return ExecDestination(argv, folder=base)
    raise DeliveryError(_shown(text), f"unknown kind {kind!r}: expected one of {', '.join(DESTINATION_FORMS)}")


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the new name (where the system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_replacing(path: Path, data: bytes) -> None:
    """Write a 0600 temporary file beside `path`, fsync it, rename it over `path`, fsync the folder.
    Leaves no temporary file behind on failure."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def _check_folder(label: str, path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise DeliveryError(label, f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DeliveryError(label, f"the folder {folder} is not writable")


def _not_a_link(label: str, path: Path) -> None:
    if path.is_symlink():
        raise DeliveryError(label, "is a symbolic link: name the file itself")


class FileDestination:
    """`file:PATH`: the secret and a newline in a file only its owner can read (mode 0600).

    For a new key the file must not exist: `prepare` creates it exclusively, so an existing path is
    refused while nothing exists yet to be lost. With `replace` (a rotated key's own file), the
    secret replaces the file atomically, and the old content stays until the new one is whole.
    """

    def __init__(self, path: Path, *, replace: bool = False) -> None:
        self.path = path
        self.replace = replace
        self._fd: int | None = None

    @property
    def label(self) -> str:
        return f"file:{self.path}"

    def __repr__(self) -> str:
        return f"FileDestination({str(self.path)!r}, replace={self.replace})"

    def prepare(self) -> None:
        if self.replace:
            _check_folder(self.label, self.path)
            _not_a_link(self.label, self.path)
            if self.path.exists() and not self.path.is_file():
                raise DeliveryError(self.label, "is not a regular file")
            return
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            raise DeliveryError(self.label, "already exists (a new key's file is never overwritten)") from None
        except OSError as error:
            raise DeliveryError(self.label, _reason(error)) from None

    def deliver(self, secret: str) -> None:
        data = (secret + "\n").encode()
        if self.replace:
            try:
                _write_replacing(self.path, data)
            except OSError as error:
                raise DeliveryError(self.label, f"cannot write the secret: {_reason(error)}") from None
            return
        fd, self._fd = self._fd, None
        if fd is None:
            raise DeliveryError(self.label, "not prepared, or already used")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # a part of a secret is no secret: leave no half-written file
            raise DeliveryError(self.label, f"cannot write the secret: {_reason(error)}") from None
        _fsync_folder(self.path.parent)

    def discard(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)


class EnvFileDestination:
    """`env-file:PATH#VAR`: sets one variable in a dotenv file and keeps every other line.

    The file is rewritten atomically (a 0600 temporary file, fsync, rename), so it is left 0600
    and never half-written; python-dotenv and a POSIX shell (`set -a; . FILE`) read it back. The
    existing bindings are found with python-dotenv's own parser, so a quoted multi-line value, an
    `export` prefix or a comment is kept as written; every earlier binding of VAR is replaced.
    """

    def __init__(self, path: Path, variable: str) -> None:
        self.path = path
        self.variable = variable

    @property
    def label(self) -> str:
        return f"env-file:{self.path}#{self.variable}"

    def __repr__(self) -> str:
        return f"EnvFileDestination({str(self.path)!r}, {self.variable!r})"

    def prepare(self) -> None:
        if not _VARIABLE.fullmatch(self.variable):
            raise DeliveryError(self.label, f"{self.variable!r} is not a variable name (letters, digits, _)")
        _check_folder(self.label, self.path)
        _not_a_link(self.label, self.path)
        if self.path.exists():
            self._read()  # unreadable or not text: refused now, not after the key exists

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = _reason(error) if isinstance(error, OSError) else "not UTF-8 text"
            raise DeliveryError(self.label, f"cannot read it: {reason}") from None

    def deliver(self, secret: str) -> None:
        if not _SHELL_SAFE.fullmatch(secret):
            raise DeliveryError(self.label, "the secret has a character a dotenv and a shell would read differently")
        text = self._read() if self.path.exists() else ""
        try:
            _write_replacing(self.path, _with_variable(text, self.variable, secret).encode())
        except OSError as error:
            raise DeliveryError(self.label, f"cannot write the secret: {_reason(error)}") from None

    def discard(self) -> None:
        """Nothing is reserved before delivery."""


def _with_variable(text: str, variable: str, value: str) -> str:
    """The dotenv text with VAR bound to value (single-quoted) once, in place of its first binding."""
    from dotenv.parser import parse_stream  # noqa: PLC0415  # lazy: start-up time (env-file: only)

    lines: list[str] = []
    placed = False
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        if binding.key != variable:
            lines.append(original if original.endswith("\n") or not original else original + "\n")
            continue
        if not placed:
            export = "export " if original.lstrip().startswith("export ") else ""
            lines.append(f"{export}{variable}='{value}'\n")
            placed = True
    if not placed:
        lines.append(f"{variable}='{value}'\n")
    return "".join(lines)


class ExecDestination:
    """`exec:COMMAND ARGS...`: runs the command (split like a shell would, but run without one),
    with the secret on its standard input and nowhere else. Exit status 0 means delivered.

    Examples: `exec:gh secret set GEEKAI_API_KEY`, `exec:kubectl create secret generic geekai
    --from-file=key=/dev/stdin`, `exec:vault kv put secret/geekai key=-`. The command's output is
    kept from the terminal (it could echo its input); on failure the last lines of its error
    output are named, with the secret cut out.
    """

    def __init__(self, argv: list[str], *, folder: Path, timeout: float = EXEC_TIMEOUT) -> None:
        self.argv = argv
        self.folder = folder
        self.timeout = timeout

    @property
    def label(self) -> str:
        return f"exec:{shlex.join(self.argv)}"

    def __repr__(self) -> str:
        return f"ExecDestination({self.argv!r})"

    def _program(self) -> str | None:
        name = self.argv[0]
        if os.sep in name:
            candidate = self.folder / name
            return str(candidate) if os.access(candidate, os.X_OK) and candidate.is_file() else None
        return shutil.which(name)

    def prepare(self) -> None:
        if self._program() is None:
            raise DeliveryError(self.label, f"command not found: {self.argv[0]}")
        if not self.folder.is_dir():
            raise DeliveryError(self.label, f"the folder {self.folder} does not exist")

    def deliver(self, secret: str) -> None:
        program = self._program()
        if program is None:
            raise DeliveryError(self.label, f"command not found: {self.argv[0]}")
        try:
            done = subprocess.run(  # noqa: S603 (no shell; the user names the command)
                [program, *self.argv[1:]],
                input=secret.encode(),
                capture_output=True,
                cwd=self.folder,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DeliveryError(self.label, f"did not finish within {self.timeout:g} s") from None
        except OSError as error:
            raise DeliveryError(self.label, f"could not run: {_reason(error)}") from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").replace(secret, "<secret>").strip().splitlines()[-3:]
            tail = f": {' / '.join(said)}" if said else ""
            raise DeliveryError(self.label, f"exited with status {done.returncode}{tail}")

    def discard(self) -> None:
        """Nothing is reserved before delivery."""


def keep_beside(destination: Destination, text: str) -> Path:
    """Keep `text`, which may hold a secret that could not be delivered (a create's unreadable
    answer, a secret whose key could not be deleted), in a new file in the destination's folder
    (an `exec:` command's working folder): mode 0600, written whole then renamed into place, so it
    never shows half-written; a new name. Returns its path; DeliveryError if it cannot.

    That folder, because the destination was prepared there (so it exists, and a file one is
    writable) and its owner chose it for a secret already; the name says what the file is."""
    label = destination.label
    if isinstance(destination, ExecDestination):
        folder = destination.folder
    elif isinstance(destination, FileDestination | EnvFileDestination):
        folder = destination.path.parent
    else:
        folder = Path.cwd()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".geekai-admin-unsaved.", suffix=".tmp")
        unique = Path(temporary).name.removeprefix(".geekai-admin-unsaved.").removesuffix(".tmp")
        final = folder / f"geekai-admin-unsaved-secret-{stamp}-{unique}.txt"
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, final)  # the name is new: mkstemp's random part is in it
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise DeliveryError(label, f"cannot keep it in {folder}: {_reason(error)}") from None
    _fsync_folder(folder)
    return final
