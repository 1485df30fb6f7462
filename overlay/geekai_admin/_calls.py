"""The six operations as data: what to send (from the generated request builders) and how to read
the answer. The sync and async clients both execute these; neither builds a request itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import functools
from collections.abc import Callable, Generator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

import httpx

from geekai_admin._constants import Group
from geekai_admin._exceptions import APIResponseValidationError, InvalidInputError
from geekai_admin._inputs import check_credit_limit, check_expires, check_group, check_name, check_uuid
from geekai_admin._models import ApiKey, Balance, CreatedKey
from geekai_admin._responses import Fields, api_key, created_key, from_generated, json_body, labelled
from geekai_admin._transport._call import Call

if TYPE_CHECKING:
    from uuid import UUID

    from geekai_admin._types import KeyRef
    from geekai_admin_api.models.api_key_update_request_group import ApiKeyUpdateRequestGroup

# The generated package (attrs, its models) and msgspec load when an operation is first used, not
# with `from geekai_admin import GeekAIAdmin`: they are most of what importing the client cost
# (docs/performance.md). Each function below imports the generated module it needs.

__all__ = [
    "NOT_GIVEN",
    "Call",
    "Flow",
    "NotGiven",
    "balance",
    "create",
    "delete",
    "get",
    "key_uuid",
    "list_keys",
    "read_for_update",
    "read_to_copy",
    "update",
]

T = TypeVar("T")


class NotGiven:
    """Marks an argument the caller did not pass (distinct from None, which means "no limit")."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = NotGiven()


Flow: TypeAlias = Generator[Call[Any], Any, T]
"""An operation of several calls, without I/O: it yields each Call, is sent back its result, and
returns the operation's result. `_flow.run_sync` and `run_async` drive it."""


def _call(name: str, kwargs: dict[str, Any], parse: Callable[[httpx.Response, str], T]) -> Call[T]:
    return Call(
        name=name, method=str(kwargs["method"]).upper(), path=str(kwargs["url"]), json=kwargs.get("json"), parse=parse
    )


def _wire_amount(amount: Decimal | None) -> int | float:
    """Coins as a JSON number; the API's 0 means no limit."""
    if amount is None:
        return 0
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _wire_date(day: datetime.date | None) -> str:
    return "" if day is None else day.isoformat()


def _uuid(text: str) -> UUID:
    """`text` as the uuid.UUID the generated operations take. The uuid module loads on first use,
    not with the client: it imports platform, about 2 ms of the import (docs/performance.md)."""
    import uuid  # noqa: PLC0415  # lazy: start-up time (uuid imports platform)

    return uuid.UUID(text)


def key_uuid(key: KeyRef) -> str:
    return check_uuid(key.uuid if isinstance(key, ApiKey) else key)


# --- balance -----------------------------------------------------------------------------------


def _parse_balance(response: httpx.Response, what: str) -> Balance:
    from geekai_admin_api.models.credit_balance_response import CreditBalanceResponse  # noqa: PLC0415  # lazy: start-up time
    from geekai_admin_api.types import Unset  # noqa: PLC0415  # lazy: start-up time

    parsed = from_generated(CreditBalanceResponse.from_dict, json_body(response, what), response, what)
    fields = Fields(response, what)
    coins = fields.amount("balance", parsed.balance)
    if coins is None and not isinstance(parsed.data, Unset):
        coins = fields.amount("data.balance", parsed.data.balance)
    if coins is None:
        raise APIResponseValidationError(labelled(what, "the response has no balance"), response=response)
    return Balance(coins=coins)


@functools.cache  # a Call is immutable, and this one is the same every time
def balance() -> Call[Balance]:
    from geekai_admin_api.api.credit_balance import get_credit_balance  # noqa: PLC0415  # lazy: start-up time

    return _call("balance", get_credit_balance._get_kwargs(), _parse_balance)


# --- list, get -------------------------------------------------------------------------------


