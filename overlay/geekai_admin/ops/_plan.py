"""Keys as code, the plan: what must change in an account so that its managed keys match a keys file.

`plan` is pure: it reads a checked `KeysFile`, the account's keys and the time, and returns a
`Plan`. Applying that plan and planning again gives an empty plan.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, Literal

from geekai_admin._calls import NOT_GIVEN, NotGiven
from geekai_admin._constants import Group
from geekai_admin._exceptions import InvalidInputError
from geekai_admin._models import ApiKey, json_ready
from geekai_admin.ops._keys_file import DesiredKey, KeysFile, KeysFileError

__all__ = ["MANAGED_FIELDS", "Change", "ChangeAction", "FieldChange", "Plan", "plan"]

ChangeAction = Literal["create", "update", "rotate", "delete"]
"""What a change does to one key; a plan is carried out in this order (creates with updates first)."""

MANAGED_FIELDS: Final = ("group", "credit_limit", "expires")
"""The key fields a keys file can manage, as `ApiKey` and `keys.create` name them."""


@dataclasses.dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value now (`NOT_GIVEN` for a key not yet created) and after the change.
    None is no limit for `credit_limit`, no expiry for `expires`."""

    old: Any
    new: Any


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One key's change. `uuid` is None for a key to be created; `fields` holds only what changes
    (for a rotation: what the new key gets that the old one does not have)."""

    action: ChangeAction
    name: str
    uuid: str | None
    fields: Mapping[str, FieldChange] = dataclasses.field(default_factory=dict)
    due_since: datetime.date | None = None
    """For a rotation: the day the key became due (its creation day plus `rotate_every`)."""
    desired: DesiredKey | None = None
    """The declaration (None for a deletion): its `secret` says where a new secret goes."""
    current: ApiKey | None = None
    """The key as read (None for a creation)."""

    def new_key_fields(self) -> dict[str, Any]:
        """For a creation or rotation, the managed fields the new key is created with: what the file
        states, and for a rotation whatever else the old key had (a creation leaves the rest to the API)."""
        kept = {} if self.current is None else {f: getattr(self.current, f) for f in MANAGED_FIELDS}
        return kept | {field: change.new for field, change in self.fields.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"action", "name", "uuid", "fields": {FIELD: {"old", "new"}}}, "old" left out for a
        creation; a rotation adds "due_since"."""
        fields = {
            field: (
                {"new": json_ready(change.new)}
                if isinstance(change.old, NotGiven)
                else {
                    "old": json_ready(change.old),
                    "new": json_ready(change.new),
                }
            )
            for field, change in self.fields.items()
        }
        shown: dict[str, Any] = {"action": self.action, "name": self.name, "uuid": self.uuid, "fields": fields}
        if self.due_since is not None:
            shown["due_since"] = self.due_since.isoformat()
        return shown


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The changes, in the order they are carried out, and how many declared keys need none."""

    changes: tuple[Change, ...]
    unchanged: int

    @property
    def pending(self) -> bool:
        """True when applying would change the account."""
        return bool(self.changes)

    def of(self, action: ChangeAction) -> tuple[Change, ...]:
        """The changes of one kind, in order."""
        return tuple(change for change in self.changes if change.action == action)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"changes": [...], "unchanged": N}."""
        return {"changes": [change.to_dict() for change in self.changes], "unchanged": self.unchanged}


def plan(desired: KeysFile, current: Iterable[ApiKey], *, now: datetime.datetime, prune: bool = False) -> Plan:
    """What applying `desired` to an account holding `current` would do at `now` (timezone-aware).

    Keys are matched by name. A declared key missing from the account is created; one whose
    managed fields differ is updated; one older than its `rotate_every` is rotated (the new key
    gets the declared fields). With `prune`, an unlisted key whose name starts with the file's
    `prune_prefix` is deleted; no other key is ever touched. Raises `KeysFileError` (naming the
    file, the key and the field) when the file and the account cannot be reconciled: two account
    keys share a declared name, a created or rotated key has no secret destination, a day count
    needs a creation time the server did not give, or pruning is asked without a prefix.
    """
    today, moment = _utc(now)
    if not isinstance(prune, bool):
        raise InvalidInputError("prune", f"expected True or False, got {prune!r}")
    keys = list(current)
    by_name = _by_name(desired, keys)
    changes: list[Change] = []
    rotations: list[Change] = []
    unchanged = 0
    for wanted in desired.keys:
        key = by_name.get(wanted.name)
        if key is None:
            changes.append(_create(desired, wanted, today))
            continue
        due = _due_since(desired, wanted, key, moment)
        if due is not None:
            rotations.append(_rotate(desired, wanted, key, today, due))
            continue
        fields = _differences(wanted, key, _expiry(desired, wanted, key, today))
        if fields:
            changes.append(
                Change(action="update", name=wanted.name, uuid=key.uuid, fields=fields, desired=wanted, current=key)
            )
        else:
            unchanged += 1
    return Plan(changes=(*changes, *rotations, *_deletions(desired, keys, prune)), unchanged=unchanged)


