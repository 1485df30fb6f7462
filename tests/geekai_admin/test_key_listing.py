"""The one-pass listing reader: the patched spec's fields, and never an answer the general path
would not give for the same body."""

from __future__ import annotations

import dataclasses
import datetime
import gc
import json
import pickle
from decimal import Decimal
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from geekai_admin import ApiKey, APIResponseValidationError
from geekai_admin import _key_listing as key_listing
from geekai_admin._calls import _read_list
from geekai_admin._key_listing import KeyGroupRecord, KeyRecord, ListingRecord, _Building, read_listing
from tests.support.fake_api import key_record
from tests.support.openapi_validation import PATCHED_SPEC

SCHEMAS = yaml.safe_load(PATCHED_SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
RECORDS = {"ApiKeyListResponse": ListingRecord, "ApiKey": KeyRecord, "ApiKeyGroup": KeyGroupRecord}


def _wire_type(schema: dict[str, Any]) -> str:
    """The one JSON type the reader takes for a property of the spec (besides null)."""
    if "$ref" in schema:
        return "object"
    if schema.get("type") == "array":
        return "array"
    if "anyOf" in schema or "oneOf" in schema:  # a date or the empty string: a string either way
        kinds = {option.get("type") for option in schema.get("anyOf", schema.get("oneOf", []))}
        return "string" if kinds <= {"string", "null"} else "mixed"
    return str(schema["type"])


_ANNOTATIONS = {
    "string": {"str | None"},
    "boolean": {"bool | None"},
    "number": {"Any"},  # int or Decimal(its text), told apart after decoding
    "integer": {"Any"},
    "object": {"KeyGroupRecord | msgspec.UnsetType"},
    "array": {"list[KeyRecord] | None"},
}


@pytest.mark.parametrize("schema_name", sorted(RECORDS))
def test_each_record_declares_the_patched_specs_fields_and_no_other(schema_name: str) -> None:
    properties = SCHEMAS[schema_name]["properties"]
    record = RECORDS[schema_name]
    assert set(record.__struct_fields__) == set(properties)
    annotations = record.__annotations__
    for name, schema in properties.items():
        assert annotations[name] in _ANNOTATIONS[_wire_type(schema)], (schema_name, name)


def test_an_api_key_is_a_slotted_dataclass_with_nothing_to_run_after_init() -> None:
    # The reader sets an ApiKey's slots itself: an __init__ or __post_init__ of ApiKey's own would be skipped.
    assert "__post_init__" not in vars(ApiKey)
    assert set(ApiKey.__slots__) == {field.name for field in dataclasses.fields(ApiKey)}


def test_the_key_being_built_has_an_api_keys_layout_and_nothing_more() -> None:
    # What lets the reader turn it into an ApiKey (__class__ assignment) once its slots are set.
    assert _Building.__bases__ == (ApiKey,)
    assert _Building.__slots__ == ()
    # Python 3.13 records __static_attributes__ and __firstlineno__ on every class: no slot, no layout.
    ours = {"__module__", "__doc__", "__slots__", "__setattr__", "__delattr__"}
    assert set(vars(_Building)) - {"__static_attributes__", "__firstlineno__"} <= ours
    assert _Building.__basicsize__ == ApiKey.__basicsize__


def test_a_key_read_in_one_pass_is_an_api_key_like_any_other() -> None:
    content = json.dumps({"data": [key_record(), {**key_record(), "uuid": "u2", "credit_limit": 0}]}).encode()
    fast, general = read_listing(content), _read_list(_response(content), "keys.list")
    assert fast is not None
    for key, same in zip(fast, general, strict=True):
        assert type(key) is ApiKey
        assert key == same
        assert hash(key) == hash(same)
        assert repr(key) == repr(same)
        assert key.to_dict() == same.to_dict()
        assert pickle.loads(pickle.dumps(key)) == key
        assert dataclasses.replace(key, name="renamed") == dataclasses.replace(same, name="renamed")
        with pytest.raises(dataclasses.FrozenInstanceError):
            key.name = "renamed"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del key.name
        assert key.extra == {}
    assert fast[0].extra is not fast[1].extra  # each key its own, as ApiKey() gives


_COMMON = json.dumps({"data": [key_record()]}).encode()
_NOT_COMMON_AT_THE_END = json.dumps({"data": [key_record(), {**key_record(), "credit_used": "1"}]}).encode()


@pytest.fixture
def collector_seen(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the garbage collector ran, each time the reader read a date-time."""
    seen: list[bool] = []

    def read_moment(text: str) -> datetime.datetime:
        seen.append(gc.isenabled())
        return datetime.datetime.fromisoformat(text)

    monkeypatch.setattr(key_listing, "_read_moment", read_moment)
    return seen


@pytest.mark.parametrize("content", [_COMMON, _NOT_COMMON_AT_THE_END])
def test_the_collector_is_paused_while_keys_are_built_and_then_resumed(
    content: bytes, collector_seen: list[bool]
) -> None:
    assert gc.isenabled()
    read_listing(content)
    assert collector_seen
    assert not any(collector_seen)
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(collector_seen: list[bool]) -> None:
    gc.disable()
    try:
        assert read_listing(_COMMON) is not None
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert collector_seen == [False, False]


def test_the_collector_is_resumed_when_the_build_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> datetime.datetime:
        raise RuntimeError(text)

    monkeypatch.setattr(key_listing, "_read_moment", broken)
    with pytest.raises(RuntimeError):
        read_listing(_COMMON)
    assert gc.isenabled()


def _response(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, request=httpx.Request("GET", "https://geekai.co/api/api_keys"))


def _shown(keys: list[ApiKey]) -> list[tuple[str, dict[str, Any]]]:
    """Everything of each key, exactly: repr() gives each Decimal's digits and each datetime's zone."""
    return [(repr(key), dict(key.extra)) for key in keys]


def _general(content: bytes) -> list[tuple[str, dict[str, Any]]] | str:
    try:
        return _shown(_read_list(_response(content), "keys.list"))
    except APIResponseValidationError as error:
        return f"refused: {error}"


def check_same_as_general_path(content: bytes) -> bool:
    """True when the one-pass reader answered (and then it answered as the general path does)."""
    fast = read_listing(content)
    if fast is None:
        return False
    assert _shown(fast) == _general(content)
    return True


def test_the_common_listing_takes_the_one_pass_path() -> None:
    keys = [key_record(), {**key_record(), "uuid": "u2", "expired_at": "", "last_used_at": None, "credit_used": 1.50}]
    assert check_same_as_general_path(json.dumps({"data": keys}).encode())
    assert check_same_as_general_path(b'{"data": null}')
    assert check_same_as_general_path(b"{}")


EDGE_BODIES = [
    b'{"data": [{"uuid": "u", "raw_value": "sk-full"}]}',  # a secret in a listing: dropped, by the general path
    b'{"data": [{"uuid": "u", "later": 1}]}',  # an undeclared field: kept in extra, by the general path
    b'{"data": [{"uuid": "u"}], "total": 1}',
    b'{"data": [{"uuid": ""}]}',
    b'{"data": [{"name": "no uuid"}]}',
    b'{"data": [{"uuid": "u", "group": null}]}',
    b'{"data": [{"uuid": "u", "group": {"name": "ha", "alias": 5}}]}',
    b'{"data": [{"uuid": "u", "group": {"name": "ha", "id": 5}}]}',
    b'{"data": [{"uuid": "u", "credit_limit": "10"}]}',
    b'{"data": [{"uuid": "u", "credit_limit": true}]}',
    b'{"data": [{"uuid": "u", "credit_limit": NaN}]}',
    b'{"data": [{"uuid": "u", "credit_limit": 0, "credit_used": -0.0}]}',
    b'{"data": [{"uuid": "u", "credit_used": 1e400}]}',
    b'{"data": [{"uuid": "u", "credit_used": ' + b"9" * 4301 + b"}]}",
    b'{"data": [{"uuid": "u", "credit_used": [[[[1]]]]}]}',
    b'{"data": [{"uuid": "u", "expired_at": "2027-12-31T10:00:00"}]}',
    b'{"data": [{"uuid": "u", "expired_at": "20271231"}]}',
    b'{"data": [{"uuid": "u", "expired_at": "never"}]}',
    b'{"data": [{"uuid": "u", "last_used_at": "2026-11-20t08:30:00.1234567z"}]}',
    b'{"data": [{"uuid": "u", "last_used_at": 5}]}',
    b'{"data": [{"uuid": "u", "name": "\\ud800"}]}',
    b'{"data": [{"uuid": "u", "name": "\xff"}]}',
    b'{"data": [{"uuid": "u", "name": "\xed\xa0\x80"}]}',
    b'{"data": [], "extra": "\xff"}',
    b'{"data": [], "extra": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    b'{"data": [{"uuid": "a"}], "data": null}',
    b'\xef\xbb\xbf{"data": []}',
    '{"data": []}'.encode("utf-16"),
    b'{"data": {"uuid": "u"}}',
    b'{"data": ["u"]}',
    b'{"data": [[["uuid", "u"]]]}',
    b"[]",
    b'{"data": []} trailing',
    b"",
]


@pytest.mark.parametrize("content", EDGE_BODIES)
def test_an_unusual_body_gets_the_general_paths_answer(content: bytes) -> None:
    check_same_as_general_path(content)


# --- generated bodies ----------------------------------------------------------------------------

_NUMBER_TEXTS = ["0", "-0", "10000", "1234.5", "1234.50", "-3", "1e3", "1E-2", "0.1", "123456789012345678901234567890"]
_DATE_TEXTS = ["", "2027-12-31", "20271231", "2027-02-30", "2026-11-20T08:30:00+08:00", "2026-11-20 08:30", "never"]
_MOMENT_TEXTS = [
    "",
    "2026-11-20T08:30:00+08:00",
    "2026-11-20T08:30:00Z",
    "2026-11-20t08:30:00z",
    "2026-11-20T08:30:00.1234567+08:00",
    "2026-11-20",
    "2026-11-20 08:30:00",
    "yesterday",
]
_ODD: st.SearchStrategy[Any] = st.sampled_from([None, True, 0, "", "x", [], {}])


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(values, _ODD)


class _Number:
    """A JSON number written as given (json.dumps would write a float's shortest repr)."""

    def __init__(self, text: str) -> None:
        self.text = text


_KEY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "uuid": _maybe(st.sampled_from(["123e4567-e89b-12d3-a456-426614174000", "u"])),
    "name": _maybe(st.text(max_size=5)),
    "value": _maybe(st.just("sk-Ab3x****Yz9Q")),
    "group": _maybe(
        st.fixed_dictionaries({}, optional={"name": _maybe(st.sampled_from(["balance", "ha", "new"])), "alias": _ODD})
    ),
    "credit_limit": _maybe(st.sampled_from(_NUMBER_TEXTS).map(_Number)),
    "credit_used": _maybe(st.sampled_from(_NUMBER_TEXTS).map(_Number)),
    "expired": _maybe(st.booleans()),
    "status": _maybe(st.booleans()),
    "expired_at": _maybe(st.sampled_from(_DATE_TEXTS)),
    "last_used_at": _maybe(st.sampled_from(_MOMENT_TEXTS)),
    "created_at": _maybe(st.sampled_from(_MOMENT_TEXTS)),
}
_KEY = st.fixed_dictionaries(
    {"uuid": _KEY_FIELDS["uuid"]},
    optional={
        **{name: values for name, values in _KEY_FIELDS.items() if name != "uuid"},
        "raw_value": st.just("sk-full-secret"),
        "added_later": st.integers(),
    },
)


def _dump(value: Any) -> str:
    if isinstance(value, _Number):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    return json.dumps(value)


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries({}, optional={"data": st.one_of(st.none(), st.lists(_KEY, max_size=3))}))
def test_a_generated_listing_gets_the_general_paths_answer(body: dict[str, Any]) -> None:
    check_same_as_general_path(_dump(body).encode())


def test_the_record_reads_numbers_and_dates_as_json_loads_does() -> None:
    content = b'{"data": [{"uuid": "u", "credit_used": 1234.50, "credit_limit": 0, "expired_at": "2027-12-31"}]}'
    (key,) = read_listing(content) or []
    assert repr(key.credit_used) == "Decimal('1234.50')"
    assert key == ApiKey(uuid="u", credit_used=Decimal("1234.50"), expires=datetime.date(2027, 12, 31))