def _parse_list(response: httpx.Response, what: str) -> list[ApiKey]:
    from geekai_admin._key_listing import read_listing  # noqa: PLC0415  # lazy: start-up time

    keys = read_listing(response.content)  # the common shape, in one pass
    return _read_list(response, what) if keys is None else keys


def _read_list(response: httpx.Response, what: str) -> list[ApiKey]:
    """Any listing: the general path, which names the field that does not fit."""
    from geekai_admin_api.models.api_key_list_response import ApiKeyListResponse  # noqa: PLC0415  # lazy: start-up time
    from geekai_admin_api.types import Unset  # noqa: PLC0415  # lazy: start-up time

    body = json_body(response, what)
    if body.get("data", ()) is None:  # an empty list, as servers that send nil slices write it
        return []
    parsed = from_generated(ApiKeyListResponse.from_dict, body, response, what)
    if isinstance(parsed.data, Unset):
        return []
    return [api_key(item, response, labelled(what, _item_label(i, item.uuid))) for i, item in enumerate(parsed.data)]


def _item_label(index: int, uuid: object) -> str:
    """The label "listing item 3", with the item's uuid when it is one: a key is named even when
    its other fields cannot be read."""
    label = f"listing item {index}"
    if isinstance(uuid, str):
        with contextlib.suppress(ValueError):
            return f"{label} ({_uuid(uuid)})"
    return label


@functools.cache  # as balance()
def list_keys() -> Call[list[ApiKey]]:
    from geekai_admin_api.api.api_keys import list_api_keys  # noqa: PLC0415  # lazy: start-up time

    return _call("keys.list", list_api_keys._get_kwargs(), _parse_list)


def _read_detail(response: httpx.Response, what: str, asked: str) -> tuple[ApiKey, dict[str, Any]]:
    """The key, and its `data` object as sent; refused unless it is the key `asked` for (its uuid).

    Every later write targets the key as read (an update's PUT, a rotation's DELETE): a server
    answering with another key's record must not turn into a write to a key nobody named.
    """
    from geekai_admin_api.models.api_key_detail_response import ApiKeyDetailResponse  # noqa: PLC0415  # lazy: start-up time
    from geekai_admin_api.types import Unset  # noqa: PLC0415  # lazy: start-up time

    body = json_body(response, what)
    data = body.get("data")
    if not isinstance(data, dict):
        raise APIResponseValidationError(labelled(what, "the response has no data"), response=response)
    parsed = from_generated(ApiKeyDetailResponse.from_dict, body, response, what)
    if isinstance(parsed.data, Unset):  # not reached: `data` is a dict, so the model has it
        raise APIResponseValidationError(labelled(what, "the response has no data"), response=response)
    key = api_key(parsed.data, response, what)
    if key.uuid.lower() != asked:
        raise Fields(response, what).fail("uuid", key.uuid, f"{asked}, the key asked for")
    return key, data


def get(key: KeyRef) -> Call[ApiKey]:
    from geekai_admin_api.api.api_keys import get_api_key  # noqa: PLC0415  # lazy: start-up time

    asked = key_uuid(key)

    def parse(response: httpx.Response, what: str) -> ApiKey:
        return _read_detail(response, what, asked)[0]

    return _call("keys.get", get_api_key._get_kwargs(_uuid(asked)), parse)


# --- create ----------------------------------------------------------------------------------


def _parse_created(response: httpx.Response, what: str) -> CreatedKey:
    from geekai_admin_api.models.api_key_create_response import ApiKeyCreateResponse  # noqa: PLC0415  # lazy: start-up time
    from geekai_admin_api.types import Unset  # noqa: PLC0415  # lazy: start-up time

    parsed = from_generated(ApiKeyCreateResponse.from_dict, json_body(response, what), response, what)
    if isinstance(parsed.data, Unset):
        raise APIResponseValidationError(
            labelled(what, "the key may have been created, but the response has no data"),
            response=response,
            secret_in_body=True,
        )
    return created_key(parsed.data, response, what)


