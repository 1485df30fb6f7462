"""Where a new secret goes: a file, a variable in an env file, or a command's standard input.

A destination is written as `file:PATH`, `env-file:PATH#VAR` or `exec:COMMAND ARGS...`; relative
paths are read from a given folder (a keys file's). Each is used in three steps:

1. `prepare()` before anything is sent: refuses what cannot work (a missing folder, a command not
   found, an invalid variable name, an existing file for a new key) with a `DeliveryError`.
2. `deliver(secret)` once the key exists: returns only when the secret has left the process
   durably (written, flushed and fsynced, then renamed into place; or the command exited 0).
   A `DeliveryError` means surely not delivered: nothing of the secret was left behind. A
   `DeliveryUncertain` means it may or may not have been (a command stopped before it exited).
3. `discard()` when nothing will be delivered: undoes what `prepare` reserved.

A secret never appears in a command's arguments or environment, in a message, or in a repr.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import errno
import io
import os
import re
import secrets
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Protocol

from geekai_admin._exceptions import GeekAIError
from geekai_admin.ops import _bounded

__all__ = [
    "DESTINATION_FORMS",
    "EXEC_TIMEOUT",
    "STOP_WAIT_SECONDS",
    "DeliveryCommands",
    "DeliveryError",
    "DeliveryUncertain",
    "Destination",
    "EnvFileDestination",
    "ExecDestination",
    "FileDestination",
    "keep_beside",
    "parse_destination",
    "stop_deliveries",
]

DESTINATION_FORMS: Final = ("file:PATH", "env-file:PATH#VAR", "exec:COMMAND ARGS...")
EXEC_TIMEOUT: Final = 120.0
"""Seconds an `exec:` command may take before it is stopped (its delivery then uncertain)."""
STOP_WAIT_SECONDS: Final = 1.0
"""Seconds a stopped `exec:` command gets between SIGTERM and SIGKILL."""

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A secret written between single quotes must read back the same in python-dotenv and in a POSIX shell.
_SHELL_SAFE = re.compile(r"[^'\\\n\r\x00]+")
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class _DestinationProblem(GeekAIError):
    """What went wrong with a destination: `destination` (its form, never a secret) and `problem`."""

    def __init__(self, destination: str, problem: str) -> None:
        super().__init__(f"{destination}: {problem}")
        self.destination = destination
        self.problem = problem


class DeliveryError(_DestinationProblem):
    """A secret could not be delivered (or a destination cannot work); the message names the
    destination and why, never the secret. Raised by `deliver`, it means surely not delivered.

    `interrupt`: the KeyboardInterrupt (Ctrl-C, or a subclass such as the command's SIGTERM) that
    came while an `exec:` command ran, when the command then failed on its own; else None. The
    delivery surely failed, and the caller was interrupted too: `ops.create` and `ops.rotate` undo
    the new key, then re-raise the interrupt from their HandOverError; a command-line tool exits as
    interrupted (130, 143, ...), saying the failure."""

    def __init__(self, destination: str, problem: str, *, interrupt: KeyboardInterrupt | None = None) -> None:
        super().__init__(destination, problem)
        self.interrupt: KeyboardInterrupt | None = interrupt


class DeliveryUncertain(_DestinationProblem):
    """A delivery whose outcome is unknown: the command was stopped (after a timeout or an interrupt,
    or by a signal) before it exited, so the secret may or may not have reached it. The hand-over
    rule keeps the new key (its secret may be in use) and names it."""


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


def _write_replacing(path: Path, data: bytes, *, like: os.stat_result | None = None) -> None:
    """Write a 0600 temporary file beside `path` (with `like`'s owner, group and mode, see
    `_take_owner_and_mode`), fsync it, rename it over `path`, fsync the folder. Leaves no temporary
    file behind on failure."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if like is not None:
            _take_owner_and_mode(fd, like)
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


_KEPT_MODE: Final = 0o660
"""The permissions a replaced file (`file:`) or a rewritten env file keeps: its owner's and its
group's read and write, never others' (a secret is never left readable by everyone) nor anyone's
execute."""


def _take_owner_and_mode(fd: int, like: os.stat_result) -> None:
    """The new file (open as `fd`) gets the owner and group of the file it replaces, and its mode
    within _KEPT_MODE: a service that read the old file as its group still reads the new one.
    _OwnerRefused when this process may not give it that owner or group (not root, and not the
    owner, or not in the group)."""
    try:
        os.fchown(fd, like.st_uid, like.st_gid)
    except PermissionError as error:
        raise _OwnerRefused(error.errno, _owner_not_kept(like)) from None
    os.fchmod(fd, stat.S_IMODE(like.st_mode) & _KEPT_MODE)


class _OwnerRefused(PermissionError):
    """The system refused a new file the owner or group of the file it is to replace (`strerror` says so)."""


def _owner_not_kept(like: os.stat_result) -> str:
    return (
        f"it belongs to uid {like.st_uid}, gid {like.st_gid}, and this process may not give the rewritten file that "
        "owner and group: run as its owner (or root), or change the file's owner"
    )


def _try_owner(label: str, path: Path) -> None:
    """Refuses, before anything exists, an existing file whose owner and group this process may not
    give the file that replaces it: a trial file beside it is given them, then removed."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        _take_owner_and_mode(fd, os.stat(path))
    except _OwnerRefused as refused:
        raise DeliveryError(label, _reason(refused)) from None
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _replace_keeping_owner(label: str, path: Path, data: bytes, like: os.stat_result | None) -> None:
    """`data` replaces the file at `path` (whose status was `like`; None: there was none, so a new
    0600 file) with its owner, group and mode kept; DeliveryError (surely not delivered) if not."""
    try:
        _write_replacing(path, data, like=like)
    except OSError as error:  # _OwnerRefused too: its owner changed since prepare
        raise DeliveryError(label, f"cannot write the secret: {_reason(error)}") from None


def _status(label: str, path: Path) -> os.stat_result | None:
    """The status of the file a delivery replaces, or None when there is none."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DeliveryError(label, f"cannot write the secret: {_reason(error)}") from None


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
    """`file:PATH`: the secret and a newline in a file.

    For a new key the file must not exist: `prepare` creates it exclusively (mode 0600, only its
    owner reads it), so an existing path is refused while nothing exists yet to be lost. With
    `replace` (a rotated key's own file), the secret replaces the file atomically, and the old
    content stays until the new one is whole; an existing file keeps its owner, group and mode
    (less any permission for others, see _KEPT_MODE), so a service that read the old secret reads
    the new one, and `prepare` refuses one whose owner or group this process may not give a new
    file. A file that did not exist is made 0600. Hard links to the file are not kept.
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
            if self.path.exists():
                if not self.path.is_file():
                    raise DeliveryError(self.label, "is not a regular file")
                _try_owner(self.label, self.path)
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
            _replace_keeping_owner(self.label, self.path, data, _status(self.label, self.path))
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

    The file is rewritten atomically (a temporary file, fsync, rename), so it is never
    half-written; python-dotenv, docker compose's env_file and a POSIX shell (`set -a; . FILE`) read
    it back. The existing bindings are found with python-dotenv's own parser, and every byte but
    VAR's binding is kept (see `_with_variable`), line endings and a UTF-8 byte order mark included.
    An existing file keeps its owner, group and mode (less any permission for others, see
    _KEPT_MODE); `prepare` refuses one whose owner or group this process may not give a new file.
    A new file is 0600. Hard links to the file are not kept: it is a new file.
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
            _try_owner(self.label, self.path)

    def _read(self) -> str:
        try:
            return self.path.read_bytes().decode("utf-8")  # as is: no newline translation
        except (OSError, UnicodeDecodeError) as error:
            reason = _reason(error) if isinstance(error, OSError) else "not UTF-8 text"
            raise DeliveryError(self.label, f"cannot read it: {reason}") from None

    def deliver(self, secret: str) -> None:
        if not _SHELL_SAFE.fullmatch(secret):
            raise DeliveryError(self.label, "the secret has a character a dotenv and a shell would read differently")
        like = _status(self.label, self.path)
        text = self._read() if like is not None else ""
        mark = _BOM if text.startswith(_BOM) else ""  # python-dotenv would read it as part of the first name
        data = (mark + _with_variable(text.removeprefix(mark), self.variable, secret)).encode()
        _replace_keeping_owner(self.label, self.path, data, like)

    def discard(self) -> None:
        """Nothing is reserved before delivery."""


_BOM: Final = "\ufeff"


_LEAD = re.compile(r"\s*(?:export[^\S\r\n]+)?")  # blank lines, indent and `export ` before a binding's key
_BLANK_LINES = re.compile(r"(?:[^\S\r\n]*(?:\r\n|\n|\r))*")
_LINE_END = re.compile(r"\r\n|\n|\r")
_FINAL_LINE_END = re.compile(r"(?:\r\n|\n|\r)\Z")


def _start(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.match(text)
    return found.group() if found else ""


def _with_variable(text: str, variable: str, value: str) -> str:
    """The dotenv text with VAR bound to value (single-quoted) once, in place of its first binding.

    Every other byte stays: other bindings as written (quoting, inline comments, multi-line values),
    comments, blank lines, the binding's own indent and `export ` prefix, each line's ending (LF,
    CRLF or CR) and a missing final newline. A later binding of VAR goes (its blank lines before it
    stay); a new binding is added last, ended as the file's first line is."""
    from dotenv.parser import parse_stream  # noqa: PLC0415  # lazy: start-up time (env-file: only)

    first_end = _LINE_END.search(text)
    newline = first_end.group() if first_end else "\n"
    binding_line = f"{variable}='{value}'"
    parts: list[str] = []
    placed = False
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        if binding.key != variable:
            parts.append(original)
            continue
        if placed:
            parts.append(_start(_BLANK_LINES, original))
            continue
        ending = _FINAL_LINE_END.search(original)
        parts.append(_start(_LEAD, original) + binding_line + (ending.group() if ending else ""))
        placed = True
    if placed:
        return "".join(parts)
    body = "".join(parts)
    if body and not body.endswith(("\n", "\r")):
        return body + newline + binding_line  # the file had no final newline: nor has it now
    return body + binding_line + newline


class ExecDestination:
    """`exec:COMMAND ARGS...`: runs the command (split like a shell would, but run without one),
    with the secret on its standard input and nowhere else. Exit status 0 means delivered.

    Examples: `exec:gh secret set GEEKAI_API_KEY`, `exec:kubectl create secret generic geekai
    --from-file=key=/dev/stdin`, `exec:vault kv put secret/geekai key=-`. The command's output is
    discarded, never shown nor quoted in a message: it could echo its input in any form. It runs in
    its own process group (a Ctrl-C at the terminal reaches this process, which decides), and is
    never left running: an interrupt in the calling thread gives it INTERRUPT_GRACE_SECONDS to end,
    then stops it with whatever it started (SIGTERM to its process group, SIGKILL after
    STOP_WAIT_SECONDS to what is left); `stop_deliveries()` does the same for
    commands run by other threads, and an `ops.apply` run that gives up stops its own (and starts
    none after). A command that exits non-zero surely failed (DeliveryError, with the interrupt on
    it if one came meanwhile); one stopped before it exited may or may not have delivered
    (DeliveryUncertain, or the interrupt re-raised with a note saying so). `exited` is the last
    run's exit status (None before).
    """

    def __init__(self, argv: list[str], *, folder: Path, timeout: float = EXEC_TIMEOUT) -> None:
        self.argv = argv
        self.folder = folder
        self.timeout = timeout
        self.exited: int | None = None

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
        self.exited = None
        program = self._program()
        if program is None:
            raise DeliveryError(self.label, f"command not found: {self.argv[0]}")
        commands = _CURRENT.get() or _PROCESS
        try:
            child = commands.start([program, *self.argv[1:]], cwd=self.folder, label=self.label)
        except OSError as error:
            raise DeliveryError(self.label, f"could not run: {_reason(error)}") from None
        try:
            self.exited = status = self._outcome(child, secret)
        finally:
            commands.ended(child)
        if status > 0:
            raise DeliveryError(self.label, f"exited with status {status}{_OUTPUT_NOT_SHOWN}")
        if status < 0:
            raise DeliveryUncertain(self.label, f"{_ended_by(-status)}: the secret may or may not have reached it")

    def _outcome(self, child: subprocess.Popen[bytes], secret: str) -> int:
        """The command's exit status (negative: the signal that ended it). An interrupt in this thread
        waits out the grace: the interrupt is re-raised, with a note, unless the command failed (then
        DeliveryError carries it)."""
        try:
            _feed(child, secret)
            return child.wait(self.timeout)
        except subprocess.TimeoutExpired:
            _stop([child])
            raise DeliveryUncertain(
                self.label, f"did not finish within {self.timeout:g} s, so it was stopped: {_MAY_OR_MAY_NOT}"
            ) from None
        except KeyboardInterrupt as interrupt:
            grace = _bounded.INTERRUPT_GRACE_SECONDS
            status = _waited(child, grace)
            if status is None:
                _stop([child])
                interrupt.add_note(
                    f"{self.label}: still running {grace:g} s after the interrupt, so it was stopped: {_MAY_OR_MAY_NOT}"
                )
                raise
            self.exited = status
            if status == 0:
                interrupt.add_note(f"{self.label}: exited 0 after the interrupt: the secret was delivered")
                raise
            if status < 0:
                interrupt.add_note(f"{self.label}: {_ended_by(-status)}, after the interrupt: {_MAY_OR_MAY_NOT}")
                raise
            # It exited on its own, failing: surely not delivered, so the hand-over undoes the new key;
            # the interrupt rides along, for the caller to go on with once that is done.
            raise DeliveryError(
                self.label, f"exited with status {status} after the interrupt{_OUTPUT_NOT_SHOWN}", interrupt=interrupt
            ) from None

    def discard(self) -> None:
        """Nothing is reserved before delivery."""


def keep_beside(destination: Destination | None, text: str) -> Path:
    """Keep `text`, which may hold a secret that could not be delivered (a create's unreadable
    answer, a secret whose key could not be deleted), in a new file in the destination's folder
    (an `exec:` command's working folder; with no destination, as for a secret meant for stdout,
    the current folder), or, when that folder will not take it (not writable, as
    an `exec:` command's may well be, gone, full), in a private folder of this user's (`_private_folder`). The
    file: mode 0600, written whole to a temporary file, then linked to a new name no one could
    guess or take first (another taken is never replaced: a new one is drawn), so it never shows
    half-written. Returns its path; DeliveryError (naming both folders) if neither takes it.

    That folder first, because the destination was prepared there and its owner chose it for a
    secret already; the name says what the file is."""
    label = "no destination" if destination is None else destination.label
    folder: Path | str = "the current folder"
    try:
        if isinstance(destination, ExecDestination):
            folder = destination.folder
        elif isinstance(destination, FileDestination | EnvFileDestination):
            folder = destination.path.parent
        else:
            folder = Path.cwd()  # FileNotFoundError when it was removed while the command ran
        return _keep_in(folder, text)
    except OSError as error:
        beside = f"cannot keep it in {folder} ({_reason(error)})"
    private = _private_folder()
    try:
        _make_private(private)
        return _keep_in(private, text)
    except OSError as error:
        raise DeliveryError(label, f"{beside}, nor in {private} ({_reason(error)})") from None


_NAME_DRAWS: Final = 16  # another process may take a name first; 16 random names all taken is an attack


def _keep_in(folder: Path, text: str) -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".geekai-admin-unsaved.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        for _ in range(_NAME_DRAWS):
            # A name unrelated to the temporary one, linked (never renamed: a rename would replace a
            # name someone else made first, or fail on it in a sticky folder such as /tmp).
            final = folder / f"geekai-admin-unsaved-secret-{stamp}-{secrets.token_hex(8)}.txt"
            try:
                os.link(temporary, final)
            except FileExistsError:
                continue
            break
        else:
            raise FileExistsError(errno.EEXIST, f"{_NAME_DRAWS} new names were all taken")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    _fsync_folder(folder)
    return final


def _private_folder() -> Path:
    """Where `keep_beside` keeps what the destination's folder would not take:
    $XDG_STATE_HOME/geekai-admin (an absolute XDG_STATE_HOME), else ~/.local/state/geekai-admin."""
    state = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state):  # the XDG base directory spec: a relative path is ignored
        state = os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "geekai-admin"