def _utc(now: datetime.datetime) -> tuple[datetime.date, datetime.datetime]:
    if not isinstance(now, datetime.datetime):
        raise InvalidInputError("now", f"expected a datetime, got {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInputError("now", "must be timezone-aware: days are counted in UTC")
    moment = now.astimezone(datetime.UTC)
    return moment.date(), moment


def _by_name(desired: KeysFile, keys: list[ApiKey]) -> dict[str, ApiKey]:
    declared = {key.name for key in desired.keys}
    found: dict[str, list[ApiKey]] = {}
    for key in keys:
        if key.name in declared:
            found.setdefault(key.name, []).append(key)
    for name, same in found.items():
        if len(same) > 1:
            uuids = ", ".join(key.uuid for key in same)
            raise KeysFileError(
                desired.path,
                f"the account has {len(same)} keys of this name ({uuids}): keys as code tells keys apart by name; "
                f"rename or delete all but one ({len(same) - 1} of them)",
                name=name,
                field="name",
                sharing=tuple(key.uuid for key in same),
            )
    return {name: same[0] for name, same in found.items()}


def _needs_secret(desired: KeysFile, wanted: DesiredKey, what: str) -> None:
    if wanted.secret is None:
        raise KeysFileError(
            desired.path,
            f"the key is {what}, so its new secret needs a destination "
            '(secret = "file:PATH", "env-file:PATH#VAR" or "exec:COMMAND")',
            name=wanted.name,
            field="secret",
        )


def _create(desired: KeysFile, wanted: DesiredKey, today: datetime.date) -> Change:
    _needs_secret(desired, wanted, "to be created")
    fields = {
        field: FieldChange(NOT_GIVEN, value) for field, value in _declared(wanted, _new_expiry(wanted, today)).items()
    }
    return Change(action="create", name=wanted.name, uuid=None, fields=fields, desired=wanted)


def _rotate(desired: KeysFile, wanted: DesiredKey, key: ApiKey, today: datetime.date, due: datetime.date) -> Change:
    _needs_secret(desired, wanted, "due for rotation")
    fields = _differences(wanted, key, _new_expiry(wanted, today))
    return Change(
        action="rotate", name=wanted.name, uuid=key.uuid, fields=fields, due_since=due, desired=wanted, current=key
    )


def _declared(wanted: DesiredKey, expires: datetime.date | NotGiven | None) -> dict[str, Any]:
    """The managed fields' declared values (expires already counted), NOT_GIVEN ones left out."""
    values = {"group": wanted.group, "credit_limit": wanted.credit_limit, "expires": expires}
    return {field: value for field, value in values.items() if not isinstance(value, NotGiven)}


def _differences(wanted: DesiredKey, key: ApiKey, expires: datetime.date | NotGiven | None) -> dict[str, FieldChange]:
    changed: dict[str, FieldChange] = {}
    for field, value in _declared(wanted, expires).items():
        old = getattr(key, field)
        if not _same(field, old, value):
            changed[field] = FieldChange(old, value)
    return changed


def _same(field: str, old: Any, new: Any) -> bool:
    if field == "group":
        return old is not None and str(old) == Group(new).value
    if field == "credit_limit" and old is not None and new is not None:
        return Decimal(old) == Decimal(new)  # 10000 and 10000.00 are one limit
    return bool(old == new)


def _new_expiry(wanted: DesiredKey, today: datetime.date) -> datetime.date | NotGiven | None:
    """The expiry a key created today gets."""
    if isinstance(wanted.expires_after_days, int):
        return today + datetime.timedelta(days=wanted.expires_after_days)
    return wanted.expires


def _expiry(
    desired: KeysFile, wanted: DesiredKey, key: ApiKey, today: datetime.date
) -> datetime.date | NotGiven | None:
    """The expiry an existing key should have: `expires_after` counts from its creation day (UTC)."""
    if not isinstance(wanted.expires_after_days, int):
        return wanted.expires
    created = _created_day(desired, wanted, key, "expires_after")
    return created + datetime.timedelta(days=wanted.expires_after_days)


def _due_since(desired: KeysFile, wanted: DesiredKey, key: ApiKey, moment: datetime.datetime) -> datetime.date | None:
    """The day the key became due for rotation, or None when it is not due (or never rotated by age)."""
    if not isinstance(wanted.rotate_every_days, int):
        return None
    created = _created_at(desired, wanted, key, "rotate_every")
    due = created + datetime.timedelta(days=wanted.rotate_every_days)
    return due.date() if moment >= due else None


def _created_at(desired: KeysFile, wanted: DesiredKey, key: ApiKey, field: str) -> datetime.datetime:
    created = key.created_at
    if created is None:
        raise KeysFileError(
            desired.path,
            f"key {key.uuid} has no creation time from the server, so {field} cannot be counted",
            name=wanted.name,
            field=field,
        )
    if created.tzinfo is None:
        # The API writes local times without an offset; the docs name no zone, so UTC is assumed.
        created = created.replace(tzinfo=datetime.UTC)
    return created.astimezone(datetime.UTC)


def _created_day(desired: KeysFile, wanted: DesiredKey, key: ApiKey, field: str) -> datetime.date:
    return _created_at(desired, wanted, key, field).date()


def _deletions(desired: KeysFile, keys: list[ApiKey], prune: bool) -> list[Change]:
    if not prune:
        return []
    prefix = desired.prune_prefix
    if prefix is None:
        raise KeysFileError(
            desired.path,
            "pruning needs a prefix: keys outside it are never deleted",
            field="[scope] prune_prefix",
        )
    declared = {key.name for key in desired.keys}
    doomed = [key for key in keys if key.name is not None and key.name.startswith(prefix) and key.name not in declared]
    doomed.sort(key=lambda key: (key.name or "", key.uuid))
    return [Change(action="delete", name=key.name or "", uuid=key.uuid, current=key) for key in doomed]