def create(
    *, name: object, group: object = Group.BALANCE, credit_limit: object = None, expires: object = None
) -> Call[CreatedKey]:
    from geekai_admin_api.api.api_keys import create_api_key  # noqa: PLC0415  # lazy: start-up time
    from geekai_admin_api.models.api_key_create_request import ApiKeyCreateRequest  # noqa: PLC0415  # lazy: start-up time

    body = ApiKeyCreateRequest(
        name=check_name(name),
        group=check_group(group).value,
        credit_limit=_wire_amount(check_credit_limit(credit_limit)),
        expired_at=_wire_date(check_expires(expires)),
    )
    return _call("keys.create", create_api_key._get_kwargs(body=body), _parse_created)


# --- update, delete -------------------------------------------------------------------------


def _parse_ack(response: httpx.Response, what: str) -> None:
    json_body(response, what, empty_ok=True)


NOTHING_TO_UPDATE: Final = "name at least one change: name, group, credit limit or expiry"
"""The one message for an update that changes nothing (the library's and the command's)."""


@dataclasses.dataclass(frozen=True, slots=True)
class KeyChanges:
    """The fields an update names, validated; NOT_GIVEN fields keep their current value."""

    name: str | NotGiven = NOT_GIVEN
    group: Group | NotGiven = NOT_GIVEN
    credit_limit: Decimal | NotGiven | None = NOT_GIVEN
    expires: datetime.date | NotGiven | None = NOT_GIVEN

    @classmethod
    def of(cls, *, name: object, group: object, credit_limit: object, expires: object) -> KeyChanges:
        """The changes of an update: each given field checked (InvalidInputError names the field),
        and at least one given."""
        changes = cls.checked(name=name, group=group, credit_limit=credit_limit, expires=expires)
        if all(isinstance(getattr(changes, name), NotGiven) for name in _CHANGE_FIELDS):
            raise InvalidInputError("update", NOTHING_TO_UPDATE)
        return changes

    @classmethod
    def checked(
        cls,
        *,
        name: object = NOT_GIVEN,
        group: object = NOT_GIVEN,
        credit_limit: object = NOT_GIVEN,
        expires: object = NOT_GIVEN,
    ) -> KeyChanges:
        """Each given field checked (InvalidInputError names the field); none need be given (a
        rotation's fields that differ from the old key's)."""
        return cls(
            name=name if isinstance(name, NotGiven) else check_name(name),
            group=group if isinstance(group, NotGiven) else check_group(group),
            credit_limit=credit_limit if isinstance(credit_limit, NotGiven) else check_credit_limit(credit_limit),
            expires=expires if isinstance(expires, NotGiven) else check_expires(expires),
        )

    def applied_to(self, current: ApiKey) -> ApiKey:
        given = {name: getattr(self, name) for name in _CHANGE_FIELDS}
        return dataclasses.replace(current, **{k: v for k, v in given.items() if not isinstance(v, NotGiven)})


_CHANGE_FIELDS: Final = tuple(f.name for f in dataclasses.fields(KeyChanges))
"""KeyChanges' fields, read once: dataclasses.fields() builds them anew at every update."""


_UPDATE: Final = "keys.update"
_ROTATE: Final = "ops.rotate"
"""The label of both calls of an update: the read and the write."""
_KNOWN_GROUPS: Final = frozenset(Group)
_KEPT_FIELDS: Final = {"name": "name", "group": "group", "credit_limit": "credit_limit", "expires": "expired_at"}
"""Update's arguments, and the field of the key as sent that each one keeps when not given."""


def _means_never(wire: str, data: dict[str, Any]) -> bool:
    """expired_at null is "never expires" (codegen/SPEC_NOTES.md, 6); any other null says nothing."""
    return wire == "expired_at" and wire in data