def _make_private(folder: Path) -> None:
    """The folder exists, is this user's own and only theirs (0700; missing parents made 0700 too,
    as the XDG spec asks); else OSError."""
    if not folder.is_absolute():  # no home folder to be found
        raise FileNotFoundError(errno.ENOENT, "no home folder")
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    for parent in reversed(missing):
        with contextlib.suppress(FileExistsError):
            parent.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise PermissionError(errno.EPERM, "not a folder of this user's own")
    if stat.S_IMODE(info.st_mode) & 0o077:
        folder.chmod(0o700)


_MAY_OR_MAY_NOT: Final = "the secret may or may not have reached it"
_OUTPUT_NOT_SHOWN: Final = " (its output was discarded, as it could echo the secret: run it by hand to see why)"


def _ended_by(signum: int) -> str:
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"was ended by {name} before it exited"


def _feed(child: subprocess.Popen[bytes], secret: str) -> None:
    """The secret on the command's standard input, then end of input (a command that exits without
    reading it is judged by its exit status)."""
    stdin = child.stdin
    if stdin is None:
        return
    with contextlib.suppress(BrokenPipeError):
        stdin.write(secret.encode())
    with contextlib.suppress(BrokenPipeError):
        stdin.close()


def _waited(child: subprocess.Popen[bytes], grace: float) -> int | None:
    """The exit status if the command ends within `grace` seconds; a further interrupt stops the wait."""
    try:
        return child.wait(grace)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        return child.poll()


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each command's process group (the command and whatever it started: it leads one),
    up to STOP_WAIT_SECONDS for the groups to empty, then SIGKILL to what is left; each command
    reaped. A further interrupt skips to SIGKILL."""
    try:
        for child in children:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.0, deadline - time.monotonic()))
        while any(_group_left(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.01)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """`signum` to the process group the command leads (started with process_group=0: its id is the
    command's pid, never reused while a member is left); a group already gone is no error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _group_left(child: subprocess.Popen[bytes]) -> bool:
    """Some process of the command's group is left (a zombie counts until its parent reaps it)."""
    try:
        os.killpg(child.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_LOCK: Final = threading.Lock()
_EVERY: Final[set[subprocess.Popen[bytes]]] = set()  # in every DeliveryCommands: what stop_deliveries() stops


class DeliveryCommands:
    """The `exec:` delivery commands of one run (an `ops.apply`), in every thread it delivers from:
    `close()` stops those still running and refuses to start any more, so that none outlives the
    run that gave up (its worker threads do not keep the process alive), and another run's commands
    are left alone. A delivery uses the DeliveryCommands made current (`current()`) in its context
    (a thread, or a task and the worker threads it delivers from, in its context); outside any, the
    process's own, which is never closed."""

    def __init__(self) -> None:
        self._children: set[subprocess.Popen[bytes]] = set()
        self._closed = False

    @contextlib.contextmanager
    def current(self) -> Iterator[None]:
        """Within the block, the `exec:` deliveries of this context are this run's."""
        token = _CURRENT.set(self)
        try:
            yield
        finally:
            _CURRENT.reset(token)

    def start(self, argv: list[str], *, cwd: Path, label: str) -> subprocess.Popen[bytes]:
        """The command, started; DeliveryError (surely not delivered: it never ran) once closed."""
        with _LOCK:  # a close() or stop_deliveries() that comes while it starts sees it
            if self._closed:
                raise DeliveryError(label, "not run: the run was interrupted before this command could start")
            child = subprocess.Popen(  # noqa: S603 (no shell; the user names the command)
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=cwd,
                process_group=0,
            )
            self._children.add(child)
            _EVERY.add(child)
        return child

    def ended(self, child: subprocess.Popen[bytes]) -> None:
        with _LOCK:
            self._children.discard(child)
            _EVERY.discard(child)

    def close(self) -> int:
        """Start no more; stop those running (each of their deliveries raises DeliveryUncertain). Returns how many."""
        with _LOCK:
            self._closed = True
            children = list(self._children)
        _stop(children)
        return len(children)


_PROCESS: Final = DeliveryCommands()
_CURRENT: Final[contextvars.ContextVar[DeliveryCommands | None]] = contextvars.ContextVar(
    "geekai_delivery_commands", default=None
)


def stop_deliveries() -> int:
    """Stops every `exec:` delivery command still running, in any thread and any run, with what it
    started (SIGTERM to its process group, then SIGKILL after STOP_WAIT_SECONDS): for a caller that
    gives up on everything, e.g. before the process exits. Each of those deliveries raises
    DeliveryUncertain. Commands started later still run (an `ops.apply` run stops, and closes, only
    its own). Returns how many were stopped."""
    with _LOCK:
        children = list(_EVERY)
    _stop(children)
    return len(children)
