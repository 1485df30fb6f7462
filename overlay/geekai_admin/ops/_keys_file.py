"""Keys as code, the file: the keys a team needs, declared in TOML, read and checked before anything is sent.

```toml
[defaults]                      # applies to every [[key]] that does not say otherwise
group = "balance"
credit_limit = 10000            # coins; "none" for no limit
rotate_every = "90d"

[scope]
prune_prefix = "team-"          # unlisted keys with this prefix may be deleted by --prune

[[key]]
name = "team-ci"
expires_after = "180d"          # or expires = 2027-06-30, or expires = "never"
secret = "exec:gh secret set GEEKAI_API_KEY"
```

A field that neither a key nor `[defaults]` states is not managed: a plan never changes it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from geekai_admin._calls import NOT_GIVEN, NotGiven
from geekai_admin._constants import Group
from geekai_admin._exceptions import GeekAIError, InvalidInputError
from geekai_admin._inputs import check_credit_limit, check_expires, check_group, check_name
from geekai_admin.ops._destinations import (
    DeliveryError,
    EnvFileDestination,
    ExecDestination,
    FileDestination,
    parse_destination,
)

__all__ = [
    "KEY_FIELDS",
    "MAX_KEYS_FILE_BYTES",
    "NEVER",
    "NO_LIMIT",
    "DesiredKey",
    "KeysFile",
    "KeysFileError",
    "load_keys_file",
    "parse_keys_file",
]

MAX_KEYS_FILE_BYTES: Final = 1024 * 1024
"""A keys file larger than this is refused: it names keys, it is never megabytes."""

KEY_FIELDS: Final = ("name", "group", "credit_limit", "expires", "expires_after", "rotate_every", "secret")
"""The fields a `[[key]]` may state; `[defaults]` may state all but `name` and `secret`."""
_DEFAULT_FIELDS: Final = tuple(f for f in KEY_FIELDS if f not in ("name", "secret"))
_SCOPE_FIELDS: Final = ("prune_prefix",)
_TABLES: Final = ("defaults", "scope", "key")
NO_LIMIT: Final = "none"
"""What a keys file writes for no credit limit."""
NEVER: Final = "never"
"""What a keys file writes for no expiry, or no rotation by age."""
_DAYS = re.compile(r"([0-9]{1,5})d")


class KeysFileError(InvalidInputError):
    """A keys file was refused before anything was sent: `path`, the key's `name` (None for the file
    as a whole) and the `field` say where, `problem` says what. `sharing`: the uuids of the account's
    keys that share the declared name, when that is the refusal (rename or delete all but one)."""

    path: str
    name: str | None
    field: str
    problem: str
    sharing: tuple[str, ...]

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        name: str | None = None,
        field: str | None = None,
        sharing: tuple[str, ...] = (),
    ) -> None:
        where = [path, *([] if name is None else [f"key {name!r}"]), *([] if field is None else [field])]
        # The message names the file, the key and the field, so InvalidInputError's "field: problem" is not used.
        GeekAIError.__init__(self, f"{': '.join(where)}: {problem}")
        self.field = field or "keys file"
        self.problem = problem
        self.path = path
        self.name = name
        self.sharing = sharing


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DesiredKey:
    """One key as the file declares it. `NOT_GIVEN` marks a field that is not managed.

    `credit_limit` None means no limit, `expires` None means no expiry. `expires_after_days` counts
    from the key's creation (and from the new key's after a rotation); it excludes `expires`.
    `rotate_every_days` None means never rotated by age. `secret` is the destination as written,
    read from the file's folder (`KeysFile.folder`).
    """

    name: str
    group: Group | NotGiven = NOT_GIVEN
    credit_limit: Decimal | NotGiven | None = NOT_GIVEN
    expires: datetime.date | NotGiven | None = NOT_GIVEN
    expires_after_days: int | NotGiven = NOT_GIVEN
    rotate_every_days: int | NotGiven | None = NOT_GIVEN
    secret: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class KeysFile:
    """A checked keys file: its `keys` in file order, and the scope `--prune` may touch."""

    path: str
    """As given, for messages."""
    folder: Path
    """Where relative paths in destinations are read from."""
    keys: tuple[DesiredKey, ...]
    prune_prefix: str | None = None

    def managed(self, name: str | None) -> DesiredKey | None:
        """The declared key of this name, if any."""
        for key in self.keys:
            if key.name == name:
                return key
        return None


def load_keys_file(path: str | Path) -> KeysFile:
    """Read and check a keys file; a `KeysFileError` names the file, the key and the field."""
    shown = str(path)
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_KEYS_FILE_BYTES + 1)
    except OSError as error:
        raise KeysFileError(shown, f"cannot read it ({error.strerror or type(error).__name__})") from None
    if len(data) > MAX_KEYS_FILE_BYTES:
        raise KeysFileError(shown, f"larger than {MAX_KEYS_FILE_BYTES // 1024} KiB: not a keys file")
    return parse_keys_file(data, path=shown, folder=Path(path).resolve().parent)


def name_look_alike(name: str) -> str | None:
    """Why a name cannot be declared although the API takes it, else None. Names are matched exactly,
    so "team-a " or a decomposed "ü" would plan a create beside a key that looks the same."""
    if name != name.strip():
        return "has leading or trailing spaces (names are matched exactly)"
    if name != unicodedata.normalize("NFC", name):
        return "is not in Unicode NFC form (names are matched exactly)"
    return None


def parse_keys_file(data: bytes | str, *, path: str = "<keys file>", folder: Path | None = None) -> KeysFile:
    """Check a keys file's text; relative destinations are read from `folder` (the current one if None)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise KeysFileError(path, f"not UTF-8 text (byte {error.start})") from None
    try:
        # Exact coins: 10000.5 stays Decimal("10000.5"), never a binary float.
        document = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise KeysFileError(path, f"not valid TOML: {error}") from None
    _no_unknown(path, document, _TABLES, what="table")
    defaults = _table(path, document, "defaults")
    scope = _table(path, document, "scope")
    _no_unknown(path, defaults, _DEFAULT_FIELDS, what="field", where="[defaults]")
    _no_unknown(path, scope, _SCOPE_FIELDS, what="field", where="[scope]")
    default_fields = _fields(path, None, defaults)
    entries = document.get("key", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise KeysFileError(path, "each key is a [[key]] table (double brackets)", field="key")
    keys: list[DesiredKey] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        keys.append(_key(path, index, entry, default_fields))
        if keys[-1].name in seen:
            raise KeysFileError(path, "named twice: a key is identified by its name", name=keys[-1].name, field="name")
        seen.add(keys[-1].name)
    base = folder or Path.cwd()
    _no_shared_destinations(path, keys, base)
    return KeysFile(path=path, folder=base, keys=tuple(keys), prune_prefix=_prune_prefix(path, scope))


def _no_shared_destinations(path: str, keys: list[DesiredKey], folder: Path) -> None:
    """Two keys whose secrets go to the same place would overwrite one another: one live key's secret
    lost. The same file (as file:, or as the env file of env-file:), the same variable, the same
    command, or the same text of another form is refused."""
    files: dict[Path, str] = {}
    env_files: dict[Path, str] = {}
    variables: dict[tuple[Path, str], str] = {}
    commands: dict[tuple[str, ...], str] = {}
    texts: dict[str, str] = {}
    for key in keys:
        if key.secret is None:
            continue
        try:
            destination: object = parse_destination(key.secret, folder=folder)
        except DeliveryError:
            # Not one of the command's forms: the library's caller delivers it (ops.apply's deliver),
            # and the command refuses it before anything is sent. The same text is still the same place.
            destination = key.secret
        other: str | None = None
        if isinstance(destination, str):
            other = texts.get(destination)
            texts.setdefault(destination, key.name)
        elif isinstance(destination, FileDestination):
            file = destination.path.resolve()
            other = files.get(file) or env_files.get(file)
            files.setdefault(file, key.name)
        elif isinstance(destination, EnvFileDestination):
            file = destination.path.resolve()
            other = files.get(file) or variables.get((file, destination.variable))
            env_files.setdefault(file, key.name)
            variables.setdefault((file, destination.variable), key.name)
        elif isinstance(destination, ExecDestination):
            other = commands.get(tuple(destination.argv))
            commands.setdefault(tuple(destination.argv), key.name)
        if other is not None:
            raise KeysFileError(
                path,
                f"the same destination as key {other!r}: one new secret would overwrite the other",
                name=key.name,
                field="secret",
            )


def _table(path: str, document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise KeysFileError(path, f"expected a [{name}] table, got {_kind(table)}", field=name)
    return table


def _no_unknown(
    path: str, table: Mapping[str, Any], known: tuple[str, ...], *, what: str, name: str | None = None, where: str = ""
) -> None:
    for field in table:
        if field not in known:
            choices = ", ".join(known)
            raise KeysFileError(path, f"unknown {what} (known: {choices})", name=name, field=f"{where} {field}".strip())


def _key(path: str, index: int, entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> DesiredKey:
    raw_name = entry.get("name")
    if raw_name is None:
        raise KeysFileError(path, "missing: every key needs a name", name=None, field=f"key #{index} name")
    try:
        name = check_name(raw_name)
    except InvalidInputError as error:
        raise KeysFileError(path, error.problem, field=f"key #{index} name") from None
    look_alike = name_look_alike(name)
    if look_alike is not None:
        raise KeysFileError(path, look_alike, name=name, field="name")
    _no_unknown(path, entry, KEY_FIELDS, what="field", name=name)
    own = _fields(path, name, entry)
    # A key's own expiry rule replaces the default's, whichever form either takes.
    if "expires" in own or "expires_after_days" in own:
        merged = {k: v for k, v in defaults.items() if k not in ("expires", "expires_after_days")} | own
    else:
        merged = {**defaults, **own}
    secret = entry.get("secret")
    if secret is not None and (not isinstance(secret, str) or not secret.strip()):
        raise KeysFileError(path, 'expected a destination such as "file:PATH"', name=name, field="secret")
    return DesiredKey(name=name, secret=secret, **merged)


def _fields(path: str, name: str | None, table: Mapping[str, Any]) -> dict[str, Any]:
    """The managed fields a table states, checked, under DesiredKey's attribute names."""
    fields: dict[str, Any] = {}
    if "expires" in table and "expires_after" in table:
        raise KeysFileError(path, "state expires or expires_after, not both", name=name, field="expires_after")
    for field in _READERS:
        if field in table:
            attribute, value = _checked(path, name, field, table[field])
            fields[attribute] = value
    return fields


def _checked(path: str, name: str | None, field: str, value: Any) -> tuple[str, Any]:
    try:
        return _READERS[field](value)
    except InvalidInputError as error:
        raise KeysFileError(path, error.problem, name=name, field=field) from None


def _read_group(value: Any) -> tuple[str, Group]:
    return "group", check_group(value)


def _read_credit_limit(value: Any) -> tuple[str, Decimal | None]:
    if value == NO_LIMIT:
        return "credit_limit", None
    if isinstance(value, str | bool):
        raise InvalidInputError("credit_limit", f'expected a number of coins or "none", got {value!r}')
    if value == 0:
        raise InvalidInputError("credit_limit", 'the API reads 0 as no limit: write "none" for no limit')
    return "credit_limit", check_credit_limit(value)


def _read_expires(value: Any) -> tuple[str, datetime.date | None]:
    if value == NEVER:
        return "expires", None
    if isinstance(value, datetime.datetime | datetime.time):
        raise InvalidInputError("expires", f'expected a date such as 2027-06-30 or "never", got {value.isoformat()}')
    if not isinstance(value, str | datetime.date):
        raise InvalidInputError("expires", f'expected a date such as 2027-06-30 or "never", got {_kind(value)}')
    return "expires", check_expires(value)


def _read_expires_after(value: Any) -> tuple[str, int]:
    return "expires_after_days", _days("expires_after", value)


def _read_rotate_every(value: Any) -> tuple[str, int | None]:
    return "rotate_every_days", None if value == NEVER else _days("rotate_every", value)


def _days(field: str, value: Any) -> int:
    match = _DAYS.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) == 0:
        shown = value if isinstance(value, str) else _kind(value)
        raise InvalidInputError(field, f'expected a number of days such as "90d", got {shown!r}')
    return int(match[1])


_READERS: Final = {
    "group": _read_group,
    "credit_limit": _read_credit_limit,
    "expires": _read_expires,
    "expires_after": _read_expires_after,
    "rotate_every": _read_rotate_every,
}


def _prune_prefix(path: str, scope: Mapping[str, Any]) -> str | None:
    prefix = scope.get("prune_prefix")
    if prefix is None:
        return None
    if not isinstance(prefix, str) or not prefix.strip():
        raise KeysFileError(
            path,
            "expected a non-empty string: an empty prefix would let --prune delete every unlisted key",
            field="[scope] prune_prefix",
        )
    return prefix


def _kind(value: object) -> str:
    """What a TOML value is, in TOML's words where they differ from Python's."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