def read_for_update(key: str | UUID, changes: KeyChanges, *, for_rotation: bool = False) -> Call[ApiKey]:
    """The GET before an update (or a rotation); refuses a key that does not say what the PUT must keep.

    ApiKey's None means both "not said" and "none" (no limit, no expiry); here only what the
    server sent counts, so a field it left out is never sent back as "none". `for_rotation`: the
    read is ops.rotate's, whose new key copies those fields (and which has no arguments for them).
    """
    from geekai_admin_api.api.api_keys import get_api_key  # noqa: PLC0415  # lazy: start-up time

    kept = {arg: wire for arg, wire in _KEPT_FIELDS.items() if isinstance(getattr(changes, arg), NotGiven)}
    asked = check_uuid(key)

    def parse(response: httpx.Response, what: str) -> ApiKey:
        current, data = _read_detail(response, what, asked)
        unsaid = [arg for arg, wire in kept.items() if data.get(wire) is None and not _means_never(wire, data)]
        if unsaid:
            consequence = (
                "which the new key must copy: nothing was written"
                if for_rotation
                else f"which the PUT would reset: give {', '.join(a + '=' for a in unsaid)} too"
            )
            raise APIResponseValidationError(
                labelled(what, f"key {current.uuid} as read does not say its {', '.join(kept[a] for a in unsaid)}, ")
                + consequence,
                response=response,
            )
        return current

    operation = _ROTATE if for_rotation else _UPDATE
    return _call(operation, get_api_key._get_kwargs(_uuid(asked)), parse)


def read_to_copy(key: KeyRef, name: str | None) -> Call[ApiKey]:
    """The read of a rotation: as update's, with every field kept but the `name` when one is given."""
    changes = KeyChanges() if name is None else KeyChanges(name=name)
    return read_for_update(key_uuid(key), changes, for_rotation=True)


def update(key: KeyRef, changes: KeyChanges) -> Flow[ApiKey]:
    """Read (unless `key` is an ApiKey already), merge `changes`, write: the key as it then stands."""
    current = key if isinstance(key, ApiKey) else (yield read_for_update(key, changes))
    write, updated = _write(current, changes)
    yield write
    return updated


def _write(current: ApiKey, changes: KeyChanges) -> tuple[Call[None], ApiKey]:
    """The PUT for `changes` merged into `current`, and the key as it stands once the PUT succeeds.

    PUT replaces the whole key (its omitted fields are taken to reset), so every field is sent:
    the ones named, and the current values of the others.
    """
    from geekai_admin_api.api.api_keys import update_api_key  # noqa: PLC0415  # lazy: start-up time
    from geekai_admin_api.models.api_key_update_request import ApiKeyUpdateRequest  # noqa: PLC0415  # lazy: start-up time

    key_id = _uuid(check_uuid(current.uuid))
    merged = changes.applied_to(current)
    if merged.name is None or merged.group is None:
        raise InvalidInputError("update", f"key {key_id} has no name or group to keep: give both")
    body = ApiKeyUpdateRequest(
        name=merged.name,
        group=_group_to_send(key_id, merged.group, changes),
        credit_limit=_wire_amount(merged.credit_limit),
        expired_at=_wire_date(merged.expires),
    )
    kwargs = update_api_key._get_kwargs(key_id, body=body)
    return _call(_UPDATE, kwargs, _parse_ack), merged


def _group_to_send(key_id: UUID, group: str, changes: KeyChanges) -> ApiKeyUpdateRequestGroup:
    if isinstance(changes.group, NotGiven) and group not in _KNOWN_GROUPS:
        raise InvalidInputError(
            "group",
            f"key {key_id} has the group {group!r}, which this client cannot send back "
            f"(it sends {', '.join(Group)}): give a group to update the key",
        )
    return check_group(group).value


def delete(key: KeyRef) -> Call[None]:
    from geekai_admin_api.api.api_keys import delete_api_key  # noqa: PLC0415  # lazy: start-up time

    kwargs = delete_api_key._get_kwargs(_uuid(key_uuid(key)))
    return _call("keys.delete", kwargs, _parse_ack)
